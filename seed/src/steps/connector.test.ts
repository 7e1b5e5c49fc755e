import { describe, expect, it } from 'vitest';

import { emulatorAppId, emulatorOaAppId } from '../env-rules.js';
import type { ConnectorState } from '../types.js';

import { planConnector } from './connector.js';

const website = { appId: 'wx1234567890abcdef', appSecret: 'secret-1', scope: 'snsapi_login' };
const desired = { ...website, oa: undefined };
const oa = { appId: 'wxfedcba0987654321', appSecret: 'oa-secret-1' };
const withOa = { ...website, oa };
const oaKeys = { oaAppId: oa.appId, oaAppSecret: oa.appSecret };
const ours: ConnectorState = {
  id: 'wechat',
  connectorId: 'wechat-web-oa',
  target: 'wechat',
  platform: 'Web',
  config: { ...website },
};
/** What installs before connectors/wechat have: Logto's own WeChat web connector. */
const legacy: ConnectorState = { ...ours, connectorId: 'wechat-web' };
const emulator: ConnectorState = {
  ...ours,
  config: { appId: emulatorAppId, appSecret: 'emulator-secret-0000000000000001', scope: 'snsapi_login' },
};
const emulatorConfig = { ...(emulator.config as typeof website), oa: undefined };
const outside = { sandbox: false };
const sandbox = { sandbox: true };

describe('planConnector', () => {
  it('removes its connector "wechat" when the WeChat variables are empty', () => {
    expect(planConnector([ours], undefined, outside)).toEqual({
      remove: [{ id: 'wechat', reason: 'unconfigured' }],
      apply: { action: 'none' },
    });
  });

  it("with the variables empty, leaves a WeChat connector an operator made under another id", () => {
    expect(planConnector([{ ...ours, id: 'abc123' }], undefined, outside)).toEqual({
      remove: [],
      apply: { action: 'none' },
    });
  });

  it("outside the sandbox, removes any WeChat web connector holding the emulator's AppID", () => {
    expect(planConnector([{ ...emulator, id: 'abc123' }], undefined, outside)).toEqual({
      remove: [{ id: 'abc123', reason: 'emulator', appId: emulatorAppId }],
      apply: { action: 'none' },
    });
  });

  it("outside the sandbox, replaces the emulator's connector with one for the real app", () => {
    expect(planConnector([emulator], desired, outside)).toEqual({
      remove: [{ id: 'wechat', reason: 'emulator', appId: emulatorAppId }],
      apply: { action: 'create', body: { id: 'wechat', connectorId: 'wechat-web-oa', config: website } },
    });
  });

  it("outside the sandbox, removes a connector holding the emulator's Official Account", () => {
    const emulatorOa: ConnectorState = { ...ours, config: { ...website, oaAppId: emulatorOaAppId, oaAppSecret: 'x' } };
    expect(planConnector([emulatorOa], desired, outside)).toMatchObject({
      remove: [{ id: 'wechat', reason: 'emulator', appId: emulatorOaAppId }],
      apply: { action: 'create' },
    });
  });

  it("in the sandbox, keeps the emulator's connector", () => {
    expect(planConnector([emulator], emulatorConfig, sandbox)).toEqual({
      remove: [],
      apply: { action: 'unchanged', id: 'wechat' },
    });
  });

  it("creates the stack's connector with id wechat, with the Official Account's keys when one is configured", () => {
    expect(planConnector([], desired, outside)).toEqual({
      remove: [],
      apply: { action: 'create', body: { id: 'wechat', connectorId: 'wechat-web-oa', config: website } },
    });
    expect(planConnector([], withOa, outside)).toEqual({
      remove: [],
      apply: { action: 'create', body: { id: 'wechat', connectorId: 'wechat-web-oa', config: { ...website, ...oaKeys } } },
    });
  });

  it("switches Logto's wechat-web connector to the stack's under the same id (delete, then create)", () => {
    expect(planConnector([legacy], withOa, outside)).toEqual({
      remove: [{ id: 'wechat', reason: 'switch' }],
      apply: { action: 'create', body: { id: 'wechat', connectorId: 'wechat-web-oa', config: { ...website, ...oaKeys } } },
    });
  });

  it("where Logto lacks the stack's connector: wechat-web, kept as it is", () => {
    const fallback = { ...outside, factory: 'wechat-web' as const };
    expect(planConnector([legacy], desired, fallback)).toEqual({ remove: [], apply: { action: 'unchanged', id: 'wechat' } });
    expect(planConnector([], desired, fallback)).toEqual({
      remove: [],
      apply: { action: 'create', body: { id: 'wechat', connectorId: 'wechat-web', config: website } },
    });
  });

  it("adds and removes the Official Account's keys, keeping keys it does not own", () => {
    expect(planConnector([{ ...ours, config: { ...website, extra: 1 } }], withOa, outside)).toEqual({
      remove: [],
      apply: { action: 'update', id: 'wechat', fields: ['oaAppId', 'oaAppSecret'], body: { config: { extra: 1, ...website, ...oaKeys } } },
    });
    expect(planConnector([{ ...ours, config: { ...website, ...oaKeys, extra: 1 } }], desired, outside)).toEqual({
      remove: [],
      apply: { action: 'update', id: 'wechat', fields: ['oaAppId', 'oaAppSecret'], body: { config: { extra: 1, ...website } } },
    });
  });

  it('leaves an identical config unchanged', () => {
    expect(planConnector([ours], desired, outside)).toEqual({ remove: [], apply: { action: 'unchanged', id: 'wechat' } });
  });

  it('updates exactly the changed fields and keeps keys it does not own', () => {
    const plan = planConnector([{ ...ours, config: { ...website, appSecret: 'old', extra: 1 } }], desired, outside);
    expect(plan).toEqual({
      remove: [],
      apply: { action: 'update', id: 'wechat', fields: ['appSecret'], body: { config: { extra: 1, ...website } } },
    });
  });

  it('adopts a WeChat web connector an operator created with another id', () => {
    const plan = planConnector([{ ...ours, id: 'abc123', config: { ...website, scope: 'snsapi_userinfo' } }], desired, outside);
    expect(plan).toMatchObject({ remove: [], apply: { action: 'update', id: 'abc123', fields: ['scope'] } });
  });

  it('ignores WeChat connectors of other platforms', () => {
    const native: ConnectorState = { ...ours, id: 'native1', connectorId: 'wechat-native', platform: 'Native' };
    expect(planConnector([native], desired, outside)).toMatchObject({ remove: [], apply: { action: 'create' } });
    expect(planConnector([{ ...native, config: emulator.config }], undefined, outside)).toEqual({
      remove: [],
      apply: { action: 'none' },
    });
  });
});
