/**
 * The console-ready marker (CONSOLE_READY_FILE): Caddy answers 503 on ADMIN_DOMAIN while it is
 * absent (caddy/snippets/console-guard), so nobody reaches the console of a Logto whose admin
 * tenant still lets the first visitor register. Written only once the admin tenant is checked to
 * be in `SignIn` mode with an active user; withdrawn as soon as it is found in `Register` mode.
 */
import { signInModes } from '../constant.js';
import { markerExists, withdrawMarker, writeMarker } from '../console-ready-file.js';
import type { StepContext } from '../context.js';
import type { StepResult } from '../log.js';
import { type ConsoleAdminState, readConsoleAdminState } from './console-admin.js';

export type ConsoleReadyPlan =
  | { action: 'write' }
  | { action: 'unchanged' }
  | { action: 'withhold'; reason: string; remove: boolean };

/** Pure: whether the admin tenant is closed, so Caddy may serve the console. */
export const planConsoleReady = (
  state: Pick<ConsoleAdminState, 'activeUsers' | 'signInMode'>,
  present: boolean
): ConsoleReadyPlan => {
  if (state.signInMode !== signInModes.signIn) {
    return { action: 'withhold', reason: `admin sign-in mode is ${state.signInMode ?? 'missing'}`, remove: present };
  }
  if (state.activeUsers === 0) {
    return { action: 'withhold', reason: 'the console has no active admin', remove: present };
  }
  return present ? { action: 'unchanged' } : { action: 'write' };
};

export const reconcileConsoleReady = async (context: StepContext): Promise<StepResult> => {
  const { config, db, dryRun, state } = context;
  const file = config.consoleReadyFile;
  const consoleUrl = `https://${config.adminDomain}/console`;
  if (!file) {
    return { outcome: 'skipped', detail: 'CONSOLE_READY_FILE unset: no marker for Caddy' };
  }
  // A real run checks what console-admin did in the database; a dry run has only its plan.
  const admin =
    dryRun && state.consoleClosed
      ? { activeUsers: 1, signInMode: signInModes.signIn }
      : await readConsoleAdminState(db, config.admin.username);
  const plan = planConsoleReady(admin, await markerExists(file));
  switch (plan.action) {
    case 'unchanged': {
      return { outcome: 'unchanged', detail: `${file}: Caddy serves ${consoleUrl}` };
    }
    case 'write': {
      if (!dryRun) {
        await writeMarker(file);
      }
      return { outcome: 'created', detail: `${file}: Caddy serves ${consoleUrl}` };
    }
    case 'withhold': {
      if (plan.remove && !dryRun) {
        await withdrawMarker(file);
      }
      return {
        outcome: plan.remove ? 'updated' : 'skipped',
        detail: `${plan.reason}: ${plan.remove ? `${file} removed, ` : ''}Caddy answers 503 on ${consoleUrl}`,
        warning: 'the console stays closed until the seed has made its admin: set LOGTO_ADMIN_PASSWORD and run `make seed`',
      };
    }
  }
};
