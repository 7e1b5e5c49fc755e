/**
 * Wait for Logto (`GET /api/status` answers 204) and its Postgres (TCP port open) until the
 * deadline. One direct probe first: when both already answer (the usual case, the container
 * starts after Logto is healthy), `wait-on` is not even loaded.
 */
import net from 'node:net';

import { describeDbUrl } from './db.js';
import { UnreachableError } from './errors.js';

const probeTimeoutMs = 2000;

const logtoStatusUrl = (logtoUrl: string) => `${logtoUrl}/api/status`;

const probeLogto = async (logtoUrl: string) => {
  try {
    const response = await fetch(logtoStatusUrl(logtoUrl), {
      signal: AbortSignal.timeout(probeTimeoutMs),
    });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
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

const probeTcp = async (target: { host: string; port: number }) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ ...target, timeout: probeTimeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => {
      done(true);
    });
    socket.once('error', () => {
      done(false);
    });
    socket.once('timeout', () => {
      done(false);
    });
  });

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

export const waitForServices = async (
  options: { logtoUrl: string; dbUrl: string; deadline: number; timeoutMs: number },
  onWait: (what: string) => void
): Promise<void> => {
  const { logtoUrl, dbUrl, deadline, timeoutMs } = options;
  const tcp = tcpTarget(dbUrl);
  const [logtoUp, dbUp] = await Promise.all([
    probeLogto(logtoUrl),
    tcp ? probeTcp(tcp) : Promise.resolve(true),
  ]);

  const waits: Array<Promise<string | undefined>> = [];
  if (!dbUp && tcp) {
    const what = `Postgres at ${describeDbUrl(dbUrl)}`;
    onWait(what);
    waits.push(
      waitOnResource(`tcp:${tcp.host}:${tcp.port}`, deadline).then(
        () => undefined,
        () => what
      )
    );
  }
  if (!logtoUp) {
    const what = `Logto at ${logtoStatusUrl(logtoUrl)}`;
    onWait(what);
    const scheme = logtoUrl.startsWith('https:') ? 'https-get' : 'http-get';
    waits.push(
      waitOnResource(logtoStatusUrl(logtoUrl).replace(/^https?/, scheme), deadline).then(
        () => undefined,
        () => what
      )
    );
  }

  const failed = (await Promise.all(waits)).filter((what): what is string => Boolean(what));
  if (failed.length > 0) {
    throw new UnreachableError(
      `${failed.join(' and ')} did not answer within ${Math.round(timeoutMs / 1000)} s (SEED_TIMEOUT_SECONDS)`,
      'Check `docker compose ps` and `docker compose logs logto postgres`; LOGTO_INTERNAL_URL and LOGTO_DB_URL must point at them. Then run `make seed`.'
    );
  }
};
