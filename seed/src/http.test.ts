import { describe, expect, it } from 'vitest';
import { z } from 'zod4';

import { ManagementApiError, UnreachableError } from './errors.js';
import { type FetchLike, LogtoClient, isRetriable } from './http.js';

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const connectionReset = () =>
  Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) });

/** A fake fetch answering from a queue, recording each call. */
const fakeFetch = (answers: Array<Response | Error>) => {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, init });
    const next = answers.shift();
    if (!next) {
      throw new Error('no more answers');
    }
    if (next instanceof Error) {
      throw next;
    }
    return next;
  };
  return { fetch, calls };
};

const token = () => json(200, { access_token: 'at', token_type: 'Bearer', expires_in: 3600, scope: 'all' });

const client = (answers: Array<Response | Error>) => {
  const fake = fakeFetch(answers);
  return { api: new LogtoClient({ baseUrl: 'http://logto', fetch: fake.fetch, firstBackoffMs: 1 }), calls: fake.calls };
};

describe('isRetriable', () => {
  it('retries reads on 5xx and dropped connections', () => {
    expect(isRetriable(true, { status: 500 })).toBe(true);
    expect(isRetriable(true, { networkCode: 'ECONNRESET' })).toBe(true);
    expect(isRetriable(true, { status: 404 })).toBe(false);
  });

  it('retries a create only when it surely never reached Logto (connection refused)', () => {
    for (const status of [500, 502, 503, 504]) {
      expect(isRetriable(false, { status })).toBe(false);
    }
    expect(isRetriable(false, { networkCode: 'ECONNRESET' })).toBe(false);
    expect(isRetriable(false, { networkCode: 'ETIMEDOUT' })).toBe(false);
    expect(isRetriable(false, { networkCode: 'ECONNREFUSED' })).toBe(true);
  });
});

describe('LogtoClient', () => {
  it('gets a client-credentials token with HTTP Basic auth for the Management API', async () => {
    const { api, calls } = client([token()]);
    await api.authenticate('bootstrap', 'wls-seed', 'abc');
    const [call] = calls;
    expect(call?.url).toBe('http://logto/oidc/token');
    expect(new Headers(call?.init.headers).get('authorization')).toBe(
      `Basic ${Buffer.from('wls-seed:abc').toString('base64')}`
    );
    expect(String(call?.init.body)).toBe(
      'grant_type=client_credentials&resource=https%3A%2F%2Fdefault.logto.app%2Fapi&scope=all'
    );
  });

  it('retries 5xx and resets with backoff, then succeeds', async () => {
    const { api, calls } = client([token(), json(502, {}), connectionReset(), json(200, [{ a: 1 }])]);
    await api.authenticate('bootstrap', 'id', 'secret');
    const result = await api.request('app', 'GET', '/api/applications', {
      query: { types: 'Traditional' },
      guard: z.array(z.object({ a: z.number() })),
    });
    expect(result).toEqual([{ a: 1 }]);
    expect(calls.map(({ url }) => url).at(-1)).toBe('http://logto/api/applications?types=Traditional');
    expect(calls).toHaveLength(4);
    expect(new Headers(calls[3]?.init.headers).get('authorization')).toBe('Bearer at');
  });

  it('gives up after a bounded number of attempts', async () => {
    const { api, calls } = client([token(), ...Array.from({ length: 5 }, () => json(500, {}))]);
    await api.authenticate('bootstrap', 'id', 'secret');
    await expect(api.request('app', 'GET', '/api/applications', { guard: z.unknown() })).rejects.toThrow(
      ManagementApiError
    );
    expect(calls).toHaveLength(6);
  });

  it('reports an unreachable Logto as such', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }),
    });
    const { api } = client(Array.from({ length: 5 }, () => refused));
    await expect(api.authenticate('bootstrap', 'id', 'secret')).rejects.toThrow(UnreachableError);
  });

  // A gateway's 502/503/504 can come after Logto made the object: a second POST would make a second one.
  it.each([502, 503, 504])('does not repeat a create answered %i: one POST, then the error', async (status) => {
    const { api, calls } = client([token(), json(status, {}), json(201, { id: 'second' })]);
    await api.authenticate('bootstrap', 'id', 'secret');
    const error = await api
      .request('app', 'POST', '/api/applications', { body: { name: 'app' }, guard: z.unknown() })
      .catch((error: unknown) => error);
    expect(error).toBeInstanceOf(ManagementApiError);
    expect(String(error)).toContain(`[app] POST /api/applications -> ${status}`);
    expect(calls.map(({ url, init }) => `${init.method} ${url}`)).toEqual([
      'POST http://logto/oidc/token',
      'POST http://logto/api/applications',
    ]);
  });

  it('repeats a create whose connection was refused (it never reached Logto)', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }),
    });
    const { api, calls } = client([token(), refused, json(201, { id: 'only' })]);
    await api.authenticate('bootstrap', 'id', 'secret');
    await expect(
      api.request('app', 'POST', '/api/applications', { body: {}, guard: z.object({ id: z.string() }) })
    ).resolves.toEqual({ id: 'only' });
    expect(calls).toHaveLength(3);
  });

  it('does not repeat a create whose connection dropped', async () => {
    const { api, calls } = client([token(), connectionReset()]);
    await api.authenticate('bootstrap', 'id', 'secret');
    await expect(
      api.request('app', 'POST', '/api/applications', { body: {}, guard: z.unknown() })
    ).rejects.toThrow(UnreachableError);
    expect(calls).toHaveLength(2);
  });

  it('names the step, the request and Logto\'s code and message on a 4xx', async () => {
    const { api } = client([
      token(),
      json(422, { code: 'connector.multiple_target_with_same_platform', message: 'Only one per platform.' }),
    ]);
    await api.authenticate('bootstrap', 'id', 'secret');
    const error = await api
      .request('connector', 'POST', '/api/connectors', { body: {}, guard: z.unknown() })
      .catch((error: unknown) => error);
    expect(error).toBeInstanceOf(ManagementApiError);
    expect(String(error)).toContain(
      '[connector] POST /api/connectors -> 422 connector.multiple_target_with_same_platform: Only one per platform.'
    );
  });

  it('reports OIDC errors of the token endpoint', async () => {
    const { api } = client([json(401, { error: 'invalid_client', error_description: 'client authentication failed' })]);
    await expect(api.authenticate('bootstrap', 'id', 'bad')).rejects.toThrow(
      /POST \/oidc\/token -> 401 invalid_client: client authentication failed/
    );
  });

  it('rejects a response of an unexpected shape', async () => {
    const { api } = client([token(), json(200, { not: 'a list' })]);
    await api.authenticate('bootstrap', 'id', 'secret');
    await expect(
      api.request('app', 'GET', '/api/applications', { guard: z.array(z.unknown()) })
    ).rejects.toThrow(/unexpected_response/);
  });
});
