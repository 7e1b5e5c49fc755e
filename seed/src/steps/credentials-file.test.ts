import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { pickSecret, planCredentialsFile, serializeCredentials } from './credentials-file.js';

const desired = { clientId: 'app1', clientSecret: 's3cret' };

describe('planCredentialsFile', () => {
  it('creates a missing file', () => {
    expect(planCredentialsFile({ content: undefined, mode: undefined }, desired)).toEqual({
      action: 'create',
      content: '{"clientId":"app1","clientSecret":"s3cret"}\n',
      reason: 'new file',
    });
  });

  it('leaves the same credentials with mode 0600 unchanged', () => {
    expect(
      planCredentialsFile({ content: serializeCredentials(desired), mode: 0o100600 }, desired)
    ).toEqual({ action: 'unchanged' });
  });

  it('names the changed field, never its value', () => {
    const plan = planCredentialsFile(
      { content: serializeCredentials({ ...desired, clientSecret: 'old' }), mode: 0o100600 },
      desired
    );
    expect(plan).toMatchObject({ action: 'update', reason: 'clientSecret' });
  });

  it('rewrites a file that is not credentials JSON', () => {
    expect(planCredentialsFile({ content: 'garbage', mode: 0o100600 }, desired)).toMatchObject({
      action: 'update',
    });
  });

  it('fixes a too-open mode', () => {
    expect(
      planCredentialsFile({ content: serializeCredentials(desired), mode: 0o100644 }, desired)
    ).toEqual({ action: 'chmod' });
  });
});

describe('pickSecret', () => {
  it('prefers Logto\'s "Default secret" and skips expired ones', () => {
    const now = 10_000;
    expect(
      pickSecret(
        [
          { name: 'rotated', value: 'a', expiresAt: null },
          { name: 'Default secret', value: 'b', expiresAt: null },
        ],
        now
      )
    ).toBe('b');
    expect(
      pickSecret(
        [
          { name: 'Default secret', value: 'b', expiresAt: now - 1 },
          { name: 'other', value: 'c', expiresAt: now + 1 },
        ],
        now
      )
    ).toBe('c');
    expect(pickSecret([], now)).toBeUndefined();
  });
});

describe('the serialized file', () => {
  it('is what the app reads', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'seed-cred-'));
    const file = path.join(directory, 'logto-client.json');
    await writeFile(file, serializeCredentials(desired), { mode: 0o600 });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(desired);
    expect((await stat(file)).mode % 0o1000).toBe(0o600);
  });
});
