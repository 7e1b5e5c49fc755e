/** One line per step and a summary. Never given a secret: callers pass names, not values. */
export type Outcome = 'created' | 'updated' | 'unchanged' | 'skipped';

export type StepResult = {
  outcome: Outcome;
  /** What the step looked at or changed, e.g. `redirectUris, postLogoutRedirectUris`. */
  detail: string;
  /** Shown on a second line, e.g. an insecure state left as it is. */
  warning?: string;
};

export type Logger = {
  step(name: string, result: StepResult, durationMs: number, dryRun: boolean): void;
  info(message: string): void;
  warn(message: string): void;
};

const dryRunWords: Record<Outcome, string> = {
  created: 'would create',
  updated: 'would update',
  unchanged: 'unchanged',
  skipped: 'skipped',
};

export const createLogger = (write: (line: string) => void = (line) => {
  process.stdout.write(`${line}\n`);
}): Logger => ({
  step(name, { outcome, detail, warning }, durationMs, dryRun) {
    const word = dryRun ? dryRunWords[outcome] : outcome;
    write(`seed: ${name.padEnd(18)} ${word.padEnd(12)} ${detail} (${Math.round(durationMs)} ms)`);
    if (warning) {
      write(`seed: ${''.padEnd(18)} warning      ${warning}`);
    }
  },
  info(message) {
    write(`seed: ${message}`);
  },
  warn(message) {
    write(`seed: warning: ${message}`);
  },
});
