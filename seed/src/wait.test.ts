import http from 'node:http';
import net from 'node:net';

import { describe, expect, it } from 'vitest';

import { UnreachableError } from './errors.js';
import { tcpResource, tcpTarget, waitForServices } from './wait.js';

describe('tcpTarget', () => {
  it('reads host and port of a Postgres URL', () => {
    expect(tcpTarget('postgres://u:p@postgres:5433/logto')).toEqual({ host: 'postgres', port: 5433 });
    expect(tcpTarget('postgresql://u@127.0.0.1/logto')).toEqual({ host: '127.0.0.1', port: 5432 });
    expect(tcpTarget('postgres://u@[::1]:6000/logto')).toEqual({ host: '::1', port: 6000 });
  });

  it('leaves Unix sockets to the connection retries', () => {
    expect(tcpTarget('postgres://u@%2Fvar%2Frun%2Fpostgresql/logto')).toBeUndefined();
  });

  it('gives wait-on an IPv6 address in brackets', () => {
    expect(tcpResource({ host: '::1', port: 6000 })).toBe('tcp:[::1]:6000');
    expect(tcpResource({ host: 'postgres', port: 5432 })).toBe('tcp:postgres:5432');
  });
});

/** A loopback port nothing listens on. */
const freePort = async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
};

describe('waitForServices', () => {
  it('names what did not answer, with wait-on\'s reason and the last attempt\'s cause', async () => {
    const port = await freePort();
    const waited: string[] = [];
    const error = await waitForServices(
      {
        logtoUrl: `http://127.0.0.1:${port}`,
        dbUrl: `postgres://u@127.0.0.1:${port}/logto`,
        deadline: Date.now() + 1500,
        timeoutMs: 1500,
      },
      (what) => waited.push(what)
    ).catch((error: unknown) => error);
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as Error).message).toBe(
      'not ready:\n' +
        `  - Postgres at 127.0.0.1:${port}/logto: Timed out waiting for: tcp:127.0.0.1:${port} after 2 s (SEED_TIMEOUT_SECONDS); last attempt: connect ECONNREFUSED 127.0.0.1:${port}\n` +
        `  - Logto at http://127.0.0.1:${port}/api/status: Timed out waiting for: http-get://127.0.0.1:${port}/api/status after 2 s (SEED_TIMEOUT_SECONDS); last attempt: connect ECONNREFUSED 127.0.0.1:${port}`
    );
    expect(waited).toEqual([`Postgres at 127.0.0.1:${port}/logto`, `Logto at http://127.0.0.1:${port}/api/status`]);
  });

  it('waits for a Postgres on an IPv6 address until it listens', async () => {
    const logto = http.createServer((request, response) => {
      response.writeHead(request.url === '/api/status' ? 204 : 404).end();
    });
    await new Promise<void>((resolve) => logto.listen(0, '127.0.0.1', resolve));
    // A port free when the seed first probes it; Postgres (a bare listener) starts once the seed waits.
    const postgres = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => postgres.listen(0, '::1', resolve));
    const { port } = postgres.address() as net.AddressInfo;
    await new Promise((resolve) => postgres.close(resolve));
    try {
      const waited: string[] = [];
      await waitForServices(
        {
          logtoUrl: `http://127.0.0.1:${(logto.address() as net.AddressInfo).port}`,
          dbUrl: `postgres://u@[::1]:${port}/logto`,
          deadline: Date.now() + 60_000,
          timeoutMs: 60_000,
        },
        (what) => {
          waited.push(what);
          postgres.listen(port, '::1');
        }
      );
      expect(waited).toEqual([`Postgres at [::1]:${port}/logto`]);
    } finally {
      await Promise.all([logto, postgres].map((server) => new Promise((resolve) => server.close(resolve))));
    }
  });
});
