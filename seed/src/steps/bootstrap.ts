/**
 * Management API access without a human (Logto has no flag for it, logto issue #5202): the seed's
 * own machine-to-machine app in tenant `default`, linked to the seeded "Logto Management API
 * access" role, with a secret made afresh for this run (expiring on its own, deleted at the end).
 * Written as the database owner, in one transaction, as `logto db seed` does
 * (packages/cli/src/commands/database/seed/roles.ts).
 */
import { randomBytes } from 'node:crypto';

import {
  applicationTypes,
  defaultTenantId,
  internalSecretPrefix,
  managedByKey,
  managedByValue,
  managementApiAccessRoleDescription,
  managementApiAccessRoleName,
  managementApiIndicator,
  managementApiScope,
  roleTypeMachineToMachine,
  seedM2mAppDescription,
  seedM2mAppId,
  seedM2mAppName,
  seedSecretLifetimeMinutes,
  seedSecretName,
} from '../constant.js';
import { type StepContext, listNames } from '../context.js';
import { type Db, transaction } from '../db.js';
import { StepError, describeError } from '../errors.js';
import type { StepResult } from '../log.js';

export type BootstrapState = {
  /** Type of the application with the seed's id, if any. */
  appType: string | undefined;
  roleId: string | undefined;
  roleHasScope: boolean;
  linked: boolean;
  /** Id of scope `all` of the Management API: undefined means Logto's database is not seeded. */
  scopeId: string | undefined;
};

export type BootstrapChange = 'create app' | 'create role' | 'grant scope' | 'link role';

/** Pure: which rows are missing. The per-run secret is not a change: it is made on every run. */
export const planBootstrap = (state: BootstrapState): BootstrapChange[] => {
  if (state.appType !== undefined && state.appType !== applicationTypes.machineToMachine) {
    throw new StepError(
      'bootstrap',
      `application "${seedM2mAppId}" exists but is ${state.appType}, not MachineToMachine`,
      `Delete application "${seedM2mAppId}" in the Logto console, then run \`make seed\`.`
    );
  }
  if (!state.scopeId) {
    throw new StepError(
      'bootstrap',
      `scope "${managementApiScope}" of ${managementApiIndicator} is missing in tenant ${defaultTenantId}`,
      'Logto\'s database is not seeded: start Logto once (it runs `logto db seed`), then run `make seed`.'
    );
  }
  const changes: BootstrapChange[] = [];
  if (state.appType === undefined) {
    changes.push('create app');
  }
  if (state.roleId === undefined) {
    changes.push('create role', 'grant scope');
  } else if (!state.roleHasScope) {
    changes.push('grant scope');
  }
  if (!state.linked) {
    changes.push('link role');
  }
  return changes;
};

const randomId = (length: number) => {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  return [...randomBytes(length)].map((byte) => alphabet[byte % alphabet.length]).join('');
};

/** 32 characters of [0-9A-Za-z], like Logto's `generateStandardSecret`. */
export const randomSecret = (length = 32) => {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let secret = '';
  while (secret.length < length) {
    for (const byte of randomBytes(length)) {
      // Rejection sampling keeps the characters uniform (62 does not divide 256).
      if (byte < 248 && secret.length < length) {
        secret += alphabet[byte % 62];
      }
    }
  }
  return secret;
};

const readState = async (db: Db): Promise<BootstrapState> => {
  const { rows } = await db.query<{
    app_type: string | null;
    role_id: string | null;
    scope_id: string | null;
    role_has_scope: boolean;
    linked: boolean;
  }>(
    `with scope as (
       select s.id from scopes s
       join resources r on r.tenant_id = s.tenant_id and r.id = s.resource_id
       where s.tenant_id = $1 and r.indicator = $2 and s.name = $3
     ), role as (
       select id from roles where tenant_id = $1 and name = $4 and type = 'MachineToMachine'
     )
     select
       (select type::text from applications where id = $5 and tenant_id = $1) as app_type,
       (select id from role) as role_id,
       (select id from scope) as scope_id,
       exists (select 1 from roles_scopes where tenant_id = $1
         and role_id = (select id from role) and scope_id = (select id from scope)) as role_has_scope,
       exists (select 1 from applications_roles where tenant_id = $1
         and application_id = $5 and role_id = (select id from role)) as linked`,
    [defaultTenantId, managementApiIndicator, managementApiScope, managementApiAccessRoleName, seedM2mAppId]
  );
  const row = rows[0];
  return {
    appType: row?.app_type ?? undefined,
    roleId: row?.role_id ?? undefined,
    scopeId: row?.scope_id ?? undefined,
    roleHasScope: row?.role_has_scope ?? false,
    linked: row?.linked ?? false,
  };
};

/** A row the run inserted, so that a dry run can delete exactly what it added. */
type Inserted = { table: 'applications' | 'roles' | 'roles_scopes' | 'applications_roles'; id: string };

/** Inserts the missing rows; returns the ones it inserted (none for a row another seed just made). */
const applyChanges = async (db: Db, changes: BootstrapChange[], state: BootstrapState): Promise<Inserted[]> => {
  const inserted: Inserted[] = [];
  const insert = async (table: Inserted['table'], sql: string, parameters: unknown[]) => {
    const { rows } = await db.query<{ id: string }>(`${sql} returning id`, parameters);
    for (const { id } of rows) {
      inserted.push({ table, id });
    }
    return rows[0]?.id;
  };
  let roleId = state.roleId;
  if (changes.includes('create app')) {
    await insert(
      'applications',
      `insert into applications (tenant_id, id, name, secret, description, type,
         oidc_client_metadata, custom_client_metadata, custom_data, is_third_party)
       values ($1, $2, $3, $4, $5, 'MachineToMachine',
         '{"redirectUris":[],"postLogoutRedirectUris":[]}', '{}', $6, false)
       on conflict do nothing`,
      [
        defaultTenantId,
        seedM2mAppId,
        seedM2mAppName,
        `${internalSecretPrefix}${randomSecret()}`,
        seedM2mAppDescription,
        JSON.stringify({ [managedByKey]: managedByValue }),
      ]
    );
  }
  if (changes.includes('create role')) {
    roleId = await insert(
      'roles',
      'insert into roles (tenant_id, id, name, description, type) values ($1, $2, $3, $4, $5)',
      [defaultTenantId, randomId(21), managementApiAccessRoleName, managementApiAccessRoleDescription, roleTypeMachineToMachine]
    );
  }
  if (changes.includes('grant scope')) {
    await insert(
      'roles_scopes',
      'insert into roles_scopes (tenant_id, id, role_id, scope_id) values ($1, $2, $3, $4) on conflict do nothing',
      [defaultTenantId, randomId(21), roleId, state.scopeId]
    );
  }
  if (changes.includes('link role')) {
    await insert(
      'applications_roles',
      `insert into applications_roles (tenant_id, id, application_id, role_id)
       values ($1, $2, $3, $4) on conflict do nothing`,
      [defaultTenantId, randomId(21), seedM2mAppId, roleId]
    );
  }
  return inserted;
};

const issueSecret = async (db: Db): Promise<string> => {
  const secret = randomSecret();
  await db.query(
    `insert into application_secrets (tenant_id, application_id, name, value, expires_at)
     values ($1, $2, $3, $4, now() + make_interval(mins => $5))
     on conflict (tenant_id, application_id, name)
     do update set value = excluded.value, expires_at = excluded.expires_at`,
    [defaultTenantId, seedM2mAppId, seedSecretName, secret, seedSecretLifetimeMinutes]
  );
  return secret;
};

/** Undo for the end of the run: delete the run secret (and, in a dry run, every row it added). */
export type BootstrapCleanup = (db: Db) => Promise<void>;

export const bootstrap = async (
  context: StepContext
): Promise<{ result: StepResult; cleanup: BootstrapCleanup }> => {
  const { db, api, dryRun, log } = context;
  const state = await readState(db);
  const changes = planBootstrap(state);

  const { inserted, secret } = await transaction(db, async () => {
    const rows = await applyChanges(db, changes, state);
    return { inserted: rows, secret: await issueSecret(db) };
  });

  const cleanup: BootstrapCleanup = async (cleanupDb) => {
    await cleanupDb.query(
      'delete from application_secrets where tenant_id = $1 and application_id = $2 and name = $3',
      [defaultTenantId, seedM2mAppId, seedSecretName]
    );
    if (!dryRun || inserted.length === 0) {
      return;
    }
    // A dry run changes nothing for good: delete what it added to read the state, newest first,
    // then check that the state is the one it found.
    await transaction(cleanupDb, async () => {
      for (const { table, id } of [...inserted].reverse()) {
        await cleanupDb.query(`delete from ${table} where tenant_id = $1 and id = $2`, [defaultTenantId, id]);
      }
    });
    const after = await readState(cleanupDb);
    if (JSON.stringify(after) !== JSON.stringify(state)) {
      throw new StepError(
        'bootstrap',
        `dry run: could not remove again what it added (${listNames(changes)}); it found ${JSON.stringify(state)}, it leaves ${JSON.stringify(after)}`,
        `Remove application "${seedM2mAppId}" in the Logto console, or run \`make seed\` to complete it.`
      );
    }
    log.info(`dry run: removed again what bootstrap added (${listNames(changes)})`);
  };

  try {
    await api.authenticate('bootstrap', seedM2mAppId, secret);
  } catch (error: unknown) {
    await cleanup(db).catch((cleanupError: unknown) => {
      log.warn(`undoing the run's Management API access after the failure below also failed: ${describeError(cleanupError)}`);
    });
    throw error;
  }

  const result: StepResult = {
    outcome: changes.includes('create app')
      ? 'created'
      : changes.length > 0
        ? 'updated'
        : 'unchanged',
    detail:
      `M2M app ${seedM2mAppId} with role "${managementApiAccessRoleName}"` +
      (changes.length > 0 ? ` (${listNames(changes)})` : '') +
      ', run secret issued' +
      (dryRun && changes.length > 0 ? ' (dry run: added for this run only, removed again at the end)' : ''),
  };
  return { result, cleanup };
};
