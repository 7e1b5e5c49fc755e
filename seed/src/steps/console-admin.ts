/**
 * The first console admin, as Logto's own first-admin provisioning does it
 * (packages/core/src/routes/experience/classes/libraries/provision-library.ts): a user in tenant
 * `admin` with roles `user` and `default:admin` (plus the tenant's default roles), member of
 * organization `t-default` with organization role `admin`; then the admin sign-in experience
 * leaves `Register` mode so nobody else can claim the console. Only while tenant `admin` has no
 * active user. Written in one transaction through SQL: the seed's token is for tenant `default`.
 * It runs before anything else the seed does, and on a fresh database it is the seed's first
 * write; while the admin tenant is in `Register` mode the console-ready marker is withdrawn first,
 * so Caddy never serves a console that is open to registration.
 */
import { randomBytes } from 'node:crypto';

import {
  adminTenantId,
  adminUserRoleNames,
  argon2Parameters,
  passwordMethodArgon2i,
  roleTypeUser,
  signInModes,
  tenantAdminOrganizationRoleId,
  tenantOrganizationId,
} from '../constant.js';
import type { StepContext } from '../context.js';
import { withdrawMarker } from '../console-ready-file.js';
import { type Db, transaction } from '../db.js';
import { StepError } from '../errors.js';
import type { StepResult } from '../log.js';

export type ConsoleAdminState = {
  activeUsers: number;
  /** Whether a (suspended) user already has the wanted username. */
  usernameTaken: boolean;
  signInMode: string | undefined;
};

export type ConsoleAdminPlan =
  | { action: 'create'; lockRegistration: boolean }
  | { action: 'lock-registration' }
  | { action: 'unchanged' }
  | { action: 'skip-no-password'; lockRegistration: boolean };

/** Pure: what to do in tenant `admin`. */
export const planConsoleAdmin = (
  state: ConsoleAdminState,
  desired: { username: string; hasPassword: boolean }
): ConsoleAdminPlan => {
  if (state.signInMode === undefined) {
    throw new StepError(
      'console-admin',
      'tenant admin has no sign-in experience',
      'Logto\'s database is not seeded: start Logto once, then run `make seed`.'
    );
  }
  const registering = state.signInMode === signInModes.register;
  if (state.activeUsers > 0) {
    return registering ? { action: 'lock-registration' } : { action: 'unchanged' };
  }
  if (!desired.hasPassword) {
    // No admin to make, but nobody else may make one either.
    return { action: 'skip-no-password', lockRegistration: registering };
  }
  if (state.usernameTaken) {
    throw new StepError(
      'console-admin',
      `a suspended console user is already named "${desired.username}"`,
      'Set another LOGTO_ADMIN_USERNAME, or reactivate that user, then run `make seed`.'
    );
  }
  return { action: 'create', lockRegistration: registering };
};

/** Logto's user ids: 12 characters of [0-9a-z] (`generateStandardShortId`). */
const userId = () => {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  return [...randomBytes(12)].map((byte) => alphabet[byte % alphabet.length]).join('');
};
const rowId = () => {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  return [...randomBytes(21)].map((byte) => alphabet[byte % alphabet.length]).join('');
};

/** Argon2i PHC string exactly as Logto's password worker makes it. */
export const hashPassword = async (password: string) => {
  const { argon2i } = await import('hash-wasm');
  const { saltLength, ...parameters } = argon2Parameters;
  return argon2i({ password, salt: randomBytes(saltLength), ...parameters, outputType: 'encoded' });
};

export const readConsoleAdminState = async (db: Db, username: string): Promise<ConsoleAdminState> => {
  const { rows } = await db.query<{ active: number; taken: boolean; mode: string | null }>(
    `select
       (select count(*)::int from users where tenant_id = $1 and is_suspended = false) as active,
       exists (select 1 from users where tenant_id = $1 and username = $2) as taken,
       (select sign_in_mode::text from sign_in_experiences where tenant_id = $1 and id = 'default') as mode`,
    [adminTenantId, username]
  );
  const row = rows[0];
  return {
    activeUsers: row?.active ?? 0,
    usernameTaken: row?.taken ?? false,
    signInMode: row?.mode ?? undefined,
  };
};

const lockRegistration = async (db: Db) => {
  await db.query(
    `update sign_in_experiences set sign_in_mode = $2 where tenant_id = $1 and id = 'default'`,
    [adminTenantId, signInModes.signIn]
  );
};

const createAdmin = async (db: Db, username: string, passwordEncrypted: string) => {
  const { rows: roles } = await db.query<{ id: string; name: string }>(
    `select id, name from roles where tenant_id = $1 and type = $2 and (name = any($3) or is_default)`,
    [adminTenantId, roleTypeUser, adminUserRoleNames]
  );
  const missing = adminUserRoleNames.filter((name) => !roles.some((role) => role.name === name));
  if (missing.length > 0) {
    throw new StepError(
      'console-admin',
      `tenant admin lacks the role(s) ${missing.join(', ')}`,
      'Logto\'s database is incomplete: run `npm run alteration deploy latest` in the Logto container, then `make seed`.'
    );
  }

  const id = userId();
  await db.query(
    `insert into users (tenant_id, id, username, password_encrypted, password_encryption_method,
       password_updated_at, is_password_expired, logto_config)
     values ($1, $2, $3, $4, $5, now(), false, $6)`,
    [adminTenantId, id, username, passwordEncrypted, passwordMethodArgon2i, JSON.stringify({ mfa: { enabled: false } })]
  );
  for (const role of roles) {
    await db.query(
      'insert into users_roles (tenant_id, id, user_id, role_id) values ($1, $2, $3, $4)',
      [adminTenantId, rowId(), id, role.id]
    );
  }
  await db.query(
    'insert into organization_user_relations (tenant_id, organization_id, user_id) values ($1, $2, $3)',
    [adminTenantId, tenantOrganizationId, id]
  );
  await db.query(
    `insert into organization_role_user_relations (tenant_id, organization_id, organization_role_id, user_id)
     values ($1, $2, $3, $4)`,
    [adminTenantId, tenantOrganizationId, tenantAdminOrganizationRoleId, id]
  );
  return id;
};

export const reconcileConsoleAdmin = async (context: StepContext): Promise<StepResult> => {
  const { db, config, dryRun, state: seedState } = context;
  const { username, password } = config.admin;
  const consoleUrl = `https://${config.adminDomain}/console`;
  const state = await readConsoleAdminState(db, username);
  // Registration open (or no admin sign-in experience at all): Caddy must stop serving the console
  // before anything else happens, whatever this step then does or fails to do.
  if (state.signInMode !== signInModes.signIn && config.consoleReadyFile && !dryRun) {
    await withdrawMarker(config.consoleReadyFile);
  }
  const plan = planConsoleAdmin(state, { username, hasPassword: Boolean(password) });
  // For the console-ready step of a dry run, which cannot read the outcome from the database.
  seedState.consoleClosed = plan.action !== 'skip-no-password';

  switch (plan.action) {
    case 'unchanged': {
      return { outcome: 'unchanged', detail: `console has an admin, registration closed (${consoleUrl})` };
    }
    case 'lock-registration': {
      if (!dryRun) {
        await lockRegistration(db);
      }
      return { outcome: 'updated', detail: 'console has an admin: admin sign-in mode Register -> SignIn' };
    }
    case 'skip-no-password': {
      if (plan.lockRegistration && !dryRun) {
        await lockRegistration(db);
      }
      return {
        outcome: plan.lockRegistration ? 'updated' : 'skipped',
        detail: `LOGTO_ADMIN_PASSWORD is empty and the console has no admin${plan.lockRegistration ? ': admin sign-in mode Register -> SignIn' : ''}`,
        warning: `nobody can use ${consoleUrl} (no admin, registration closed): set LOGTO_ADMIN_PASSWORD (\`make up\` generates one) and run \`make seed\``,
      };
    }
    case 'create': {
      if (!dryRun && password) {
        const passwordEncrypted = await hashPassword(password);
        await transaction(db, async () => {
          await createAdmin(db, username, passwordEncrypted);
          if (plan.lockRegistration) {
            await lockRegistration(db);
          }
        });
      }
      return {
        outcome: 'created',
        detail: `console admin "${username}" (password from LOGTO_ADMIN_PASSWORD), registration closed (${consoleUrl})`,
      };
    }
  }
};
