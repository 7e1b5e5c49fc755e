/**
 * The WeChat (Web) connector, id `wechat` so Logto's callback path is `/callback/wechat`.
 * Owned: `appId`, `appSecret`, `scope` of its config. Nothing else, and nothing at all when the
 * WeChat variables are empty.
 */
import { z } from 'zod4';

import type { CreateConnector } from '@logto/schemas';

import { wechatConnectorFactoryId, wechatConnectorId, wechatTarget } from '../constant.js';
import { type StepContext, listNames } from '../context.js';
import type { StepResult } from '../log.js';
import { type ConnectorState, connectorGuard } from '../types.js';

export type WechatConfig = { appId: string; appSecret: string; scope: string };

const ownedKeys = ['appId', 'appSecret', 'scope'] as const satisfies ReadonlyArray<keyof WechatConfig>;

export type ConnectorPlan =
  | { action: 'skip' }
  | {
      action: 'create';
      body: Pick<CreateConnector, 'id' | 'connectorId' | 'config'>;
    }
  | {
      action: 'update';
      id: string;
      /** Names of the config keys that differ (never their values: one is a secret). */
      fields: string[];
      body: { config: Record<string, unknown> };
    }
  | { action: 'unchanged'; id: string };

/** The connector to manage among those with target `wechat`: ours by id, else any WeChat web one. */
const findWechatConnector = (connectors: readonly ConnectorState[]) =>
  connectors.find(({ id }) => id === wechatConnectorId) ??
  connectors.find(({ connectorId }) => connectorId === wechatConnectorFactoryId);

/** Pure: desired WeChat config vs. the connectors Logto has. */
export const planConnector = (
  connectors: readonly ConnectorState[],
  desired: WechatConfig | undefined
): ConnectorPlan => {
  if (!desired) {
    return { action: 'skip' };
  }
  const current = findWechatConnector(connectors);
  if (!current) {
    return {
      action: 'create',
      body: {
        id: wechatConnectorId,
        connectorId: wechatConnectorFactoryId,
        config: { appId: desired.appId, appSecret: desired.appSecret, scope: desired.scope },
      },
    };
  }
  const fields = ownedKeys.filter((key) => current.config[key] !== desired[key]);
  if (fields.length === 0) {
    return { action: 'unchanged', id: current.id };
  }
  return {
    action: 'update',
    id: current.id,
    fields,
    // PATCH replaces the config whole: keep the keys the seed does not own.
    body: { config: { ...current.config, ...pick(desired, fields) } },
  };
};

const pick = (config: WechatConfig, keys: readonly (keyof WechatConfig)[]) =>
  Object.fromEntries(keys.map((key) => [key, config[key]]));

export const reconcileConnector = async (context: StepContext): Promise<StepResult> => {
  const { api, config, dryRun, state } = context;
  if (!config.wechat) {
    state.wechatConnector = false;
    return {
      outcome: 'skipped',
      detail: 'WECHAT_APP_ID / WECHAT_APP_SECRET are empty: nothing configured for WeChat',
    };
  }

  const connectors = await api.request('connector', 'GET', '/api/connectors', {
    query: { target: wechatTarget },
    guard: z.array(connectorGuard),
  });
  const plan = planConnector(connectors, config.wechat);
  const callback = `https://${config.logtoDomain}/callback/${plan.action === 'create' ? wechatConnectorId : 'id' in plan ? plan.id : ''}`;
  state.wechatConnector = true;

  switch (plan.action) {
    case 'skip': {
      return { outcome: 'skipped', detail: 'nothing to do' };
    }
    case 'create': {
      if (!dryRun) {
        await api.request('connector', 'POST', '/api/connectors', {
          body: plan.body,
          guard: connectorGuard,
        });
      }
      return {
        outcome: 'created',
        detail: `WeChat (Web) connector "${wechatConnectorId}" (appId ${config.wechat.appId}, scope ${config.wechat.scope}), callback ${callback} (WeChat's authorization callback domain: ${config.logtoDomain})`,
      };
    }
    case 'update': {
      if (!dryRun) {
        await api.request('connector', 'PATCH', `/api/connectors/${encodeURIComponent(plan.id)}`, {
          body: plan.body,
          guard: connectorGuard,
        });
      }
      return {
        outcome: 'updated',
        detail: `WeChat (Web) connector "${plan.id}": ${listNames(plan.fields)}`,
      };
    }
    case 'unchanged': {
      return {
        outcome: 'unchanged',
        detail: `WeChat (Web) connector "${plan.id}" (appId ${config.wechat.appId}), callback ${callback}`,
      };
    }
  }
};
