import net from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { connectDb } from './db.js';
import { StepError, UnreachableError } from './errors.js';

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A TCP server on a free loopback port; `onData` answers what the client sends. */
const listen = async (onData: (socket: net.Socket, data: Buffer) => void) => {
  const server = net.createServer((socket) => {
    socket.on('data', (data) => onData(socket, data));
    socket.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
};

const freePort = async () => {
  const port = await listen(() => undefined);
  await new Promise((resolve) => servers.pop()?.close(resolve));
  return port;
};

describe('connectDb', () => {
  it('reports a failure without a code at once, with its own words, instead of waiting and calling it unreachable', async () => {
    // A server that declines TLS (answers "N" to the SSLRequest): pg's error has no code.
    const port = await listen((socket) => socket.write('N'));
    const error = await connectDb(`postgres://logto:pw@127.0.0.1:${port}/logto?sslmode=verify-full`, Date.now() + 60_000).catch(
      (error: unknown) => error
    );
    expect(error).toBeInstanceOf(StepError);
    expect((error as StepError).exitCode).toBe(1);
    expect(String(error)).toContain(
      `Postgres at 127.0.0.1:${port}/logto refused the connection: The server does not support SSL connections`
    );
    expect((error as StepError).fix).toContain('sslmode');
    expect(String(error)).not.toContain('pw');
  });

  it('retries a refused connection until the deadline, then names the last cause', async () => {
    const port = await freePort();
    const error = await connectDb(`postgres://logto:pw@127.0.0.1:${port}/logto`, Date.now() + 1500).catch(
      (error: unknown) => error
    );
    expect(error).toBeInstanceOf(UnreachableError);
    expect(String(error)).toContain(
      `Postgres at 127.0.0.1:${port}/logto did not accept a connection before the deadline (last attempt: connect ECONNREFUSED 127.0.0.1:${port})`
    );
  });
});
