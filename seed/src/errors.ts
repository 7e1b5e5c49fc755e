/**
 * Expected failures, each with the exit code `index.ts` maps it to and a one-line fix.
 * Anything that is not one of these is a bug: `index.ts` prints its stack and exits 1.
 */
import { exitCodes } from './constant.js';

export abstract class SeedError extends Error {
  abstract readonly exitCode: number;
  /** One line telling the operator what to do next. */
  abstract readonly fix: string;
}

/** One or more environment variables are missing or malformed (exit 2). */
export class ConfigError extends SeedError {
  readonly exitCode = exitCodes.config;
  constructor(
    readonly issues: readonly string[],
    readonly fix = 'Fix the variables above in .env (see .env.example), then run `make seed`.'
  ) {
    super(`Bad configuration:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Logto or its Postgres did not answer before the deadline (exit 3). */
export class UnreachableError extends SeedError {
  readonly exitCode = exitCodes.unreachable;
  constructor(
    message: string,
    readonly fix: string
  ) {
    super(message);
    this.name = 'UnreachableError';
  }
}

/** The Management API (or the token endpoint) refused a request (exit 1). */
export class ManagementApiError extends SeedError {
  readonly exitCode = exitCodes.failure;
  constructor(
    readonly step: string,
    readonly request: string,
    readonly status: number,
    readonly code: string,
    readonly logtoMessage: string,
    readonly fix: string = 'Check the Logto logs (`docker compose logs logto`); re-running `make seed` completes the work once the cause is fixed.'
  ) {
    super(`[${step}] ${request} -> ${status} ${code}: ${logtoMessage}`);
    this.name = 'ManagementApiError';
  }
}

/** Any other expected failure (exit 1): a lock held too long, an unexpected response shape... */
export class StepError extends SeedError {
  readonly exitCode = exitCodes.failure;
  constructor(
    readonly step: string,
    message: string,
    readonly fix: string
  ) {
    super(`[${step}] ${message}`);
    this.name = 'StepError';
  }
}

/**
 * Runs `work`, then `cleanup` whatever happened. A cleanup that fails after a failed `work` does
 * not replace its error (the real cause, with its exit code and fix): it is passed to `alsoFailed`
 * and `work`'s error is thrown. A cleanup that fails after a successful `work` is thrown.
 */
export const withCleanup = async <T>(
  work: () => Promise<T>,
  cleanup: () => Promise<void>,
  alsoFailed: (cleanupError: unknown) => void
): Promise<T> => {
  let result: T;
  try {
    result = await work();
  } catch (error: unknown) {
    await cleanup().catch(alsoFailed);
    throw error;
  }
  await cleanup();
  return result;
};

/** The `code` of a Node or pg error (errno like ECONNREFUSED, or Postgres' SQLSTATE). */
export const errorCode = (error: unknown) =>
  typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;

/** The error's own words and code; Node's AggregateError (every address refused) has no message. */
export const describeError = (error: unknown): string => {
  const code = errorCode(error);
  const inner = error instanceof AggregateError && !error.message ? error.errors[0] : undefined;
  const message = error instanceof Error ? (inner instanceof Error ? inner.message : error.message) : String(error);
  return code && !message.includes(code) ? `${message} (${code})` : message || code || 'no reason given';
};
