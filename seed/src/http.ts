/**
 * A small typed client for Logto's token endpoint and Management API: every response is parsed
 * with a zod guard, 5xx answers and dropped connections of idempotent requests are retried with
 * exponential backoff (a create only when its connection was refused),
 * and a refusal becomes a `ManagementApiError` naming the step, the request and Logto's code.
 *
 * Why not `@logto/api`: it does take a self-hosted base URL, but its generated 1.42.0 types declare
 * `redirectUris` as objects (so every app body would need a cast), its client cannot be given a
 * fetch with retries, and it returns response bodies unvalidated.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import type { z } from 'zod4';

import {
  httpAttempts,
  httpFirstBackoffMs,
  httpRequestTimeoutMs,
  managementApiIndicator,
  managementApiScope,
} from './constant.js';
import { ManagementApiError, UnreachableError } from './errors.js';
import { logtoErrorGuard, tokenResponseGuard } from './types.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export type LogtoClientOptions = {
  baseUrl: string;
  fetch?: FetchLike;
  attempts?: number;
  firstBackoffMs?: number;
};

const retriableNetworkCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
]);

/** The error code of a failed fetch (undici puts the system error in `cause`). */
const networkErrorCode = (error: unknown): string | undefined => {
  if (!(error instanceof Error)) {
    return undefined;
  }
  if (error.name === 'TimeoutError' || error.name === 'AbortError') {
    return 'ETIMEDOUT';
  }
  const cause: unknown = error.cause;
  if (cause instanceof Error && 'code' in cause && typeof cause.code === 'string') {
    return cause.code;
  }
  if ('code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return undefined;
};

/**
 * Whether a failed attempt may be repeated. A POST that creates something is repeated only when
 * it surely never reached Logto: the connection was refused. Any HTTP answer, even a 502/503/504,
 * may come after Logto (or a proxy in front of it) has acted on the request, and a dropped
 * connection may too: repeating the create could make a second application or connector. The
 * seed fails instead; its steps read before they create, so running it again finishes the job.
 */
export const isRetriable = (
  idempotent: boolean,
  failure: { status: number } | { networkCode: string | undefined }
): boolean => {
  if ('status' in failure) {
    return idempotent && failure.status >= 500;
  }
  const { networkCode } = failure;
  if (!networkCode || !retriableNetworkCodes.has(networkCode)) {
    return false;
  }
  return idempotent || networkCode === 'ECONNREFUSED';
};

const backoffMs = (attempt: number, firstBackoffMs: number) =>
  firstBackoffMs * 2 ** (attempt - 1);

type RequestOptions<Guard extends z.ZodType> = {
  query?: Record<string, string>;
  body?: unknown;
  guard: Guard;
};

export class LogtoClient {
  private accessToken: string | undefined;
  private readonly fetch: FetchLike;
  private readonly attempts: number;
  private readonly firstBackoffMs: number;

  constructor(private readonly options: LogtoClientOptions) {
    this.fetch = options.fetch ?? (async (input, init) => fetch(input, init));
    this.attempts = options.attempts ?? httpAttempts;
    this.firstBackoffMs = options.firstBackoffMs ?? httpFirstBackoffMs;
  }

  /** Client-credentials token for the Management API of tenant `default`. */
  async authenticate(step: string, clientId: string, clientSecret: string): Promise<void> {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      resource: managementApiIndicator,
      scope: managementApiScope,
    });
    const basic = Buffer.from(
      `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`
    ).toString('base64');
    const response = await this.send(step, 'POST', '/oidc/token', true, {
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: body.toString(),
    });
    const token = await this.parse(step, 'POST /oidc/token', response, tokenResponseGuard);
    if (token.scope !== undefined && !token.scope.split(' ').includes(managementApiScope)) {
      throw new ManagementApiError(
        step,
        'POST /oidc/token',
        response.status,
        'scope_missing',
        `the token has scope "${token.scope}", not "${managementApiScope}"`,
        `Give role "Logto Management API access" the scope "${managementApiScope}" of ${managementApiIndicator}, or delete the role and re-run the seed.`
      );
    }
    this.accessToken = token.access_token;
  }

  async request<Guard extends z.ZodType>(
    step: string,
    method: Method,
    path: string,
    { query, body, guard }: RequestOptions<Guard>
  ): Promise<z.infer<Guard>> {
    if (!this.accessToken) {
      throw new Error('LogtoClient.request called before authenticate()');
    }
    const search = query ? `?${new URLSearchParams(query).toString()}` : '';
    const response = await this.send(step, method, `${path}${search}`, method !== 'POST', {
      headers: {
        authorization: `Bearer ${this.accessToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return this.parse(step, `${method} ${path}`, response, guard);
  }

  private async send(
    step: string,
    method: Method,
    pathAndQuery: string,
    idempotent: boolean,
    init: { headers: Record<string, string>; body?: string }
  ): Promise<Response> {
    const url = `${this.options.baseUrl}${pathAndQuery}`;
    const label = `${method} ${pathAndQuery.split('?')[0] ?? pathAndQuery}`;

    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetch(url, {
          method,
          headers: { accept: 'application/json', ...init.headers },
          body: init.body,
          signal: AbortSignal.timeout(httpRequestTimeoutMs),
        });
      } catch (error: unknown) {
        const networkCode = networkErrorCode(error);
        if (attempt < this.attempts && isRetriable(idempotent, { networkCode })) {
          await sleep(backoffMs(attempt, this.firstBackoffMs));
          continue;
        }
        throw new UnreachableError(
          `[${step}] ${label}: no answer from Logto at ${this.options.baseUrl} (${networkCode ?? String(error)}) after ${attempt} attempt(s)`,
          'Check that Logto is running (`docker compose ps logto`) and that LOGTO_INTERNAL_URL points at it, then run `make seed`.'
        );
      }

      if (response.status >= 500 && attempt < this.attempts && isRetriable(idempotent, response)) {
        // Drain the body so the connection can be reused.
        await response.arrayBuffer().catch(() => undefined);
        await sleep(backoffMs(attempt, this.firstBackoffMs));
        continue;
      }
      return response;
    }
  }

  private async parse<Guard extends z.ZodType>(
    step: string,
    request: string,
    response: Response,
    guard: Guard
  ): Promise<z.infer<Guard>> {
    const text = await response.text();
    const json = ((): unknown => {
      try {
        return text ? JSON.parse(text) : undefined;
      } catch {
        return undefined;
      }
    })();

    if (!response.ok) {
      const logtoError = logtoErrorGuard.safeParse(json);
      const oidcError =
        typeof json === 'object' && json !== null && 'error' in json ? json : undefined;
      const [code, message] = logtoError.success
        ? [logtoError.data.code, logtoError.data.message]
        : oidcError
          ? [String(oidcError.error), 'error_description' in oidcError ? String(oidcError.error_description) : '']
          : ['unknown', text.slice(0, 200) || response.statusText];
      throw new ManagementApiError(step, request, response.status, code, message);
    }

    const parsed = guard.safeParse(json);
    if (!parsed.success) {
      const where = parsed.error.issues
        .slice(0, 3)
        .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
        .join('; ');
      throw new ManagementApiError(
        step,
        request,
        response.status,
        'unexpected_response',
        `the response does not have the expected shape (${where})`,
        'Is LOGTO_INTERNAL_URL a Logto 1.42-compatible server? Check `LOGTO_VERSION`.'
      );
    }
    return parsed.data;
  }
}
