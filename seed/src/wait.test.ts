import { describe, expect, it } from 'vitest';

import { UnreachableError } from './errors.js';
import { tcpTarget, waitForServices } from './wait.js';

describe('tcpTarget', () => {
  it('reads host and port of a Postgres URL', () => {
    expect(tcpTarget('postgres://u:p@postgres:5433/logto')).toEqual({ host: 'postgres', port: 5433 });
    expect(tcpTarget('postgresql://u@127.0.0.1/logto')).toEqual({ host: '127.0.0.1', port: 5432 });
    expect(tcpTarget('postgres://u@[::1]:6000/logto')).toEqual({ host: '::1', port: 6000 });
  });

  it('leaves Unix sockets to the connection retries', () => {
    expect(tcpTarget('postgres://u@%2Fvar%2Frun%2Fpostgresql/logto')).toBeUndefined();
  });
});

describe('waitForServices', () => {
  it('names what did not answer before the deadline', async () => {
    const waited: string[] = [];
    const error = await waitForServices(
      {
        logtoUrl: 'http://127.0.0.1:1',
        dbUrl: 'postgres://u@127.0.0.1:1/logto',
        deadline: Date.now() + 1500,
        timeoutMs: 1500,
      },
      (what) => waited.push(what)
    ).catch((error: unknown) => error);
    expect(error).toBeInstanceOf(UnreachableError);
    expect(String(error)).toContain('Postgres at 127.0.0.1:1/logto and Logto at http://127.0.0.1:1/api/status');
    expect(waited).toHaveLength(2);
  });
});
