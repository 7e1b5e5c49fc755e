/**
 * Entry point and the only place that exits: 0 done (or nothing to do), 2 bad configuration,
 * 3 Logto or Postgres unreachable, 1 anything else. Expected failures print their message and a
 * one-line fix; anything unexpected prints its stack.
 */
import { parseArguments, parseConfig } from './config.js';
import { exitCodes } from './constant.js';
import { SeedError } from './errors.js';
import { createLogger } from './log.js';
import { runSeed } from './run.js';

const usage = `Usage: seed [--dry-run]

Provisions Logto from the environment (see .env.example): the app's Traditional application,
the WeChat (Web) connector, the sign-in experience, the first console admin, and the app's
credentials file. Idempotent: a second run changes nothing.

  --dry-run   print what would change, change nothing
  --help      this text

Exit codes: 0 done, 2 bad configuration, 3 Logto or Postgres unreachable, 1 anything else.`;

const main = async (): Promise<number> => {
  const log = createLogger();
  try {
    const options = parseArguments(process.argv.slice(2));
    if (options.help) {
      process.stdout.write(`${usage}\n`);
      return exitCodes.ok;
    }
    const config = parseConfig(process.env);
    const summary = await runSeed(config, { dryRun: options.dryRun, log });
    const [created, updated] = options.dryRun ? ['to create', 'to update'] : ['created', 'updated'];
    log.info(
      `${options.dryRun ? 'dry run ' : ''}done in ${Math.round(summary.durationMs)} ms: ` +
        `${summary.created} ${created}, ${summary.updated} ${updated}, ` +
        `${summary.unchanged} unchanged, ${summary.skipped} skipped`
    );
    return exitCodes.ok;
  } catch (error: unknown) {
    if (error instanceof SeedError) {
      process.stderr.write(`seed: ${error.message}\nseed: fix: ${error.fix}\n`);
      return error.exitCode;
    }
    process.stderr.write(
      `seed: unexpected error, please report it with this output:\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`
    );
    return exitCodes.failure;
  }
};

process.exit(await main());
