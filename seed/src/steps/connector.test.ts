import { describe, expect, it } from 'vitest';

import type { ConnectorState } from '../types.js';

import { planConnector } from './connector.js';

const desired = { appId: 'wx0000000000000001', appSecret: 'secret-1', scope: 'snsapi_login' };
const ours: ConnectorState = {
  id: 'wechat',
  connectorId: 'wechat-web',
  target: 'wechat',
  platform: 'Web',
  config: { ...desired },
};

describe('planConnector', () => {
  it('skips when the WeChat variables are empty, whatever exists', () => {
    expect(planConnector([ours], undefined)).toEqual({ action: 'skip' });
  });

  it('creates the connector with id wechat', () => {
    expect(planConnector([], desired)).toEqual({
      action: 'create',
      body: { id: 'wechat', connectorId: 'wechat-web', config: desired },
    });
  });

  it('leaves an identical config unchanged', () => {
    expect(planConnector([ours], desired)).toEqual({ action: 'unchanged', id: 'wechat' });
  });

  it('updates exactly the changed fields and keeps keys it does not own', () => {
    const plan = planConnector(
      [{ ...ours, config: { ...desired, appSecret: 'old', extra: 1 } }],
      desired
    );
    expect(plan).toEqual({
      action: 'update',
      id: 'wechat',
      fields: ['appSecret'],
      body: { config: { ...desired, extra: 1 } },
    });
  });

  it('adopts a WeChat web connector an operator created with another id', () => {
    const plan = planConnector([{ ...ours, id: 'abc123', config: { ...desired, scope: 'snsapi_userinfo' } }], desired);
    expect(plan).toMatchObject({ action: 'update', id: 'abc123', fields: ['scope'] });
  });

  it('ignores WeChat connectors of other platforms', () => {
    const native: ConnectorState = { ...ours, id: 'native1', connectorId: 'wechat-native', platform: 'Native' };
    expect(planConnector([native], desired)).toMatchObject({ action: 'create' });
  });
});
