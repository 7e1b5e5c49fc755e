// Logto's Management API for tests (users, applications, connectors...), through the public URL.
//
// OSS Logto has no API to create the first machine-to-machine app (logto issue #5202), so, like
// the seed, the harness inserts one by SQL as the database owner (as seed/src/steps/bootstrap.ts):
// app `harness-m2m` in tenant `default`, its secret in `application_secrets`, and the
// pre-seeded role "Logto Management API access". Rows are created once and reused, so any
// process holding the stack description (globalSetup, a test worker) gets the same credentials.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import pg from "pg";
import { httpRequest } from "./processes.js";
import type { StackInfo } from "./stack.js";

export const M2M_APP_ID = "harness-m2m";
const M2M_SECRET_NAME = "harness";
const MANAGEMENT_API_RESOURCE = "https://default.logto.app/api";

/** The fields tests look at; Logto returns more. */
export interface LogtoUser {
  id: string;
  username: string | null;
  name: string | null;
  avatar: string | null;
  primaryEmail: string | null;
  identities: Record<string, { userId: string; details?: Record<string, unknown> }>;
  customData: Record<string, unknown>;
  isSuspended: boolean;
  createdAt: number;
  lastSignInAt: number | null;
}

export interface LogtoApplication {
  id: string;
  name: string;
  type: "Native" | "SPA" | "Traditional" | "MachineToMachine" | "Protected" | "SAML";
  description: string | null;
  oidcClientMetadata: { redirectUris: string[]; postLogoutRedirectUris: string[] };
  customData: Record<string, unknown>;
}

export interface LogtoConnector {
  id: string;
  connectorId: string;
  target: string;
  config: Record<string, unknown>;
}

export class ManagementApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${body.slice(0, 500)}`);
    this.name = "ManagementApiError";
  }
}

/** Create (once) the harness's M2M app by SQL; returns its client credentials. */
export async function ensureM2mApp(dbUrl: string): Promise<{ clientId: string; clientSecret: string }> {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    await client.query("begin");
    await client.query(
      `insert into applications (tenant_id, id, name, secret, description, type,
         oidc_client_metadata, custom_client_metadata, custom_data, is_third_party)
       values ('default', $1, 'Test harness', $2, 'Management API access for the test harness', 'MachineToMachine',
         '{"redirectUris":[],"postLogoutRedirectUris":[]}', '{}', '{}', false)
       on conflict do nothing`,
      [M2M_APP_ID, `#internal:${randomBytes(24).toString("base64url").slice(0, 32)}`],
    );
    await client.query(
      `insert into application_secrets (tenant_id, application_id, name, value)
       values ('default', $1, $2, $3)
       on conflict (tenant_id, application_id, name) do nothing`,
      [M2M_APP_ID, M2M_SECRET_NAME, randomBytes(24).toString("base64url").slice(0, 32)],
    );
    await client.query(
      `insert into applications_roles (tenant_id, id, application_id, role_id)
       select 'default', $2, $1, r.id from roles r
       where r.tenant_id = 'default' and r.name = 'Logto Management API access'
       on conflict do nothing`,
      [M2M_APP_ID, `${M2M_APP_ID}-role`],
    );
    const secret = await client.query<{ value: string }>(
      "select value from application_secrets where tenant_id = 'default' and application_id = $1 and name = $2",
      [M2M_APP_ID, M2M_SECRET_NAME],
    );
    await client.query("commit");
    const clientSecret = secret.rows[0]?.value;
    if (!clientSecret) throw new Error("harness M2M secret missing after insert");
    return { clientId: M2M_APP_ID, clientSecret };
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}

type Target = Pick<StackInfo, "urls" | "hosts" | "caFiles" | "logto">;

/** A Management API client for the stack's default tenant (token cached until shortly before expiry). */
export async function managementApi(stack: Target) {
  const { clientId, clientSecret } = await ensureM2mApp(stack.logto.dbUrl);
  const ca = stack.caFiles.map((f) => readFileSync(f, "utf8"));
  const base = stack.urls.logto;
  let token: { value: string; expiresAt: number } | undefined;

  const accessToken = async (): Promise<string> => {
    if (token && token.expiresAt > Date.now() + 30_000) return token.value;
    const res = await httpRequest(`${base}/oidc/token`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString("base64")}`,
      },
      body: new URLSearchParams({ grant_type: "client_credentials", resource: MANAGEMENT_API_RESOURCE, scope: "all" }).toString(),
      ca,
      hosts: stack.hosts,
    });
    if (res.status !== 200) throw new ManagementApiError(res.status, res.body, "Management API token (client_credentials)");
    const body = JSON.parse(res.body) as { access_token: string; expires_in: number };
    token = { value: body.access_token, expiresAt: Date.now() + body.expires_in * 1000 };
    return token.value;
  };

  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await httpRequest(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await accessToken()}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      ca,
      hosts: stack.hosts,
    });
    if (res.status >= 300) throw new ManagementApiError(res.status, res.body, `${method} ${path}`);
    return (res.body ? JSON.parse(res.body) : undefined) as T;
  }

  const query = (params?: Record<string, string>) => (params && Object.keys(params).length ? `?${new URLSearchParams(params)}` : "");

  return {
    accessToken,
    request,
    get: <T>(path: string) => request<T>("GET", path),
    post: <T>(path: string, body?: unknown) => request<T>("POST", path, body ?? {}),
    patch: <T>(path: string, body: unknown) => request<T>("PATCH", path, body),
    delete: (path: string) => request<void>("DELETE", path),
    users: {
      list: (params?: Record<string, string>) => request<LogtoUser[]>("GET", `/api/users${query(params)}`),
      get: (id: string) => request<LogtoUser>("GET", `/api/users/${encodeURIComponent(id)}`),
      delete: (id: string) => request<void>("DELETE", `/api/users/${encodeURIComponent(id)}`),
      /** Users whose social identity for `target` (e.g. "wechat") has this userId (WeChat: unionid ?? openid). */
      async withIdentity(target: string, userId: string): Promise<LogtoUser[]> {
        const all = await request<LogtoUser[]>("GET", `/api/users?page_size=100`);
        return all.filter((u) => u.identities?.[target]?.userId === userId);
      },
    },
    applications: {
      list: (params?: Record<string, string>) => request<LogtoApplication[]>("GET", `/api/applications${query(params)}`),
      get: (id: string) => request<LogtoApplication>("GET", `/api/applications/${encodeURIComponent(id)}`),
    },
    connectors: {
      list: (params?: Record<string, string>) => request<LogtoConnector[]>("GET", `/api/connectors${query(params)}`),
    },
  };
}

export type ManagementApi = Awaited<ReturnType<typeof managementApi>>;
