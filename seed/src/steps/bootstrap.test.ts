import { describe, expect, it } from 'vitest';

import { StepError } from '../errors.js';

import { type BootstrapState, planBootstrap, randomSecret } from './bootstrap.js';

const ready: BootstrapState = {
  appType: 'MachineToMachine',
  roleId: 'role',
  roleHasScope: true,
  linked: true,
  scopeId: 'scope',
};

describe('planBootstrap', () => {
  it('changes nothing when the app is linked to a role holding scope all', () => {
    expect(planBootstrap(ready)).toEqual([]);
  });

  it('creates and links the app on a fresh database', () => {
    expect(planBootstrap({ ...ready, appType: undefined, linked: false })).toEqual([
      'create app',
      'link role',
    ]);
  });

  it('creates the role for databases seeded before Logto 1.17', () => {
    expect(
      planBootstrap({ ...ready, appType: undefined, roleId: undefined, roleHasScope: false, linked: false })
    ).toEqual(['create app', 'create role', 'grant scope', 'link role']);
  });

  it('grants scope all again when an operator removed it', () => {
    expect(planBootstrap({ ...ready, roleHasScope: false })).toEqual(['grant scope']);
  });

  it('refuses an app of another type under its id', () => {
    expect(() => planBootstrap({ ...ready, appType: 'SPA' })).toThrow(StepError);
  });

  it('refuses an unseeded database', () => {
    expect(() => planBootstrap({ ...ready, scopeId: undefined })).toThrow(/is missing in tenant default/);
  });
});

describe('randomSecret', () => {
  it('makes 32 characters of [0-9A-Za-z], different each time', () => {
    const first = randomSecret();
    expect(first).toMatch(/^[\dA-Za-z]{32}$/);
    expect(randomSecret()).not.toBe(first);
  });
});
