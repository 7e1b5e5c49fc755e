import type { SeedConfig } from './config.js';
import type { Db } from './db.js';
import type { LogtoClient } from './http.js';
import type { Logger, StepResult } from './log.js';

/** What the steps hand on to later steps. */
export type SeedState = {
  /** Id of the app's Traditional application (undefined in a dry run that would create it). */
  appId?: string;
  /** Whether the WeChat connector exists (or, in a dry run, would). */
  wechatConnector?: boolean;
  /** Whether the admin tenant has an admin and is closed to registration (or, in a dry run, would be). */
  consoleClosed?: boolean;
};

export type StepContext = {
  config: SeedConfig;
  dryRun: boolean;
  db: Db;
  api: LogtoClient;
  log: Logger;
  state: SeedState;
};

export type Step = {
  name: string;
  run(context: StepContext): Promise<StepResult>;
};

/** `a, b and c` for log lines. */
export const listNames = (names: readonly string[]) =>
  names.length <= 1
    ? (names[0] ?? '')
    : `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
