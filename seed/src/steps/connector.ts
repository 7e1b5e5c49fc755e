/**
 * The WeChat (Web) connector, id `wechat` so Logto's callback path is `/callback/wechat`.
 * Reconciled to the environment exactly: `appId`, `appSecret`, `scope` of its config when the
 * WeChat variables are set; the connector `wechat` removed when they are empty. Outside the
 * sandbox a WeChat connector holding the emulator's AppID is removed whatever the variables say,
 * and real credentials are refused while WeChat's host names lead to the seed's own network
 * (a WeChat emulator still attached to it).
 */
import { z } from 'zod4';

import type { CreateConnector } from '@logto/schemas';

import {
  emulatorAppId,
  wechatConnectorFactoryId,
  wechatConnectorId,
  wechatTarget,
} from '../constant.js';
import { type StepContext, listNames } from '../context.js';
import { ConfigError } from '../errors.js';
import type { StepResult } from '../log.js';
import { type ConnectorState, connectorGuard } from '../types.js';
import { wechatHostsOnOwnNetwork } from '../wechat-network.js';

export type WechatConfig = { appId: string; appSecret: string; scope: string };

const ownedKeys = ['appId', 'appSecret', 'scope'] as const satisfies ReadonlyArray<keyof WechatConfig>;

export type ConnectorRemoval = { id: string; reason: 'emulator' | 'unconfigured' };

export type ConnectorApply =
  | { action: 'none' }
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

/** Removals first (so a removed connector can be created again), then at most one change. */
export type ConnectorPlan = { remove: ConnectorRemoval[]; apply: ConnectorApply };

const isWechatWeb = ({ connectorId }: ConnectorState) => connectorId === wechatConnectorFactoryId;

/** The connector to manage among those with target `wechat`: ours by id, else any WeChat web one. */
const findWechatConnector = (connectors: readonly ConnectorState[]) =>
  connectors.find(({ id }) => id === wechatConnectorId) ?? connectors.find(isWechatWeb);

/** Pure: desired WeChat config vs. the connectors Logto has. */
export const planConnector = (
  connectors: readonly ConnectorState[],
  desired: WechatConfig | undefined,
  { sandbox }: { sandbox: boolean }
): ConnectorPlan => {
  const remove: ConnectorRemoval[] = [];
  for (const connector of connectors) {
    if (!sandbox && isWechatWeb(connector) && connector.config.appId === emulatorAppId) {
      remove.push({ id: connector.id, reason: 'emulator' });
    } else if (!desired && connector.id === wechatConnectorId) {
      remove.push({ id: connector.id, reason: 'unconfigured' });
    }
  }
  if (!desired) {
    return { remove, apply: { action: 'none' } };
  }
  const current = findWechatConnector(
    connectors.filter(({ id }) => !remove.some((removal) => removal.id === id))
  );
  if (!current) {
    return {
      remove,
      apply: {
        action: 'create',
        body: {
          id: wechatConnectorId,
          connectorId: wechatConnectorFactoryId,
          config: { appId: desired.appId, appSecret: desired.appSecret, scope: desired.scope },
        },
      },
    };
  }
  const fields = ownedKeys.filter((key) => current.config[key] !== desired[key]);
  if (fields.length === 0) {
    return { remove, apply: { action: 'unchanged', id: current.id } };
  }
  return {
    remove,
    apply: {
      action: 'update',
      id: current.id,
      fields,
      // PATCH replaces the config whole: keep the keys the seed does not own.
      body: { config: { ...current.config, ...pick(desired, fields) } },
    },
  };
};

const pick = (config: WechatConfig, keys: readonly (keyof WechatConfig)[]) =>
  Object.fromEntries(keys.map((key) => [key, config[key]]));

const removalWords: Record<ConnectorRemoval['reason'], string> = {
  emulator: `it holds the WeChat emulator's AppID ${emulatorAppId}, outside the sandbox`,
  unconfigured: 'WECHAT_APP_ID / WECHAT_APP_SECRET are empty',
};

/**
 * Outside the sandbox, real credentials with WeChat's names leading to our own network: refused
 * before Logto's connector gets them.
 */
const refuseEmulatorOnNetwork = async () => {
  const hits = await wechatHostsOnOwnNetwork();
  if (hits.length > 0) {
    const where = hits.map(({ host, address }) => `${host} -> ${address}`).join(', ');
    throw new ConfigError(
      [
        `WeChat's host names resolve to this stack's own network (${where}): a WeChat emulator is still attached (left by \`make up-sandbox\`), so Logto's calls to WeChat, with your AppSecret, would go to it`,
      ],
      'Stop the whole stack with `make down` (it stops the emulator too), then run `make up`.'
    );
  }
};

/** Creates or updates the connector (unless a dry run); undefined when there is nothing to apply. */
const applyChange = async (
  { api, config, dryRun }: StepContext,
  apply: ConnectorApply
): Promise<StepResult | undefined> => {
  if (!config.wechat || apply.action === 'none') {
    return undefined;
  }
  const id = apply.action === 'create' ? wechatConnectorId : apply.id;
  const callback = `https://${config.logtoDomain}/callback/${id}`;
  switch (apply.action) {
    case 'create': {
      if (!dryRun) {
        await api.request('connector', 'POST', '/api/connectors', { body: apply.body, guard: connectorGuard });
      }
      return {
        outcome: 'created',
        detail: `WeChat (Web) connector "${id}" (appId ${config.wechat.appId}, scope ${config.wechat.scope}), callback ${callback} (WeChat's authorization callback domain: ${config.logtoDomain})`,
      };
    }
    case 'update': {
      if (!dryRun) {
        await api.request('connector', 'PATCH', `/api/connectors/${encodeURIComponent(id)}`, {
          body: apply.body,
          guard: connectorGuard,
        });
      }
      return { outcome: 'updated', detail: `WeChat (Web) connector "${id}": ${listNames(apply.fields)}` };
    }
    case 'unchanged': {
      return {
        outcome: 'unchanged',
        detail: `WeChat (Web) connector "${id}" (appId ${config.wechat.appId}), callback ${callback}`,
      };
    }
  }
};

export const reconcileConnector = async (context: StepContext): Promise<StepResult> => {
  const { api, config, dryRun, state } = context;
  const connectors = await api.request('connector', 'GET', '/api/connectors', {
    query: { target: wechatTarget },
    guard: z.array(connectorGuard),
  });
  const { remove, apply } = planConnector(connectors, config.wechat, { sandbox: config.wechatSandbox });

  // Logto's DELETE also drops `wechat` from the sign-in experience once no connector provides it.
  for (const { id } of remove) {
    if (!dryRun) {
      await api.request('connector', 'DELETE', `/api/connectors/${encodeURIComponent(id)}`, {
        guard: z.undefined(),
      });
    }
  }
  if (config.wechat && !config.wechatSandbox) {
    await refuseEmulatorOnNetwork();
  }
  state.wechatConnector = apply.action !== 'none';
  const applied = await applyChange(context, apply);

  const removed = remove.map(({ id, reason }) => `removed WeChat connector "${id}" (${removalWords[reason]})`);
  if (removed.length === 0) {
    return applied ?? { outcome: 'skipped', detail: 'WECHAT_APP_ID / WECHAT_APP_SECRET are empty: no WeChat connector' };
  }
  return {
    outcome: applied?.outcome === 'created' ? 'created' : 'updated',
    detail: listNames([...removed, ...(applied ? [applied.detail] : [])]),
  };
};
