/**
 * One seed run: wait, lock, close the console, bootstrap access, reconcile each object, hand over
 * the credentials. Throws the typed errors of errors.ts; `index.ts` turns them into exit codes.
 */
import { performance } from 'node:perf_hooks';

import type { SeedConfig } from './config.js';
import type { SeedState, Step, StepContext } from './context.js';
import { acquireLock, connectDb, releaseLock } from './db.js';
import { describeError, withCleanup } from './errors.js';
import { LogtoClient } from './http.js';
import type { Logger, Outcome } from './log.js';
import { bootstrap } from './steps/bootstrap.js';
import { reconcileApplication } from './steps/application.js';
import { reconcileConnector } from './steps/connector.js';
import { reconcileConsoleAdmin } from './steps/console-admin.js';
import { reconcileConsoleReady } from './steps/console-ready.js';
import { reconcileCredentialsFile } from './steps/credentials-file.js';
import { reconcileIdentityIndex } from './steps/identity-index.js';
import { reconcileIdentityLookup } from './steps/identity-lookup.js';
import { reconcileSignInExperience } from './steps/sign-in-experience.js';
import { waitForServices } from './wait.js';

/**
 * First, before anything else the seed does (they need SQL only, not the seed's Management API
 * access): close console registration behind its first admin, then let Caddy serve the console.
 * A later failure cannot leave the console claimable.
 */
export const consoleSteps: readonly Step[] = [
  { name: 'console-admin', run: reconcileConsoleAdmin },
  { name: 'console-ready', run: reconcileConsoleReady },
];

/** In order: the connector before the sign-in experience that lists it, the app before its file. */
export const steps: readonly Step[] = [
  { name: 'connector', run: reconcileConnector },
  { name: 'app', run: reconcileApplication },
  { name: 'sign-in-exp', run: reconcileSignInExperience },
  { name: 'credentials', run: reconcileCredentialsFile },
];

/**
 * Last, after the run's Management API access is gone (SQL only): an index build can take a while
 * on a big `users` table, and the app needs none of it to start.
 */
export const databaseSteps: readonly Step[] = [
  { name: 'identity-index', run: reconcileIdentityIndex },
  { name: 'identity-lookup', run: reconcileIdentityLookup },
];

export type Summary = Record<Outcome, number> & { durationMs: number };

export const runSeed = async (
  config: SeedConfig,
  options: { dryRun: boolean; log: Logger }
): Promise<Summary> => {
  const { dryRun, log } = options;
  const started = performance.now();
  const deadline = Date.now() + config.timeoutMs;
  const summary: Summary = { created: 0, updated: 0, unchanged: 0, skipped: 0, durationMs: 0 };

  if (dryRun) {
    log.info('dry run: nothing is changed (the run\'s own Management API access is set up and removed again)');
  }

  await waitForServices(
    { logtoUrl: config.logtoInternalUrl, dbUrl: config.dbUrl, deadline, timeoutMs: config.timeoutMs },
    (what) => {
      log.info(`waiting for ${what} (up to ${Math.round((deadline - Date.now()) / 1000)} s)`);
    }
  );

  const db = await connectDb(config.dbUrl, deadline);
  try {
    await acquireLock(db, deadline, () => {
      log.info('another seed is running: waiting for it to finish');
    });

    const state: SeedState = {};
    const api = new LogtoClient({ baseUrl: config.logtoInternalUrl });
    const context: StepContext = { config, dryRun, db, api, log, state };
    const runSteps = async (list: readonly Step[]) => {
      for (const step of list) {
        const stepStarted = performance.now();
        const stepResult = await step.run(context);
        log.step(step.name, stepResult, performance.now() - stepStarted, dryRun);
        summary[stepResult.outcome]++;
      }
    };

    await runSteps(consoleSteps);

    const bootstrapStarted = performance.now();
    const { result, cleanup } = await bootstrap(context);
    log.step('bootstrap', result, performance.now() - bootstrapStarted, dryRun);
    summary[result.outcome]++;

    await withCleanup(
      () => runSteps(steps),
      () => cleanup(db),
      (error) => {
        log.warn(`undoing the run's Management API access after the failure below also failed: ${describeError(error)}`);
      }
    );

    await runSteps(databaseSteps);
  } finally {
    await releaseLock(db).catch(() => undefined);
    await db.end().catch(() => undefined);
  }

  summary.durationMs = performance.now() - started;
  return summary;
};
