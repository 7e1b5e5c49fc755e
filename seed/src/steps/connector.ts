/**
 * The WeChat connector, id `wechat` so Logto's callback path is `/callback/wechat`: the stack's own
 * (factory `wechat-web-oa`, connectors/wechat: QR code, and the Official Account inside WeChat) when
 * Logto has it, else Logto's `wechat-web` (no Official Account then: refused if one is configured).
 * Reconciled to the environment exactly: `appId`, `appSecret`, `scope` (and `oaAppId`,
 * `oaAppSecret`) of its config when the WeChat variables are set; the connector `wechat` removed
 * when they are empty. A `wechat-web` connector is switched to the stack's under the same id
 * (delete, then create: Logto allows one WeChat web connector); users keep their identity, which
 * Logto keys by target (`wechat`), not by connector. Outside the sandbox a WeChat connector holding
 * one of the emulator's AppIDs is removed whatever the variables say, and real credentials are
 * refused while WeChat's host names lead to the seed's own network (a WeChat emulator still attached).
 */
import { z } from 'zod4';

import type { CreateConnector } from '@logto/schemas';

import {
  wechatConnectorFactoryId,
  wechatConnectorId,
  wechatTarget,
  wechatWebFactoryId,
} from '../constant.js';
import { type StepContext, listNames } from '../context.js';
import { emulatorAppId, emulatorOaAppId } from '../env-rules.js';
import { ConfigError } from '../errors.js';
import type { SeedConfig } from '../config.js';
import type { StepResult } from '../log.js';
import { type ConnectorState, connectorGuard } from '../types.js';
import { wechatHostsOnOwnNetwork } from '../wechat-network.js';

export type WechatConfig = NonNullable<SeedConfig['wechat']>;

/** The config keys the seed owns, per factory; others an operator set are kept. */
const ownedKeys = {
  [wechatConnectorFactoryId]: ['appId', 'appSecret', 'scope', 'oaAppId', 'oaAppSecret'],
  [wechatWebFactoryId]: ['appId', 'appSecret', 'scope'],
} as const;
type WechatFactoryId = keyof typeof ownedKeys;

const isWechatFactory = (id: string): id is WechatFactoryId => Object.hasOwn(ownedKeys, id);

/** The connector config the environment asks for (no OA keys when none is configured). */
const connectorConfig = ({ appId, appSecret, scope, oa }: WechatConfig): Record<string, string> => ({
  appId,
  appSecret,
  scope,
  ...(oa ? { oaAppId: oa.appId, oaAppSecret: oa.appSecret } : {}),
});

export type ConnectorRemoval =
  | { id: string; reason: 'unconfigured' | 'switch' }
  /** `appId`: the emulator's AppID it holds (website app or Official Account). */
  | { id: string; reason: 'emulator'; appId: string };

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

const isWechatWeb = ({ connectorId }: ConnectorState) => isWechatFactory(connectorId);

const emulatorAppIn = ({ config }: ConnectorState) =>
  config.appId === emulatorAppId ? emulatorAppId : config.oaAppId === emulatorOaAppId ? emulatorOaAppId : undefined;

/** The connector to manage among those with target `wechat`: ours by id, else any WeChat web one. */
const findWechatConnector = (connectors: readonly ConnectorState[]) =>
  connectors.find(({ id }) => id === wechatConnectorId) ?? connectors.find(isWechatWeb);

/**
 * Pure: desired WeChat config vs. the connectors Logto has. `factory`: the connector factory to use
 * (the stack's when Logto has it).
 */
export const planConnector = (
  connectors: readonly ConnectorState[],
  desired: WechatConfig | undefined,
  { sandbox, factory = wechatConnectorFactoryId }: { sandbox: boolean; factory?: WechatFactoryId }
): ConnectorPlan => {
  const remove: ConnectorRemoval[] = [];
  for (const connector of connectors) {
    const emulatorApp = isWechatWeb(connector) ? emulatorAppIn(connector) : undefined;
    if (!sandbox && emulatorApp) {
      remove.push({ id: connector.id, reason: 'emulator', appId: emulatorApp });
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
  const config = connectorConfig(desired);
  if (current && current.connectorId !== factory) {
    // Logto allows one WeChat web connector and cannot change a connector's factory: replaced.
    remove.push({ id: current.id, reason: 'switch' });
  }
  if (!current || current.connectorId !== factory) {
    return {
      remove,
      apply: { action: 'create', body: { id: wechatConnectorId, connectorId: factory, config } },
    };
  }
  const owned: readonly string[] = ownedKeys[factory];
  const fields = owned.filter((key) => current.config[key] !== config[key]);
  if (fields.length === 0) {
    return { remove, apply: { action: 'unchanged', id: current.id } };
  }
  const kept = Object.fromEntries(Object.entries(current.config).filter(([key]) => !owned.includes(key)));
  return {
    remove,
    apply: {
      action: 'update',
      id: current.id,
      fields,
      // PATCH replaces the config whole: keep the keys the seed does not own.
      body: { config: { ...kept, ...config } },
    },
  };
};

const removalWords = (removal: ConnectorRemoval): string => {
  switch (removal.reason) {
    case 'emulator':
      return `it holds the WeChat emulator's AppID ${removal.appId}, outside the sandbox`;
    case 'unconfigured':
      return 'WECHAT_APP_ID / WECHAT_APP_SECRET are empty';
    case 'switch':
      return `replaced by the stack's connector ${wechatConnectorFactoryId} under the same id: users keep their WeChat identity`;
  }
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
  const oa = config.wechat.oa
    ? `, Official Account ${config.wechat.oa.appId} inside WeChat (its web authorization domain: ${config.logtoDomain})`
    : '';
  switch (apply.action) {
    case 'create': {
      if (!dryRun) {
        await api.request('connector', 'POST', '/api/connectors', { body: apply.body, guard: connectorGuard });
      }
      return {
        outcome: 'created',
        detail: `WeChat connector "${id}" (${apply.body.connectorId}, appId ${config.wechat.appId}, scope ${config.wechat.scope}${oa}), callback ${callback} (WeChat's authorization callback domain: ${config.logtoDomain})`,
      };
    }
    case 'update': {
      if (!dryRun) {
        await api.request('connector', 'PATCH', `/api/connectors/${encodeURIComponent(id)}`, {
          body: apply.body,
          guard: connectorGuard,
        });
      }
      return { outcome: 'updated', detail: `WeChat connector "${id}": ${listNames(apply.fields)}` };
    }
    case 'unchanged': {
      return {
        outcome: 'unchanged',
        detail: `WeChat connector "${id}" (appId ${config.wechat.appId}${oa}), callback ${callback}`,
      };
    }
  }
};

/**
 * The stack's connector when this Logto has it (the stack's Logto image, connectors/wechat/Dockerfile),
 * else Logto's wechat-web, which has no Official Account: refused when one is configured.
 */
const chooseFactory = async ({ api, config }: StepContext) => {
  const factories = await api.request('connector', 'GET', '/api/connector-factories', {
    guard: z.array(z.object({ id: z.string() })),
  });
  if (factories.some(({ id }) => id === wechatConnectorFactoryId)) {
    return wechatConnectorFactoryId;
  }
  if (config.wechat?.oa) {
    throw new ConfigError(
      [
        `WECHAT_OA_APP_ID is set but this Logto has no connector ${wechatConnectorFactoryId} (the stack's WeChat connector, connectors/wechat), only Logto's ${wechatWebFactoryId}, which cannot sign in inside WeChat`,
      ],
      'Run the stack\'s Logto image (compose.yaml builds it from connectors/wechat/Dockerfile), or empty WECHAT_OA_APP_ID / WECHAT_OA_APP_SECRET.'
    );
  }
  return wechatWebFactoryId;
};

export const reconcileConnector = async (context: StepContext): Promise<StepResult> => {
  const { api, config, dryRun, state } = context;
  const connectors = await api.request('connector', 'GET', '/api/connectors', {
    query: { target: wechatTarget },
    guard: z.array(connectorGuard),
  });
  const factory = config.wechat ? await chooseFactory(context) : wechatConnectorFactoryId;
  const { remove, apply } = planConnector(connectors, config.wechat, { sandbox: config.wechatSandbox, factory });

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

  const removed = remove.map((removal) => `removed WeChat connector "${removal.id}" (${removalWords(removal)})`);
  if (removed.length === 0) {
    return applied ?? { outcome: 'skipped', detail: 'WECHAT_APP_ID / WECHAT_APP_SECRET are empty: no WeChat connector' };
  }
  return {
    outcome: applied?.outcome === 'created' ? 'created' : 'updated',
    detail: listNames([...removed, ...(applied ? [applied.detail] : [])]),
  };
};
