/**
 * Wait for Logto (`GET /api/status` answers 204) and its Postgres (TCP port open) until the
 * deadline. One direct probe first: when both already answer (the usual case, the container
 * starts after Logto is healthy), `wait-on` is not even loaded.
 */
import net from 'node:net';

import { describeDbUrl } from './db.js';
import { UnreachableError, describeError } from './errors.js';

const probeTimeoutMs = 2000;

const logtoStatusUrl = (logtoUrl: string) => `${logtoUrl}/api/status`;

/** Each probe answers undefined when the service is up, else why not (for the message). */
type Probe = () => Promise<string | undefined>;

const probeLogto = (logtoUrl: string): Probe => async () => {
  try {
    const response = await fetch(logtoStatusUrl(logtoUrl), {
      signal: AbortSignal.timeout(probeTimeoutMs),
    });
    await response.arrayBuffer();
    return response.ok ? undefined : `HTTP ${response.status}`;
  } catch (error: unknown) {
    if (error instanceof Error && error.name === 'TimeoutError') {
      return `no answer within ${probeTimeoutMs} ms`;
    }
    return describeError(error instanceof Error && error.cause ? error.cause : error);
  }
};

/** host/port of the DSN; undefined for Unix sockets (the connection retries cover those). */
export const tcpTarget = (dbUrl: string) => {
  const url = new URL(dbUrl);
  const host = decodeURIComponent(url.hostname) || url.searchParams.get('host') || 'localhost';
  if (host.startsWith('/')) {
    return undefined;
  }
  return { host: host.replace(/^\[|\]$/g, ''), port: Number(url.port || '5432') };
};

const probeTcp = (target: { host: string; port: number }): Probe => async () =>
  new Promise<string | undefined>((resolve) => {
    const socket = net.connect({ ...target, timeout: probeTimeoutMs });
    const done = (reason: string | undefined) => {
      socket.destroy();
      resolve(reason);
    };
    socket.once('connect', () => {
      done(undefined);
    });
    socket.once('error', (error) => {
      done(describeError(error));
    });
    socket.once('timeout', () => {
      done(`no answer within ${probeTimeoutMs} ms`);
    });
  });

/** wait-on's form of a TCP target: an IPv6 address in brackets (`tcp:[::1]:5432`). */
export const tcpResource = (target: { host: string; port: number }) =>
  `tcp:${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;

const waitOnResource = async (resource: string, deadline: number) => {
  const { default: waitOn } = await import('wait-on');
  await waitOn({
    resources: [resource],
    timeout: Math.max(1, deadline - Date.now()),
    interval: 500,
    window: 0,
    httpTimeout: probeTimeoutMs,
    tcpTimeout: probeTimeoutMs,
    validateStatus: (status) => status >= 200 && status < 300,
  });
};

/**
 * Waits with wait-on for what the first probe found down. A failure says, per service, wait-on's
 * own reason (a timeout, or a resource it refused) and why the last direct probe failed.
 */
export const waitForServices = async (
  options: { logtoUrl: string; dbUrl: string; deadline: number; timeoutMs: number },
  onWait: (what: string) => void
): Promise<void> => {
  const { logtoUrl, dbUrl, deadline, timeoutMs } = options;
  const tcp = tcpTarget(dbUrl);
  const services: Array<{ what: string; probe: Probe; resource: string }> = [];
  if (tcp) {
    services.push({ what: `Postgres at ${describeDbUrl(dbUrl)}`, probe: probeTcp(tcp), resource: tcpResource(tcp) });
  }
  const scheme = logtoUrl.startsWith('https:') ? 'https-get' : 'http-get';
  services.push({
    what: `Logto at ${logtoStatusUrl(logtoUrl)}`,
    probe: probeLogto(logtoUrl),
    resource: logtoStatusUrl(logtoUrl).replace(/^https?/, scheme),
  });

  const down = (await Promise.all(services.map(async (service) => ((await service.probe()) ? service : undefined)))).filter(
    (service) => service !== undefined
  );
  const failures = await Promise.all(
    down.map(async ({ what, probe, resource }) => {
      onWait(what);
      try {
        await waitOnResource(resource, deadline);
        return undefined;
      } catch (error: unknown) {
        const reason = error instanceof Error ? error.message : String(error);
        const timedOut = reason.startsWith('Timed out waiting for');
        const last = await probe();
        return `${what}: ${reason}${timedOut ? ` after ${Math.round(timeoutMs / 1000)} s (SEED_TIMEOUT_SECONDS)` : ''}${last ? `; last attempt: ${last}` : ''}`;
      }
    })
  );
  const failed = failures.filter((failure) => failure !== undefined);
  if (failed.length > 0) {
    throw new UnreachableError(
      `not ready:\n${failed.map((failure) => `  - ${failure}`).join('\n')}`,
      'Check `docker compose ps` and `docker compose logs logto postgres`; LOGTO_INTERNAL_URL and LOGTO_DB_URL must point at them. Then run `make seed`.'
    );
  }
};
