/**
 * Fixed names and values. Where a value mirrors Logto, the comment names the Logto source file
 * (logto-io/logto at @logto/core@1.42.0) it was read from. `satisfies` ties each to the types of
 * `@logto/schemas` so a Logto upgrade that renames one fails the type check.
 */
import type {
  AdminTenantRole,
  ApplicationType,
  RoleType,
  SignInIdentifier,
  SignInMode,
  UsersPasswordEncryptionMethod,
} from '@logto/schemas';

/** Marker in `customData` of every object the seed manages: what it may update or remove (seed/README.md). */
export const managedByKey = 'managedBy';
export const managedByValue = 'wechat-logto-stack';

/** packages/schemas/src/seeds/tenant.ts */
export const defaultTenantId = 'default';
export const adminTenantId = 'admin';

/** The Management API of tenant `default` (packages/schemas/src/seeds/management-api.ts). */
export const managementApiIndicator = `https://${defaultTenantId}.logto.app/api`;
export const managementApiScope = 'all';
/** Seeded by `logto db seed` since 1.17 (packages/cli/src/commands/database/seed/roles.ts). */
export const managementApiAccessRoleName = 'Logto Management API access';
export const managementApiAccessRoleDescription =
  'This default role grants access to the Logto management API.';

/** The seed's own machine-to-machine app in tenant `default` (ids are varchar(21)). */
export const seedM2mAppId = 'wls-seed';
export const seedM2mAppName = 'WeChat Logto Stack seed';
export const seedM2mAppDescription =
  'Used by the one-shot seed container to configure Logto. Its secret is created at the start of each seed run and deleted at its end.';
/** Name of the per-run row in `application_secrets`; the row also expires on its own. */
export const seedSecretName = 'seed-run';
export const seedSecretLifetimeMinutes = 15;
/** `applications.secret` holds an internal value, never used by clients (application-secret.ts). */
export const internalSecretPrefix = '#internal:';

/** The app's Traditional web application. */
export const appName = 'WeChat Logto Stack app';
export const appDescription =
  'The Next.js app (Auth.js). Managed by the seed: redirect URIs follow APP_DOMAIN / APP_URL.';
export const appCallbackPath = '/api/auth/callback/logto';
export const appPostLogoutPath = '/';
export const defaultSecretName = 'Default secret';

/** The stack's WeChat connector (connectors/wechat): QR code, and the Official Account inside WeChat. */
export const wechatConnectorFactoryId = 'wechat-web-oa';
/**
 * Logto's own WeChat (Web) connector, @logto/connector-wechat-web 1.6.5: what earlier installs used,
 * switched to the stack's under the same id; still used where Logto lacks the stack's (no OA then).
 */
export const wechatWebFactoryId = 'wechat-web';
/** Database id of the connector: fixes the callback path `/callback/wechat`. */
export const wechatConnectorId = 'wechat';
export const wechatTarget = 'wechat';
/** The hosts Logto's WeChat connector calls (constants in @logto/connector-wechat-web). */
export const wechatHosts = ['open.weixin.qq.com', 'api.weixin.qq.com'] as const;

/** First console admin (packages/core/src/routes/experience/classes/libraries/provision-library.ts). */
export const adminUserRoleNames = [
  'user' satisfies `${AdminTenantRole.User}`,
  // `defaultManagementApiAdminName` in packages/schemas/src/seeds/management-api.ts
  `${defaultTenantId}:admin`,
] as const;
/** `getTenantOrganizationId(defaultTenantId)` and `getTenantRole(TenantRole.Admin).id`. */
export const tenantOrganizationId = `t-${defaultTenantId}`;
export const tenantAdminOrganizationRoleId = 'admin';
/** Argon2i parameters of packages/core/src/workers/tasks/argon2i.ts. */
export const argon2Parameters = {
  iterations: 8,
  parallelism: 1,
  memorySize: 8 * 1024,
  hashLength: 32,
  saltLength: 16,
} as const;

export const applicationTypes = {
  traditional: 'Traditional' satisfies `${ApplicationType.Traditional}`,
  machineToMachine: 'MachineToMachine' satisfies `${ApplicationType.MachineToMachine}`,
} as const;
export const roleTypeMachineToMachine = 'MachineToMachine' satisfies `${RoleType.MachineToMachine}`;
export const roleTypeUser = 'User' satisfies `${RoleType.User}`;
export const passwordMethodArgon2i = 'Argon2i' satisfies `${UsersPasswordEncryptionMethod.Argon2i}`;
export const signInModes = {
  signIn: 'SignIn' satisfies `${SignInMode.SignIn}`,
  register: 'Register' satisfies `${SignInMode.Register}`,
} as const;
export const usernameIdentifier = 'username' satisfies `${SignInIdentifier.Username}`;

/** Postgres advisory lock key: two seeds at once queue on it (int8 from "wls-seed"). */
export const advisoryLockKey = 0x776c_732d_7365_6564n;

/** Retries for 5xx and dropped connections: attempts and the first backoff (doubles each time). */
export const httpAttempts = 5;
export const httpFirstBackoffMs = 200;
export const httpRequestTimeoutMs = 15_000;

export const defaults = {
  logtoInternalUrl: 'http://logto:3001',
  adminUsername: 'admin',
  appCredentialsFile: '/run/app-credentials/logto-client.json',
  timeoutSeconds: 120,
} as const;

export const exitCodes = { ok: 0, failure: 1, config: 2, unreachable: 3 } as const;
