import { describe, expect, it } from 'vitest';

import type { ApplicationState } from '../types.js';

import { desiredApplication, planApplication } from './application.js';

const desired = desiredApplication('https://app.example.com');
const app = (overrides: Partial<ApplicationState> = {}): ApplicationState => ({
  id: 'app1',
  name: 'WeChat Logto Stack app',
  description: null,
  type: 'Traditional',
  oidcClientMetadata: { ...desired },
  customData: { managedBy: 'wechat-logto-stack' },
  createdAt: 1000,
  ...overrides,
});

describe('desiredApplication', () => {
  it('derives both URIs from the app origin', () => {
    expect(desiredApplication('https://app.stack.test:8443')).toEqual({
      redirectUris: ['https://app.stack.test:8443/api/auth/callback/logto'],
      postLogoutRedirectUris: ['https://app.stack.test:8443/'],
    });
  });
});

describe('planApplication', () => {
  it('creates a marked Traditional app when none carries the marker', () => {
    const plan = planApplication([app({ customData: {} })], desired);
    expect(plan).toEqual({
      action: 'create',
      body: {
        name: 'WeChat Logto Stack app',
        type: 'Traditional',
        description: expect.any(String),
        oidcClientMetadata: desired,
        customData: { managedBy: 'wechat-logto-stack' },
      },
    });
  });

  it('finds its app by the marker, whatever its name', () => {
    expect(planApplication([app({ name: 'Renamed by operator' })], desired)).toEqual({
      action: 'unchanged',
      id: 'app1',
      duplicates: [],
    });
  });

  it('updates only the changed URI list and keeps other metadata', () => {
    const current = app({
      oidcClientMetadata: {
        redirectUris: ['https://old.example.com/api/auth/callback/logto'],
        postLogoutRedirectUris: desired.postLogoutRedirectUris,
        logoUri: 'https://logo',
      },
    });
    expect(planApplication([current], desired)).toEqual({
      action: 'update',
      id: 'app1',
      fields: ['redirectUris'],
      body: { oidcClientMetadata: { ...desired, logoUri: 'https://logo' } },
      duplicates: [],
    });
  });

  it('keeps the oldest marked app and reports the others', () => {
    const plan = planApplication(
      [app({ id: 'newer', createdAt: 2000 }), app({ id: 'older', createdAt: 1000 })],
      desired
    );
    expect(plan).toEqual({ action: 'unchanged', id: 'older', duplicates: ['newer'] });
  });

  it('ignores marked apps of other types', () => {
    expect(planApplication([app({ type: 'MachineToMachine' })], desired).action).toBe('create');
  });
});
