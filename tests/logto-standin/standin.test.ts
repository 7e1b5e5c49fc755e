// The Logto stand-in against what a relying app and the seed can observe of a real Logto 1.42.
// It runs through the harness's startLogto, so with LOGTO_DIR (or LOGTO_ENDPOINT + ...) the same
// file runs against a real Logto; the steps that need Logto's React experience app (a browser)
// are skipped there and covered by the e2e specs instead.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createHash, randomBytes } from "node:crypto";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  httpRequest,
  startLogto,
  startPostgres,
  testsDir,
  type HttpResponse,
  type Logto,
  type Postgres,
} from "../harness/index.js";
import { emulatorControl, startEmulator, type Emulator } from "../harness/emulator.js";

const PUBLIC = "https://auth.stack.test";
const ADMIN_PUBLIC = "https://admin.stack.test";
const APP = "https://app.stack.test";
const WECHAT = { appId: "wx0000000000000001", appSecret: "emulator-secret-0000000000000001", scope: "snsapi_login" };

let pg: Postgres;
let logto: Logto;
let emulator: Emulator;
let dbUrl: string;

const decode = (jwt: string, part = 1) => JSON.parse(Buffer.from(jwt.split(".")[part]!, "base64url").toString()) as Record<string, any>;

/** A browser-ish client: cookies, X-Forwarded-* as Caddy sends them, redirects mapped to Logto. */
class Agent {
  cookies = new Map<string, string>();
  /** The last response that was not a redirect (a page the user would see). */
  lastPage?: HttpResponse;
  constructor(
    private internal: string,
    private origin: string,
  ) {}

  async request(
    url: string,
    o: { method?: string; form?: Record<string, string>; json?: unknown; headers?: Record<string, string> } = {},
  ) {
    const target = new URL(url, this.origin);
    if (target.origin !== this.origin) throw new Error(`not ours: ${url}`);
    const headers: Record<string, string> = {
      "x-forwarded-proto": "https",
      "x-forwarded-host": target.host,
      ...(this.cookies.size > 0 ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") } : {}),
      ...o.headers,
    };
    if (o.form) headers["content-type"] = "application/x-www-form-urlencoded";
    if (o.json !== undefined) headers["content-type"] = "application/json";
    const res = await httpRequest(`${this.internal}${target.pathname}${target.search}`, {
      method: o.method ?? (o.form || o.json !== undefined ? "POST" : "GET"),
      headers,
      body: o.form ? new URLSearchParams(o.form).toString() : o.json !== undefined ? JSON.stringify(o.json) : undefined,
    });
    const setCookie = res.headers["set-cookie"];
    for (const line of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const [pair = "", ...attributes] = line.split(";");
      const index = pair.indexOf("=");
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const expired = attributes.some((a) => /max-age=0\b/i.test(a.trim()) || /expires=thu, 01 jan 1970/i.test(a.trim()));
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }
}

const location = (res: HttpResponse) => String(res.headers.location ?? "");

/** Follows Logto's redirects until a page (recorded in agent.lastPage) or another origin comes up. */
const follow = async (agent: Agent, start: string) => {
  let next = start;
  for (let hop = 0; hop < 10; hop++) {
    const url = new URL(next, PUBLIC);
    if (url.origin !== PUBLIC) return next;
    const res = await agent.request(next);
    if (![302, 303].includes(res.status)) {
      agent.lastPage = res;
      return next;
    }
    next = location(res);
  }
  throw new Error("redirect loop");
};

/** The emulator's QR page and the phone's "confirm": returns Logto's callback URL. */
const wechatConfirm = async (authorizationUri: string, user: "alice" | "bob" | "deny" = "alice") => {
  const ca = readFileSync(emulator.caFile, "utf8");
  const hosts = { "open.weixin.qq.com": emulator.ip };
  const page = await httpRequest(authorizationUri, { ca, hosts });
  expect(page.status).toBe(200);
  const uuid = /name="uuid" value="([^"]+)"/.exec(page.body)?.[1];
  expect(uuid, page.body).toBeTruthy();
  const confirm = await httpRequest("https://open.weixin.qq.com/connect/qrconnect/confirm", {
    method: "POST",
    ca,
    hosts,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(user === "deny" ? { uuid: uuid!, deny: "1" } : { uuid: uuid!, user }).toString(),
  });
  expect(confirm.status).toBe(302);
  return location(confirm);
};

let api: (path: string, o?: { method?: string; body?: unknown; token?: string | null }) => Promise<{ status: number; body: any }>;
let m2m: { id: string; secret: string };

const tokenRequest = async (form: Record<string, string>, basic?: { id: string; secret: string }) => {
  const res = await httpRequest(`${logto.internalUrl}/oidc/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-forwarded-proto": "https",
      "x-forwarded-host": "auth.stack.test",
      ...(basic ? { authorization: `Basic ${Buffer.from(`${basic.id}:${basic.secret}`).toString("base64")}` } : {}),
    },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: JSON.parse(res.body) as Record<string, any> };
};

beforeAll(async () => {
  pg = await startPostgres();
  dbUrl = await pg.createDatabase("logto_standin_test");
  emulator = await startEmulator({ callbackDomain: "auth.stack.test" });
  logto = await startLogto({
    dbUrl,
    endpoint: PUBLIC,
    adminEndpoint: ADMIN_PUBLIC,
    env: {
      NODE_OPTIONS: `--require ${join(testsDir, "harness", "dns-preload.cjs")}`,
      HARNESS_HOSTS: `open.weixin.qq.com=${emulator.ip},api.weixin.qq.com=${emulator.ip}`,
      NODE_EXTRA_CA_CERTS: emulator.caFile,
    },
  });

  // What the seed does by SQL: its own M2M app linked to "Logto Management API access".
  m2m = { id: `seed-${randomBytes(4).toString("hex")}`, secret: randomBytes(16).toString("hex") };
  await pg.query(
    `insert into applications (tenant_id, id, name, secret, description, type, oidc_client_metadata, custom_client_metadata, custom_data, is_third_party)
     values ('default', $1, 'seed', $2, 'test', 'MachineToMachine', '{"redirectUris":[],"postLogoutRedirectUris":[]}', '{}', '{}', false)`,
    [m2m.id, `#internal:${randomBytes(16).toString("hex")}`],
    "logto_standin_test",
  );
  await pg.query(
    "insert into application_secrets (tenant_id, application_id, name, value) values ('default', $1, 'seed', $2)",
    [m2m.id, m2m.secret],
    "logto_standin_test",
  );
  await pg.query(
    `insert into applications_roles (tenant_id, id, application_id, role_id)
     select 'default', $2, $1, r.id from roles r where r.tenant_id = 'default' and r.name = 'Logto Management API access'`,
    [m2m.id, randomBytes(8).toString("hex")],
    "logto_standin_test",
  );

  let token: string | undefined;
  api = async (path, o = {}) => {
    if (o.token === undefined && !token) {
      const { body } = await tokenRequest({ grant_type: "client_credentials", resource: "https://default.logto.app/api", scope: "all" }, m2m);
      token = body.access_token as string;
    }
    const bearer = o.token === undefined ? token : o.token;
    const res = await httpRequest(`${logto.internalUrl}${path}`, {
      method: o.method ?? (o.body ? "POST" : "GET"),
      headers: {
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(o.body ? { "content-type": "application/json" } : {}),
      },
      body: o.body ? JSON.stringify(o.body) : undefined,
    });
    return { status: res.status, body: res.body ? (JSON.parse(res.body) as unknown) : undefined };
  };
}, 240_000);

/** A Traditional app for the relying app's callback, with its server-made secret. */
const createClient = async (name: string) => {
  const app = await api("/api/applications", {
    body: {
      name,
      type: "Traditional",
      oidcClientMetadata: { redirectUris: [`${APP}/api/auth/callback/logto`], postLogoutRedirectUris: [`${APP}/`] },
    },
  });
  const secrets = await api(`/api/applications/${app.body.id as string}/secrets`);
  return { id: app.body.id as string, secret: secrets.body[0].value as string };
};

/** The WeChat connector, made by whichever describe needs it first. */
const ensureWechatConnector = async () => {
  if ((await api("/api/connectors?target=wechat")).body.length === 0) {
    await api("/api/connectors", { body: { connectorId: "wechat-web", id: "wechat", config: WECHAT } });
  }
};

afterAll(async () => {
  await logto?.stop();
  await emulator?.stop();
  await pg?.stop();
});

describe("OIDC discovery and keys", () => {
  it("announces issuer ${ENDPOINT}/oidc behind the proxy and signs with ES384", async () => {
    const agent = new Agent(logto.internalUrl, PUBLIC);
    const res = await agent.request("/oidc/.well-known/openid-configuration");
    expect(res.status).toBe(200);
    const discovery = JSON.parse(res.body) as Record<string, any>;
    expect(discovery.issuer).toBe(`${PUBLIC}/oidc`);
    expect(discovery.authorization_endpoint).toBe(`${PUBLIC}/oidc/auth`);
    expect(discovery.token_endpoint).toBe(`${PUBLIC}/oidc/token`);
    expect(discovery.end_session_endpoint).toBe(`${PUBLIC}/oidc/session/end`);
    expect(discovery.id_token_signing_alg_values_supported).toContain("ES384");
    expect(discovery.token_endpoint_auth_methods_supported).toContain("client_secret_basic");
    const jwks = JSON.parse((await agent.request("/oidc/jwks")).body) as { keys: Array<Record<string, string>> };
    expect(jwks.keys[0]).toMatchObject({ kty: "EC", crv: "P-384" });
    expect(jwks.keys[0]).not.toHaveProperty("d");
  });

  it("answers GET /api/status with 204", async () => {
    expect((await httpRequest(`${logto.internalUrl}/api/status`)).status).toBe(204);
  });
});

describe("Management API access for an M2M app inserted by SQL", () => {
  it("issues an ES384 JWT for https://default.logto.app/api with scope all (client_secret_basic)", async () => {
    const { status, body } = await tokenRequest(
      { grant_type: "client_credentials", resource: "https://default.logto.app/api", scope: "all" },
      m2m,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3600, scope: "all" });
    expect(decode(body.access_token, 0).alg).toBe("ES384");
    expect(decode(body.access_token)).toMatchObject({
      iss: `${PUBLIC}/oidc`,
      aud: "https://default.logto.app/api",
      sub: m2m.id,
      client_id: m2m.id,
      scope: "all",
    });
  });

  it("accepts client_id/client_secret in the form body too, and refuses a wrong secret", async () => {
    const form = { grant_type: "client_credentials", resource: "https://default.logto.app/api", scope: "all" };
    expect((await tokenRequest({ ...form, client_id: m2m.id, client_secret: m2m.secret })).status).toBe(200);
    const wrong = await tokenRequest(form, { id: m2m.id, secret: "nope" });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe("invalid_client");
  });

  it("answers 401 with Logto's codes without a valid token", async () => {
    const missing = await api("/api/applications", { token: null });
    expect(missing).toMatchObject({ status: 401, body: { code: "auth.authorization_header_missing" } });
    const garbage = await api("/api/applications", { token: "not-a-jwt" });
    expect(garbage).toMatchObject({ status: 401, body: { code: "auth.unauthorized" } });
  });

  it("creates and finds a Traditional app; secrets are server-made; PATCH replaces JSON columns", async () => {
    const created = await api("/api/applications", {
      body: {
        name: "App",
        type: "Traditional",
        description: "test",
        oidcClientMetadata: { redirectUris: [`${APP}/api/auth/callback/logto`], postLogoutRedirectUris: [`${APP}/`] },
        customData: { managedBy: "wechat-logto-stack" },
      },
    });
    expect(created.status).toBe(200);
    expect(created.body).not.toHaveProperty("secret");
    expect(created.body).toMatchObject({ type: "Traditional", customData: { managedBy: "wechat-logto-stack" } });
    const id = created.body.id as string;

    const listed = await api("/api/applications?types=Traditional");
    expect(listed.body.map((app: { id: string }) => app.id)).toContain(id);
    expect((await api("/api/applications?types=MachineToMachine")).body.map((app: { id: string }) => app.id)).not.toContain(id);

    const secrets = await api(`/api/applications/${id}/secrets`);
    expect(secrets.status).toBe(200);
    expect(secrets.body[0]).toMatchObject({ name: "Default secret", applicationId: id });
    expect(secrets.body[0].value).toMatch(/^[\dA-Za-z]{32}$/);

    const patched = await api(`/api/applications/${id}`, {
      method: "PATCH",
      body: { oidcClientMetadata: { redirectUris: [`${APP}/cb`], postLogoutRedirectUris: [] } },
    });
    expect(patched.body.oidcClientMetadata).toEqual({ redirectUris: [`${APP}/cb`], postLogoutRedirectUris: [] });
    await api(`/api/applications/${id}`, {
      method: "PATCH",
      body: { oidcClientMetadata: { redirectUris: [`${APP}/api/auth/callback/logto`], postLogoutRedirectUris: [`${APP}/`] } },
    });
    expect((await api(`/api/applications/${id}`)).body).toMatchObject({ id, isAdmin: false });
  });

  it("404s an unknown id and 400s a body its guard refuses", async () => {
    expect(await api("/api/applications/does-not-exist")).toMatchObject({
      status: 404,
      body: { code: "entity.not_exists_with_id" },
    });
    expect(await api("/api/applications", { body: { name: 1 } })).toMatchObject({
      status: 400,
      body: { code: "guard.invalid_input" },
    });
  });

  it("sets up the WeChat connector with id wechat, refuses a second one (422), drops unknown targets", async () => {
    expect((await api("/api/connector-factories/wechat-web")).body).toMatchObject({ id: "wechat-web", target: "wechat" });
    const created = await api("/api/connectors", { body: { connectorId: "wechat-web", id: "wechat", config: WECHAT } });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ id: "wechat", connectorId: "wechat-web", target: "wechat", config: WECHAT });
    const second = await api("/api/connectors", { body: { connectorId: "wechat-web", config: WECHAT } });
    expect(second.status).toBe(422);
    expect((await api("/api/connectors?target=wechat")).body).toHaveLength(1);
    const patched = await api("/api/connectors/wechat", { method: "PATCH", body: { config: WECHAT } });
    expect(patched.body.config).toEqual(WECHAT);

    const sie = await api("/api/sign-in-exp", {
      method: "PATCH",
      body: {
        signUp: { identifiers: [], password: false, verify: false },
        signIn: { methods: [] },
        socialSignInConnectorTargets: ["wechat", "github"],
      },
    });
    expect(sie.status).toBe(200);
    expect(sie.body.socialSignInConnectorTargets).toEqual(["wechat"]);
  });

  it("deletes a connector (204, then 404) and drops its target from the sign-in experience, as Logto does", async () => {
    expect((await api("/api/sign-in-exp")).body.socialSignInConnectorTargets).toEqual(["wechat"]);
    expect(await api("/api/connectors/wechat", { method: "DELETE" })).toMatchObject({ status: 204 });
    expect(await api("/api/connectors/wechat", { method: "DELETE" })).toMatchObject({
      status: 404,
      body: { code: "entity.not_found" },
    });
    expect((await api("/api/connectors?target=wechat")).body).toEqual([]);
    expect((await api("/api/sign-in-exp")).body.socialSignInConnectorTargets).toEqual([]);
    // As it was, for the tests below.
    await api("/api/connectors", { body: { connectorId: "wechat-web", id: "wechat", config: WECHAT } });
    await api("/api/sign-in-exp", { method: "PATCH", body: { socialSignInConnectorTargets: ["wechat"] } });
  });

  it("loads connectors/wechat from core's connectors directory (factory wechat-web-oa, target wechat): refused beside wechat-web (422), takes its place under the same id", async () => {
    const factory = await api("/api/connector-factories/wechat-web-oa");
    expect(factory.body).toMatchObject({ id: "wechat-web-oa", target: "wechat", platform: "Web", type: "Social" });
    expect(factory.body.logo).toMatch(/^data:image\/svg\+xml;base64,/);
    const oaConfig = { ...WECHAT, oaAppId: "wx0000000000000002", oaAppSecret: "emulator-oa-secret-0000000000000002" };
    const beside = await api("/api/connectors", { body: { connectorId: "wechat-web-oa", config: oaConfig } });
    expect(beside).toMatchObject({ status: 422, body: { code: "connector.multiple_target_with_same_platform" } });
    expect(await api("/api/connectors/wechat", { method: "DELETE" })).toMatchObject({ status: 204 });
    // Its guard: the Official Account's two keys go together.
    const halfOa = await api("/api/connectors", { body: { connectorId: "wechat-web-oa", config: { ...WECHAT, oaAppId: "wx0000000000000002" } } });
    expect(halfOa).toMatchObject({ status: 400, body: { code: "connector.invalid_config" } });
    const created = await api("/api/connectors", { body: { connectorId: "wechat-web-oa", id: "wechat", config: oaConfig } });
    expect(created).toMatchObject({ status: 200, body: { id: "wechat", connectorId: "wechat-web-oa", target: "wechat", config: oaConfig } });
    // As it was, for the tests below.
    await api("/api/connectors/wechat", { method: "DELETE" });
    await api("/api/connectors", { body: { connectorId: "wechat-web", id: "wechat", config: WECHAT } });
    await api("/api/sign-in-exp", { method: "PATCH", body: { socialSignInConnectorTargets: ["wechat"] } });
  });
});

// On a real Logto the experience SPA takes these steps in the browser.
const experienceInBrowser = "needs the stand-in's server-rendered experience pages: covered by e2e scenarios 1-3 and 5 (tests/e2e)";

describe("Sign in with WeChat through the OIDC flow", () => {
  let client: { id: string; secret: string };

  const authorize = async (agent: Agent, extra: Record<string, string>) => {
    const verifier = randomBytes(32).toString("base64url");
    const params = new URLSearchParams({
      client_id: client.id,
      redirect_uri: `${APP}/api/auth/callback/logto`,
      response_type: "code",
      scope: "openid offline_access profile email",
      code_challenge: createHash("sha256").update(verifier).digest("base64url"),
      code_challenge_method: "S256",
      ...extra,
    });
    const res = await agent.request(`/oidc/auth?${params.toString()}`);
    expect(res.status).toBe(303);
    return { verifier, location: location(res) };
  };

  const signIn = async (agent: Agent, user: "alice" | "bob", extra: Record<string, string> = {}) => {
    const { verifier, location: interaction } = await authorize(agent, { direct_sign_in: "social:wechat", ...extra });
    const wechat = await follow(agent, interaction);
    expect(wechat).toMatch(/^https:\/\/open\.weixin\.qq\.com\/connect\/qrconnect\?/);
    const callback = await wechatConfirm(wechat, user);
    const back = await follow(agent, callback);
    expect(back.startsWith(`${APP}/api/auth/callback/logto?`)).toBe(true);
    const code = new URL(back).searchParams.get("code")!;
    return tokenRequest(
      { grant_type: "authorization_code", code, redirect_uri: `${APP}/api/auth/callback/logto`, code_verifier: verifier },
      client,
    );
  };

  beforeAll(async () => {
    client = await createClient("Flow app");
    await ensureWechatConnector();
    await api("/api/sign-in-exp", {
      method: "PATCH",
      body: { signUp: { identifiers: [], password: false, verify: false }, signIn: { methods: [] }, socialSignInConnectorTargets: ["wechat"] },
    });
  });

  it("direct_sign_in=social:wechat goes to the experience's /direct/social/wechat with the sign-in fallback", async () => {
    const { location: interaction } = await authorize(new Agent(logto.internalUrl, PUBLIC), { direct_sign_in: "social:wechat" });
    const url = new URL(interaction, PUBLIC);
    expect(url.pathname).toBe("/direct/social/wechat");
    expect(url.searchParams.get("fallback")).toBe("sign-in");
    expect(url.searchParams.get("app_id")).toBe(client.id);
  });

  it("without direct_sign_in the user lands on /sign-in", async () => {
    const { location: interaction } = await authorize(new Agent(logto.internalUrl, PUBLIC), {});
    expect(new URL(interaction, PUBLIC).pathname).toBe("/sign-in");
  });

  it("redirects to WeChat's qrconnect with appid, redirect_uri ${ENDPOINT}/callback/wechat, code, snsapi_login, state", async (ctx) => {
    if (logto.kind === "real") ctx.skip(experienceInBrowser);
    const agent = new Agent(logto.internalUrl, PUBLIC);
    const { location: interaction } = await authorize(agent, { direct_sign_in: "social:wechat" });
    const wechat = new URL(await follow(agent, interaction));
    expect(wechat.origin + wechat.pathname).toBe("https://open.weixin.qq.com/connect/qrconnect");
    expect(Object.fromEntries(wechat.searchParams)).toMatchObject({
      appid: WECHAT.appId,
      redirect_uri: `${PUBLIC}/callback/wechat`,
      response_type: "code",
      scope: "snsapi_login",
    });
    expect(wechat.searchParams.get("state")).toBeTruthy();
    expect(wechat.hash).toBe("");
  });

  it("registers a new WeChat user silently: ES384 ID token with name = nickname, picture = headimgurl", async (ctx) => {
    if (logto.kind === "real") ctx.skip(experienceInBrowser);
    const { status, body } = await signIn(new Agent(logto.internalUrl, PUBLIC), "alice", { prompt: "consent" });
    expect(status).toBe(200);
    expect(decode(body.id_token, 0).alg).toBe("ES384");
    const claims = decode(body.id_token);
    expect(claims).toMatchObject({
      iss: `${PUBLIC}/oidc`,
      aud: client.id,
      name: "Alice 爱丽丝",
      picture: "https://thirdwx.qlogo.cn/mmopen/vi_32/emulator-alice/132",
      username: null,
    });
    expect(body.refresh_token).toBeTruthy();
    const users = await api("/api/users");
    const alice = users.body.filter((user: any) => user.identities?.wechat?.userId === "u-alice");
    expect(alice).toHaveLength(1);
    expect(alice[0]).toMatchObject({ id: claims.sub, name: "Alice 爱丽丝" });
    expect(alice[0].identities.wechat.details).toMatchObject({ id: "u-alice", name: "Alice 爱丽丝" });
  });

  it("reuses the same Logto user on the next sign-in; no refresh token without prompt=consent", async (ctx) => {
    if (logto.kind === "real") ctx.skip(experienceInBrowser);
    const first = await signIn(new Agent(logto.internalUrl, PUBLIC), "alice", { prompt: "consent" });
    const second = await signIn(new Agent(logto.internalUrl, PUBLIC), "alice");
    expect(decode(second.body.id_token).sub).toBe(decode(first.body.id_token).sub);
    expect(second.body.refresh_token).toBeUndefined();
    expect(first.body.refresh_token).toBeTruthy();
    const refreshed = await tokenRequest({ grant_type: "refresh_token", refresh_token: first.body.refresh_token as string }, client);
    expect(refreshed.status).toBe(200);
    expect(decode(refreshed.body.id_token).sub).toBe(decode(first.body.id_token).sub);
    const users = await api("/api/users");
    expect(users.body.filter((user: any) => user.identities?.wechat?.userId === "u-alice")).toHaveLength(1);
  });

  it("a WeChat token error leaves the user on /sign-in with Logto's message, no user made, and a retry works", async (ctx) => {
    if (logto.kind === "real") ctx.skip(experienceInBrowser);
    const control = emulatorControl(emulator.controlUrl);
    const agent = new Agent(logto.internalUrl, PUBLIC);
    const before = (await api("/api/users")).body.length as number;
    const { location: interaction } = await authorize(agent, { direct_sign_in: "social:wechat" });
    const wechat = await follow(agent, interaction);
    await control.addFault({ endpoint: "access_token", errcode: 40029 });
    const landed = await follow(agent, await wechatConfirm(wechat, "bob"));
    expect(new URL(landed, PUBLIC).pathname).toBe("/sign-in");
    const page = agent.lastPage!;
    expect(page.body).toContain('role="toast"');
    expect(page.body).toContain("Unable to get access token, please check authorization code.");
    expect((await api("/api/users")).body).toHaveLength(before);

    // Retry from the sign-in page's WeChat button (the interaction is still alive).
    const button = /action="(\/sign-in\/social\/wechat)"/.exec(page.body)?.[1];
    expect(button).toBeTruthy();
    const again = await agent.request(button!, { form: {} });
    const back = await follow(agent, await wechatConfirm(location(again), "bob"));
    expect(back.startsWith(`${APP}/api/auth/callback/logto?code=`)).toBe(true);
    expect((await api("/api/users")).body).toHaveLength(before + 1);
  });

  it("ends the session with id_token_hint and a registered post_logout_redirect_uri", async (ctx) => {
    if (logto.kind === "real") ctx.skip(experienceInBrowser);
    const agent = new Agent(logto.internalUrl, PUBLIC);
    const { body } = await signIn(agent, "alice");
    const end = await agent.request(
      `/oidc/session/end?${new URLSearchParams({ id_token_hint: body.id_token as string, post_logout_redirect_uri: `${APP}/` }).toString()}`,
    );
    expect(end.status).toBe(200);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(end.body)?.[1];
    expect(end.body).toContain("document.getElementById('op.logoutForm').submit()");
    const confirm = await agent.request("/oidc/session/end/confirm", { form: { xsrf: xsrf!, logout: "yes" } });
    expect(confirm.status).toBe(303);
    expect(location(confirm)).toBe(`${APP}/`);
    // Signed out: the next authorization asks for sign-in again instead of issuing a code.
    const { location: next } = await authorize(agent, {});
    expect(new URL(next, PUBLIC).pathname).toBe("/sign-in");
  });

  it("refuses an unregistered post_logout_redirect_uri", async () => {
    const agent = new Agent(logto.internalUrl, PUBLIC);
    const res = await agent.request(
      `/oidc/session/end?${new URLSearchParams({ client_id: client.id, post_logout_redirect_uri: "https://evil.test/" }).toString()}`,
    );
    expect(res.status).toBe(400);
  });
});

describe("Admin console sign-in (admin tenant on ADMIN_ENDPOINT)", () => {
  const username = "admin";
  const password = `Pw-${randomBytes(8).toString("hex")}`;

  beforeAll(async () => {
    // What the seed does for the first console admin (mirrors Logto's provision-library).
    const { argon2i } = await import("hash-wasm");
    const hash = await argon2i({
      password,
      salt: randomBytes(16),
      iterations: 8,
      parallelism: 1,
      memorySize: 8192,
      hashLength: 32,
      outputType: "encoded",
    });
    const db = "logto_standin_test";
    await pg.query(
      `insert into users (tenant_id, id, username, password_encrypted, password_encryption_method)
       values ('admin', 'consoleadmin', $1, $2, 'Argon2i')`,
      [username, hash],
      db,
    );
    await pg.query(
      `insert into users_roles (tenant_id, id, user_id, role_id)
       select 'admin', 'ur-' || name, 'consoleadmin', id from roles where tenant_id = 'admin' and name in ('user', 'default:admin')`,
      [],
      db,
    );
    await pg.query("update sign_in_experiences set sign_in_mode = 'SignIn' where tenant_id = 'admin'", [], db);
  });

  it("the seeded admin signs in with username and password and reaches the console", async (ctx) => {
    if (logto.kind === "real") ctx.skip("needs the console SPA: covered by e2e scenario 8 (tests/e2e/admin-console.test.ts)");
    const agent = new Agent(logto.adminInternalUrl, ADMIN_PUBLIC);
    let res = await agent.request("/console");
    expect(location(res)).toBe("/console/get-started");
    res = await agent.request("/console/get-started");
    const authorize = new URL(location(res), ADMIN_PUBLIC);
    expect(authorize.pathname).toBe("/oidc/auth");
    expect(authorize.searchParams.get("client_id")).toBe("admin-console");
    res = await agent.request(authorize.pathname + authorize.search);
    const signInPage = new URL(location(res), ADMIN_PUBLIC);
    expect(signInPage.pathname).toBe("/sign-in");
    const page = await agent.request(signInPage.pathname + signInPage.search);
    expect(page.body).toContain('name="identifier"');
    expect(page.body).toContain('name="password"');
    expect(page.body).not.toContain("/register");

    // A wrong password: back on /sign-in (as Logto's app stays there), the error under the form.
    const wrong = await agent.request("/sign-in/password", { form: { identifier: username, password: "wrong" } });
    expect(wrong.status).toBe(303);
    expect(location(wrong)).toBe("/sign-in");
    expect((await agent.request("/sign-in")).body).toContain("Incorrect account or password.");

    res = await agent.request("/sign-in/password", { form: { identifier: username, password } });
    let next = location(res);
    for (let hop = 0; hop < 6 && !next.includes("/console/callback"); hop++) {
      res = await agent.request(next);
      next = location(res);
    }
    const callback = new URL(next, ADMIN_PUBLIC);
    expect(callback.origin + callback.pathname).toBe(`${ADMIN_PUBLIC}/console/callback`);
    const page2 = await agent.request(callback.pathname + callback.search);
    // The console exchanges the code in the browser; do what its script does.
    const tokenForm = JSON.parse(/new URLSearchParams\((\{.*?\})\)/.exec(page2.body)![1]!) as Record<string, string>;
    const token = await agent.request("/oidc/token", { form: tokenForm });
    const tokens = JSON.parse(token.body) as Record<string, string>;
    expect(decode(tokens.id_token!)).toMatchObject({ sub: "consoleadmin", username, iss: `${ADMIN_PUBLIC}/oidc` });
    const session = await httpRequest(`${logto.adminInternalUrl}/console/session`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-forwarded-proto": "https",
        "x-forwarded-host": "admin.stack.test",
      },
      body: JSON.stringify({ idToken: tokens.id_token }),
    });
    expect(session.status).toBe(204);
    const cookie = String(session.headers["set-cookie"]).split(";")[0]!;
    agent.cookies.set(cookie.split("=")[0]!, cookie.slice(cookie.indexOf("=") + 1));
    const console = await agent.request("/console/get-started");
    expect(console.status).toBe(200);
    expect(console.body).toContain(username);
  });

  it("a fresh visitor cannot register a second admin", async () => {
    const agent = new Agent(logto.adminInternalUrl, ADMIN_PUBLIC);
    // No sign-in in progress: Logto's app shows "Session not found" (/unknown-session); with one, /sign-in.
    if (logto.kind !== "real") expect(location(await agent.request("/register"))).toBe("/unknown-session");
    const res = await agent.request("/register", {
      form: { identifier: "intruder", newPassword: "Intruder-123456", confirmPassword: "Intruder-123456" },
    });
    expect([302, 303]).toContain(res.status);
    const users = await pg.query("select username from users where tenant_id = 'admin'", [], "logto_standin_test");
    expect(users.rows.map((row) => row.username)).toEqual([username]);
  });
});

describe("Social sign-up when the sign-up policy asks for a username (socialSignIn.skipRequiredIdentifiers)", () => {
  let client: { id: string; secret: string };
  // Logto's seeded sign-up policy (packages/schemas/src/seeds/sign-in-experience.ts).
  const usernamePolicy = {
    signUp: { identifiers: ["username"], password: true, verify: false },
    signIn: { methods: [{ identifier: "username", password: true, verificationCode: false, isPasswordPrimary: true }] },
  };
  const callback = `${APP}/api/auth/callback/logto`;

  type SignUp = { agent: Agent; verifier: string } & (
    | { step: "signed-in"; redirect: string }
    | { step: "username"; path: string; verificationId?: string }
  );

  /**
   * A new WeChat user signs in to the app. Stand-in: its server-rendered pages. Real Logto: the
   * calls its experience SPA makes to /api/experience (packages/experience; a `user.missing_profile`
   * 422 naming `username` is what the SPA turns into /continue/username, see
   * use-required-profile-error-handler.ts).
   */
  const wechatSignUp = async (user: "alice" | "bob"): Promise<SignUp> => {
    const agent = new Agent(logto.internalUrl, PUBLIC);
    const verifier = randomBytes(32).toString("base64url");
    const params = new URLSearchParams({
      client_id: client.id,
      redirect_uri: callback,
      response_type: "code",
      scope: "openid profile",
      code_challenge: createHash("sha256").update(verifier).digest("base64url"),
      code_challenge_method: "S256",
      ...(logto.kind === "real" ? {} : { direct_sign_in: "social:wechat" }),
    });
    const authorization = await agent.request(`/oidc/auth?${params.toString()}`);
    expect(authorization.status).toBe(303);

    if (logto.kind !== "real") {
      const wechat = await follow(agent, location(authorization));
      const landed = await follow(agent, await wechatConfirm(wechat, user));
      if (landed.startsWith(`${callback}?`)) return { agent, verifier, step: "signed-in", redirect: landed };
      expect(agent.lastPage?.status).toBe(200);
      return { agent, verifier, step: "username", path: new URL(landed, PUBLIC).pathname };
    }

    const api = (path: string, method: string, json?: unknown) =>
      agent.request(path, { method, json: json ?? {}, headers: { "logto-app-id": client.id } });
    expect((await api("/api/experience", "PUT", { interactionEvent: "SignIn" })).status).toBe(204);
    const state = randomBytes(8).toString("hex");
    const created = await api("/api/experience/verification/social/wechat/authorization-uri", "POST", {
      state,
      redirectUri: `${PUBLIC}/callback/wechat`,
    });
    expect(created.status, created.body).toBe(200);
    const { authorizationUri, verificationId } = JSON.parse(created.body) as { authorizationUri: string; verificationId: string };
    const back = new URL(await wechatConfirm(authorizationUri, user));
    expect(back.origin + back.pathname).toBe(`${PUBLIC}/callback/wechat`);
    const verified = await api("/api/experience/verification/social/wechat/verify", "POST", {
      verificationId,
      connectorData: { ...Object.fromEntries(back.searchParams), redirectUri: `${PUBLIC}/callback/wechat` },
    });
    expect(verified.status, verified.body).toBe(200);
    // A new identity: sign-in says "no such user", the SPA switches the interaction to Register.
    const signIn = await api("/api/experience/identification", "POST", { verificationId });
    expect(signIn.status, signIn.body).toBe(404);
    expect(JSON.parse(signIn.body)).toMatchObject({ code: "user.identity_not_exist" });
    expect((await api("/api/experience/interaction-event", "PUT", { interactionEvent: "Register" })).status).toBe(204);
    const register = await api("/api/experience/identification", "POST", { verificationId });
    if (register.status === 422) {
      expect(JSON.parse(register.body)).toMatchObject({ code: "user.missing_profile", data: { missingProfile: ["username"] } });
      return { agent, verifier, step: "username", path: "/continue/username", verificationId };
    }
    expect(register.status, register.body).toBe(201); // Register: the user is created here
    return { agent, verifier, step: "signed-in", redirect: await submit(agent) };
  };

  /** Real Logto: submit the interaction and follow it back to the app. */
  const submit = async (agent: Agent) => {
    const submitted = await agent.request("/api/experience/submit", { method: "POST", json: {}, headers: { "logto-app-id": client.id } });
    expect(submitted.status, submitted.body).toBe(200);
    return follow(agent, (JSON.parse(submitted.body) as { redirectTo: string }).redirectTo);
  };

  /** Answers the username step (the form of the stand-in, /api/experience/profile on Logto). */
  const chooseUsername = async (signUp: Extract<SignUp, { step: "username" }>, username: string) => {
    const { agent } = signUp;
    if (logto.kind !== "real") {
      const res = await agent.request("/continue/username", { form: { identifier: username } });
      return follow(agent, location(res));
    }
    const headers = { "logto-app-id": client.id };
    const profile = await agent.request("/api/experience/profile", { method: "POST", json: { type: "username", value: username }, headers });
    expect(profile.status, profile.body).toBe(204);
    const identified = await agent.request("/api/experience/identification", { method: "POST", json: {}, headers });
    expect(identified.status, identified.body).toBe(201);
    return submit(agent);
  };

  const idToken = async (redirect: string, verifier: string) => {
    expect(redirect.startsWith(`${callback}?`), redirect).toBe(true);
    const code = new URL(redirect).searchParams.get("code")!;
    const { status, body } = await tokenRequest(
      { grant_type: "authorization_code", code, redirect_uri: callback, code_verifier: verifier },
      client,
    );
    expect(status).toBe(200);
    return decode(body.id_token as string);
  };

  const wechatUsers = async (openid: string) =>
    ((await api("/api/users")).body as any[]).filter((user) => user.identities?.wechat?.userId === openid);

  const forgetWechatUser = (openid: string) =>
    pg.query(`delete from users where tenant_id = 'default' and identities->'wechat'->>'userId' = $1`, [openid], "logto_standin_test");

  beforeAll(async () => {
    client = await createClient("Username policy app");
    await ensureWechatConnector();
    const patched = await api("/api/sign-in-exp", {
      method: "PATCH",
      body: { ...usernamePolicy, socialSignInConnectorTargets: ["wechat"], signInMode: "SignInAndRegister" },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
  });

  it("PATCH /api/sign-in-exp stores socialSignIn.skipRequiredIdentifiers and refuses a non-boolean (400)", async () => {
    for (const value of [true, false]) {
      const patched = await api("/api/sign-in-exp", { method: "PATCH", body: { socialSignIn: { skipRequiredIdentifiers: value } } });
      expect(patched.status).toBe(200);
      expect(patched.body.socialSignIn).toEqual({ skipRequiredIdentifiers: value });
      expect((await api("/api/sign-in-exp")).body.socialSignIn).toEqual({ skipRequiredIdentifiers: value });
    }
    const refused = await api("/api/sign-in-exp", { method: "PATCH", body: { socialSignIn: { skipRequiredIdentifiers: "yes" } } });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: "guard.invalid_input" });
  });

  it("true: a new WeChat user is registered at once, without a username", async () => {
    await api("/api/sign-in-exp", { method: "PATCH", body: { socialSignIn: { skipRequiredIdentifiers: true } } });
    await forgetWechatUser("o-bob");
    const signUp = await wechatSignUp("bob");
    expect(signUp.step).toBe("signed-in");
    if (signUp.step !== "signed-in") return;
    const claims = await idToken(signUp.redirect, signUp.verifier);
    const [bob, ...others] = await wechatUsers("o-bob");
    expect(others).toEqual([]);
    expect(bob).toMatchObject({ id: claims.sub, username: null, name: "Bob" });
  });

  it("false: a new WeChat user is sent to /continue/username, and registered with the name chosen there", async () => {
    await api("/api/sign-in-exp", { method: "PATCH", body: { socialSignIn: { skipRequiredIdentifiers: false } } });
    await forgetWechatUser("o-bob");
    const signUp = await wechatSignUp("bob");
    expect(signUp.step).toBe("username");
    if (signUp.step !== "username") return;
    expect(signUp.path).toBe("/continue/username");
    expect(await wechatUsers("o-bob")).toEqual([]);
    const claims = await idToken(await chooseUsername(signUp, "bob_wechat"), signUp.verifier);
    const [bob] = await wechatUsers("o-bob");
    expect(bob).toMatchObject({ id: claims.sub, username: "bob_wechat" });
  });
});
