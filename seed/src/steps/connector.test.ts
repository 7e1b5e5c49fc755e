import { describe, expect, it } from 'vitest';

import { emulatorAppId } from '../constant.js';
import type { ConnectorState } from '../types.js';

import { planConnector } from './connector.js';

const desired = { appId: 'wx1234567890abcdef', appSecret: 'secret-1', scope: 'snsapi_login' };
const ours: ConnectorState = {
  id: 'wechat',
  connectorId: 'wechat-web',
  target: 'wechat',
  platform: 'Web',
  config: { ...desired },
};
const emulator: ConnectorState = {
  ...ours,
  config: { appId: emulatorAppId, appSecret: 'emulator-secret-0000000000000001', scope: 'snsapi_login' },
};
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
      remove: [{ id: 'abc123', reason: 'emulator' }],
      apply: { action: 'none' },
    });
  });

  it("outside the sandbox, replaces the emulator's connector with one for the real app", () => {
    expect(planConnector([emulator], desired, outside)).toEqual({
      remove: [{ id: 'wechat', reason: 'emulator' }],
      apply: { action: 'create', body: { id: 'wechat', connectorId: 'wechat-web', config: desired } },
    });
  });

  it("in the sandbox, keeps the emulator's connector", () => {
    const emulatorConfig = emulator.config as typeof desired;
    expect(planConnector([emulator], emulatorConfig, sandbox)).toEqual({
      remove: [],
      apply: { action: 'unchanged', id: 'wechat' },
    });
  });

  it('creates the connector with id wechat', () => {
    expect(planConnector([], desired, outside)).toEqual({
      remove: [],
      apply: { action: 'create', body: { id: 'wechat', connectorId: 'wechat-web', config: desired } },
    });
  });

  it('leaves an identical config unchanged', () => {
    expect(planConnector([ours], desired, outside)).toEqual({ remove: [], apply: { action: 'unchanged', id: 'wechat' } });
  });

  it('updates exactly the changed fields and keeps keys it does not own', () => {
    const plan = planConnector([{ ...ours, config: { ...desired, appSecret: 'old', extra: 1 } }], desired, outside);
    expect(plan).toEqual({
      remove: [],
      apply: { action: 'update', id: 'wechat', fields: ['appSecret'], body: { config: { ...desired, extra: 1 } } },
    });
  });

  it('adopts a WeChat web connector an operator created with another id', () => {
    const plan = planConnector([{ ...ours, id: 'abc123', config: { ...desired, scope: 'snsapi_userinfo' } }], desired, outside);
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
