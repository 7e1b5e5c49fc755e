/**
 * Connector factories and instances, loaded the way Logto core loads them: every connector package
 * in `connectors/` beside `src/` (the image's /etc/logto/packages/core/connectors), by @logto/cli's
 * own `getConnectorPackagesFromDirectory` and `loadConnectorFactories` (connector-kit version check,
 * `lib/index.js`, metadata with the logo as a data URL); two packages with one factory id are
 * refused as Logto does. Config read from the `connectors` table on every use.
 * `connectors/@logto-connector-wechat-web` links the npm package (as the image links
 * packages/connectors/*); the harness installs this repository's connectors/wechat there
 * (tests/harness/connectors.ts).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { ConnectorError, ConnectorErrorCodes, ConnectorType, validateConfig } from "@logto/connector-kit";
import { loadConnectorFactories as loadCliConnectorFactories } from "@logto/cli/lib/connector/index.js";
import { getConnectorPackagesFromDirectory } from "@logto/cli/lib/utils.js";

import type { Db, Row } from "./db.ts";
import { RequestError } from "./errors.ts";

type RawConnector = {
  metadata: Record<string, any>;
  type: string;
  configGuard: unknown;
  getAuthorizationUri?: (payload: Record<string, unknown>, setSession: (data: unknown) => Promise<void>) => Promise<string>;
  getUserInfo?: (data: unknown, getSession: () => Promise<unknown>) => Promise<{ id: string; name?: string; avatar?: string } & Record<string, unknown>>;
};

export type ConnectorFactory = {
  metadata: Record<string, any>;
  type: string;
  configGuard: any;
  create: (getConfig: () => Promise<unknown>) => Promise<RawConnector>;
};

export type LogtoConnector = {
  dbEntry: Row & { id: string; connectorId: string; config: Record<string, unknown> };
  metadata: Record<string, any>;
  type: string;
  raw: RawConnector;
};

/** Logto core's `connectors` directory: packages/core/connectors, here the stand-in's own. */
export const connectorDirectory = path.join(path.dirname(path.dirname(fileURLToPath(import.meta.url))), "connectors");

let factoriesPromise: Promise<ConnectorFactory[]> | undefined;

const loadFactories = async (): Promise<ConnectorFactory[]> => {
  if (!existsSync(connectorDirectory)) return [];
  const packages = await getConnectorPackagesFromDirectory(connectorDirectory);
  const loaded = await loadCliConnectorFactories(packages, false);
  return loaded.map(({ metadata, type, configGuard, createConnector }) => ({
    metadata: metadata as Record<string, any>,
    type,
    configGuard,
    create: async (getConfig: () => Promise<unknown>) =>
      (await createConnector({ getConfig: async () => getConfig() })) as unknown as RawConnector,
  }));
};

/** Logto's checkDuplicateConnectorFactoriesId: a factory id in two packages fails every connector call. */
const refuseDuplicateIds = (factories: ConnectorFactory[]) => {
  const ids = factories.map(({ metadata }) => String(metadata.id));
  const duplicated = [...new Set(ids.filter((id, index) => ids.indexOf(id) !== index))];
  if (duplicated.length > 0) {
    throw new RequestError({ code: "connector.more_than_one_connector_factory", status: 422, connectorIds: duplicated.join(", ") });
  }
};

export const loadConnectorFactories = async () => {
  factoriesPromise ??= loadFactories();
  const factories = await factoriesPromise;
  refuseDuplicateIds(factories);
  return factories;
};

export const findFactory = async (connectorId: string) =>
  (await loadConnectorFactories()).find(({ metadata }) => metadata.id === connectorId);

const toLogtoConnector = async (db: Db, tenantId: string, row: Row): Promise<LogtoConnector | undefined> => {
  const factory = await findFactory(String(row.connectorId));
  if (!factory) return undefined;
  const id = String(row.id);
  const raw = await factory.create(async () => {
    // Always the current config, as Logto reads it for each call.
    const current = await db.one("select config from connectors where tenant_id = $1 and id = $2", [tenantId, id]);
    return current?.config ?? {};
  });
  const dbMetadata = (row.metadata ?? {}) as Record<string, unknown>;
  const metadata = factory.metadata.isStandard ? { ...factory.metadata, ...dbMetadata } : factory.metadata;
  return { dbEntry: row as LogtoConnector["dbEntry"], metadata, type: factory.type, raw };
};

export const getLogtoConnectors = async (db: Db, tenantId: string) => {
  const rows = await db.query("select * from connectors where tenant_id = $1 order by created_at", [tenantId]);
  const connectors = await Promise.all(rows.map(async (row) => toLogtoConnector(db, tenantId, row)));
  return connectors.filter((connector): connector is LogtoConnector => Boolean(connector));
};

export const getLogtoConnectorById = async (db: Db, tenantId: string, id: string) => {
  const row = await db.one("select * from connectors where tenant_id = $1 and id = $2", [tenantId, id]);
  const connector = row && (await toLogtoConnector(db, tenantId, row));
  if (!connector) {
    // Logto's libraries/connector.ts getLogtoConnectorById: `entity.not_found`, unlike the table queries.
    throw new RequestError({ code: "entity.not_found", id, status: 404 });
  }
  return connector;
};

/** Logto's transpileLogtoConnector. */
export const connectorResponse = ({ dbEntry, metadata, type }: LogtoConnector) => ({
  type,
  ...metadata,
  id: dbEntry.id,
  connectorId: dbEntry.connectorId,
  syncProfile: dbEntry.syncProfile,
  metadata: dbEntry.metadata,
  enableTokenStorage: dbEntry.enableTokenStorage,
  isDemo: false,
  extraInfo: {},
  config: dbEntry.config,
});

export const factoryResponse = ({ metadata, type }: ConnectorFactory) => ({ type, ...metadata, isDemo: false });

export const validateConnectorConfig = (config: unknown, guard: any) => {
  try {
    validateConfig(config, guard);
  } catch (error: unknown) {
    throw toRequestError(error);
  }
};

/** Logto's koaConnectorErrorHandler: ConnectorError -> RequestError with the same codes. */
export const toRequestError = (error: unknown): unknown => {
  if (!(error instanceof ConnectorError)) return error;
  const { code, data } = error;
  const description =
    typeof data === "object" && data !== null && typeof (data as { errorDescription?: unknown }).errorDescription === "string"
      ? (data as { errorDescription: string }).errorDescription
      : JSON.stringify(data);
  switch (code) {
    case ConnectorErrorCodes.InvalidMetadata:
    case ConnectorErrorCodes.InvalidConfigGuard:
    case ConnectorErrorCodes.InvalidRequestParameters:
    case ConnectorErrorCodes.InsufficientRequestParameters:
    case ConnectorErrorCodes.InvalidConfig:
    case ConnectorErrorCodes.InvalidCertificate:
    case ConnectorErrorCodes.InvalidResponse:
      return new RequestError({ code: `connector.${code}`, status: 400 }, data);
    case ConnectorErrorCodes.SocialAuthCodeInvalid:
    case ConnectorErrorCodes.SocialAccessTokenInvalid:
    case ConnectorErrorCodes.SocialIdTokenInvalid:
    case ConnectorErrorCodes.AuthorizationFailed:
      return new RequestError({ code: `connector.${code}`, status: 401 }, data);
    default:
      return new RequestError({ code: `connector.${code}`, status: 400, errorDescription: description }, data);
  }
};

export { ConnectorType };
