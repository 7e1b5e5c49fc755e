/**
 * Hands the app its OIDC client id and secret: `{"clientId","clientSecret"}` written atomically
 * (temporary file + rename) with mode 0600, on a volume only the app mounts. Skipped when the
 * operator set AUTH_LOGTO_ID / AUTH_LOGTO_SECRET (the app uses those).
 */
import { mkdir, readFile, rename, rm, stat, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';

import { z } from 'zod4';

import { defaultSecretName } from '../constant.js';
import type { StepContext } from '../context.js';
import { StepError } from '../errors.js';
import type { StepResult } from '../log.js';
import { type Credentials, applicationSecretGuard, credentialsFileGuard } from '../types.js';

const fileMode = 0o600;

export type CredentialsFileState = { content: string | undefined; mode: number | undefined };

export type CredentialsFilePlan =
  | { action: 'create' | 'update'; content: string; reason: string }
  | { action: 'chmod' }
  | { action: 'unchanged' };

export const serializeCredentials = (credentials: Credentials) =>
  `${JSON.stringify({ clientId: credentials.clientId, clientSecret: credentials.clientSecret })}\n`;

/** Pure: the file's current content and mode vs. the app's credentials. */
export const planCredentialsFile = (
  current: CredentialsFileState,
  desired: Credentials
): CredentialsFilePlan => {
  const content = serializeCredentials(desired);
  if (current.content === undefined) {
    return { action: 'create', content, reason: 'new file' };
  }
  const parsed = (() => {
    try {
      return credentialsFileGuard.safeParse(JSON.parse(current.content));
    } catch {
      return undefined;
    }
  })();
  if (!parsed?.success) {
    return { action: 'update', content, reason: 'was not valid JSON credentials' };
  }
  const fields = (['clientId', 'clientSecret'] as const).filter(
    (key) => parsed.data[key] !== desired[key]
  );
  if (fields.length > 0) {
    return { action: 'update', content, reason: fields.join(', ') };
  }
  return (current.mode ?? 0) % 0o1000 === fileMode ? { action: 'unchanged' } : { action: 'chmod' };
};

/** The secret the app authenticates with: Logto's "Default secret", else the first unexpired one. */
export const pickSecret = (
  secrets: ReadonlyArray<{ name: string; value: string; expiresAt: number | null }>,
  now: number
) => {
  const valid = secrets.filter(({ expiresAt }) => expiresAt === null || expiresAt > now);
  return (valid.find(({ name }) => name === defaultSecretName) ?? valid[0])?.value;
};

const readCurrent = async (file: string): Promise<CredentialsFileState> => {
  try {
    const [content, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    return { content, mode: info.mode };
  } catch (error: unknown) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') {
      return { content: undefined, mode: undefined };
    }
    throw error;
  }
};

const writeAtomically = async (file: string, content: string) => {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    await writeFile(temporary, content, { mode: fileMode, flag: 'w' });
    await chmod(temporary, fileMode);
    await rename(temporary, file);
  } catch (error: unknown) {
    await rm(temporary, { force: true });
    throw error;
  }
};

export const reconcileCredentialsFile = async (context: StepContext): Promise<StepResult> => {
  const { api, config, dryRun, state } = context;
  const file = config.credentialsFile;
  if (config.operatorCredentials) {
    return { outcome: 'skipped', detail: 'AUTH_LOGTO_ID / AUTH_LOGTO_SECRET are set: the app uses those' };
  }
  if (!state.appId) {
    // Only in a dry run: the app would be created first.
    return { outcome: 'created', detail: `${file} (once the app exists)` };
  }

  const secrets = await api.request('credentials', 'GET', `/api/applications/${encodeURIComponent(state.appId)}/secrets`, {
    guard: z.array(applicationSecretGuard),
  });
  const clientSecret = pickSecret(secrets, Date.now());
  if (!clientSecret) {
    throw new StepError(
      'credentials',
      `application ${state.appId} has no valid secret`,
      `Add a secret to application ${state.appId} in the Logto console (or delete the app so the seed recreates it), then run \`make seed\`.`
    );
  }

  const desired = { clientId: state.appId, clientSecret };
  try {
    const plan = planCredentialsFile(await readCurrent(file), desired);
    switch (plan.action) {
      case 'unchanged': {
        return { outcome: 'unchanged', detail: `${file} (client ${state.appId})` };
      }
      case 'chmod': {
        if (!dryRun) {
          await chmod(file, fileMode);
        }
        return { outcome: 'updated', detail: `${file}: mode -> 0600` };
      }
      case 'create':
      case 'update': {
        if (!dryRun) {
          await writeAtomically(file, plan.content);
        }
        return {
          outcome: plan.action === 'create' ? 'created' : 'updated',
          detail: `${file} (client ${state.appId}; ${plan.reason})`,
        };
      }
    }
  } catch (error: unknown) {
    if (error instanceof Error && 'code' in error && (error.code === 'EACCES' || error.code === 'EROFS' || error.code === 'ENOENT' || error.code === 'EPERM')) {
      throw new StepError(
        'credentials',
        `cannot write ${file} (${error.code})`,
        'Set APP_CREDENTIALS_FILE to a writable path (the seed runs as uid 1000 in its container), then run `make seed`.'
      );
    }
    throw error;
  }
};
