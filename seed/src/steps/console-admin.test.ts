import { describe, expect, it } from 'vitest';

import { hashPassword, planConsoleAdmin } from './console-admin.js';

const fresh = { activeUsers: 0, usernameTaken: false, signInMode: 'Register' };
const desired = { username: 'admin', hasPassword: true };

describe('planConsoleAdmin', () => {
  it('creates the admin and closes registration on a fresh database', () => {
    expect(planConsoleAdmin(fresh, desired)).toEqual({ action: 'create', lockRegistration: true });
  });

  it('leaves an existing admin alone', () => {
    expect(planConsoleAdmin({ ...fresh, activeUsers: 1, signInMode: 'SignIn' }, desired)).toEqual({
      action: 'unchanged',
    });
  });

  it('closes registration left open next to an existing admin', () => {
    expect(planConsoleAdmin({ ...fresh, activeUsers: 2 }, desired)).toEqual({
      action: 'lock-registration',
    });
  });

  it('without a password makes no admin but still closes registration', () => {
    expect(planConsoleAdmin(fresh, { ...desired, hasPassword: false })).toEqual({
      action: 'skip-no-password',
      lockRegistration: true,
    });
    expect(planConsoleAdmin({ ...fresh, signInMode: 'SignIn' }, { ...desired, hasPassword: false })).toEqual({
      action: 'skip-no-password',
      lockRegistration: false,
    });
  });

  it('refuses a username held by a suspended user', () => {
    expect(() => planConsoleAdmin({ ...fresh, usernameTaken: true }, desired)).toThrow(/suspended/);
  });

  it('refuses a database without an admin sign-in experience', () => {
    expect(() => planConsoleAdmin({ ...fresh, signInMode: undefined }, desired)).toThrow(/has no sign-in experience/);
  });
});

describe('hashPassword', () => {
  it('makes an Argon2i PHC string with Logto\'s parameters', async () => {
    const { argon2Verify } = await import('hash-wasm');
    const hash = await hashPassword('correct horse');
    expect(hash).toMatch(/^\$argon2i\$v=19\$m=8192,t=8,p=1\$[\w+/]{22}\$[\w+/]{43}$/);
    await expect(argon2Verify({ password: 'correct horse', hash })).resolves.toBe(true);
  });
});
