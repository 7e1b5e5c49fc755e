// A WeChat sign-in without a browser: the HTTP requests a browser makes, in the same order, to the
// same public URLs (through Caddy): the OIDC authorization request with direct_sign_in, the
// experience API calls of Logto's sign-in page (packages/experience: initInteraction,
// getSocialAuthorizationUrl, verifySocialVerification, identifyUser, submitInteraction, consent),
// the emulator's QR page and confirm, the WeChat callback, and the code exchange; then refreshes.
// Needs a real Logto: the stand-in has no experience API.
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { httpRequest, managementApi, type HttpResponse, type StackInfo } from "../harness/index.js";

export interface BenchClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  close(): Promise<void>;
}

/** A Traditional app whose redirect URI is never fetched: the code is read from the Location. */
export async function registerBenchClient(stack: StackInfo): Promise<BenchClient> {
  const api = await managementApi(stack);
  const redirectUri = "http://127.0.0.1:9/bench-callback";
  const app = await api.post<{ id: string }>("/api/applications", {
    name: "bench server-side sign-in",
    type: "Traditional",
    oidcClientMetadata: { redirectUris: [redirectUri], postLogoutRedirectUris: [] },
  });
  const secrets = await api.get<Array<{ value: string }>>(`/api/applications/${encodeURIComponent(app.id)}/secrets`);
  const clientSecret = secrets[0]?.value;
  if (!clientSecret) throw new Error("bench client: Logto returned no secret for the new application");
  return {
    clientId: app.id,
    clientSecret,
    redirectUri,
    close: () => api.delete(`/api/applications/${encodeURIComponent(app.id)}`).then(() => undefined),
  };
}

/** Cookies per host, as a browser keeps them (enough for Logto's and the emulator's). */
class Jar {
  private readonly byHost = new Map<string, Map<string, string>>();
  header(url: URL): string {
    return [...(this.byHost.get(url.hostname) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join("; ");
  }
  store(url: URL, response: HttpResponse): void {
    const raw = response.headers["set-cookie"];
    const lines = Array.isArray(raw) ? raw : raw ? [raw] : [];
    const jar = this.byHost.get(url.hostname) ?? new Map<string, string>();
    for (const line of lines) {
      const pair = line.split(";")[0] ?? "";
      const i = pair.indexOf("=");
      if (i > 0) jar.set(pair.slice(0, i).trim(), pair.slice(i + 1));
    }
    this.byHost.set(url.hostname, jar);
  }
}

export interface ServerSignIn {
  ms: number;
  requests: number;
  registered: boolean;
  refreshToken: string;
}

export class SignInError extends Error {}

export function serverSignInDriver(stack: StackInfo, client: BenchClient) {
  const ca = stack.caFiles.map((f) => readFileSync(f, "utf8"));
  const logto = stack.urls.logto;
  const basic = `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString("base64")}`;

  const send = async (jar: Jar, count: { n: number }, url: string, o: { method?: string; json?: unknown; form?: Record<string, string>; headers?: Record<string, string> } = {}) => {
    const target = new URL(url);
    const headers: Record<string, string> = { "accept-language": "en-US", ...o.headers };
    const cookie = jar.header(target);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (o.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(o.json);
    } else if (o.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(o.form).toString();
    }
    const response = await httpRequest(url, { method: o.method ?? "GET", headers, ...(body === undefined ? {} : { body }), ca, hosts: stack.hosts, timeoutMs: 60_000 });
    count.n++;
    jar.store(target, response);
    return response;
  };
  const expectStatus = (what: string, r: HttpResponse, ...ok: number[]) => {
    if (!ok.includes(r.status)) throw new SignInError(`${what}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
    return r;
  };
  const location = (what: string, r: HttpResponse, base: string) => {
    const l = r.headers.location;
    if (typeof l !== "string") throw new SignInError(`${what}: HTTP ${r.status} without Location ${r.body.slice(0, 200)}`);
    return new URL(l, base).toString();
  };

  /** One sign-in as the emulator's `user`, from the authorization request to the tokens. */
  async function signIn(user = "alice"): Promise<ServerSignIn> {
    const jar = new Jar();
    const count = { n: 0 };
    const t0 = performance.now();
    const verifier = randomBytes(32).toString("base64url");
    const auth = new URL(`${stack.urls.issuer}/auth`);
    auth.search = new URLSearchParams({
      client_id: client.clientId,
      redirect_uri: client.redirectUri,
      response_type: "code",
      scope: "offline_access openid email profile",
      prompt: "consent",
      code_challenge: createHash("sha256").update(verifier).digest("base64url"),
      code_challenge_method: "S256",
      state: randomBytes(16).toString("base64url"),
      direct_sign_in: "social:wechat",
    }).toString();
    const direct = location("authorization request", expectStatus("authorization request", await send(jar, count, auth.toString()), 302, 303), logto);
    expectStatus("direct sign-in page", await send(jar, count, direct), 200);
    const app = { "logto-app-id": client.clientId };
    expectStatus("PUT /api/experience", await send(jar, count, `${logto}/api/experience`, { method: "PUT", json: { interactionEvent: "SignIn" }, headers: app }), 204);
    const state = randomBytes(8).toString("hex");
    const redirectUri = `${logto}/callback/wechat`;
    const authorization = expectStatus("authorization-uri", await send(jar, count, `${logto}/api/experience/verification/social/wechat/authorization-uri`, { method: "POST", json: { state, redirectUri }, headers: app }), 200);
    const { authorizationUri, verificationId } = JSON.parse(authorization.body) as { authorizationUri: string; verificationId: string };
    const qr = expectStatus("QR page", await send(jar, count, authorizationUri), 200);
    const uuid = /name="uuid" value="([^"]+)"/.exec(qr.body)?.[1];
    if (!uuid) throw new SignInError(`QR page without a session: ${qr.body.slice(0, 200)}`);
    const confirm = expectStatus("confirm", await send(jar, count, new URL("/connect/qrconnect/confirm", authorizationUri).toString(), { method: "POST", form: { uuid, user } }), 302);
    const callback = new URL(location("confirm", confirm, authorizationUri));
    expectStatus("WeChat callback page", await send(jar, count, callback.toString()), 200);
    const verified = expectStatus("verify", await send(jar, count, `${logto}/api/experience/verification/social/wechat/verify`, {
      method: "POST",
      json: { verificationId, connectorData: { redirectUri, ...Object.fromEntries(callback.searchParams) } },
      headers: app,
    }), 200);
    const socialId = (JSON.parse(verified.body) as { verificationId: string }).verificationId;
    let identified = await send(jar, count, `${logto}/api/experience/identification`, { method: "POST", json: { verificationId: socialId }, headers: app });
    let registered = false;
    if (identified.status === 404 && /user\.identity_not_exist/.test(identified.body)) {
      // A first sign-in: the page registers the WeChat user (useSocialRegister).
      expectStatus("interaction-event Register", await send(jar, count, `${logto}/api/experience/interaction-event`, { method: "PUT", json: { interactionEvent: "Register" }, headers: app }), 204);
      identified = await send(jar, count, `${logto}/api/experience/identification`, { method: "POST", json: { verificationId: socialId }, headers: app });
      registered = true;
    }
    expectStatus("identification", identified, 201, 204);
    const submitted = expectStatus("submit", await send(jar, count, `${logto}/api/experience/submit`, { method: "POST", headers: app }), 200);
    let next = (JSON.parse(submitted.body) as { redirectTo: string }).redirectTo;
    let code: string | null = null;
    for (let hop = 0; hop < 6 && !code; hop++) {
      const r = await send(jar, count, next);
      if (r.status === 200 && new URL(next).pathname === "/consent") {
        const consent = expectStatus("consent", await send(jar, count, `${logto}/api/interaction/consent`, { method: "POST", json: {}, headers: app }), 200);
        next = (JSON.parse(consent.body) as { redirectTo: string }).redirectTo;
        continue;
      }
      next = location(`redirect ${hop + 1}`, expectStatus(`redirect ${hop + 1}`, r, 302, 303), logto);
      if (next.startsWith(client.redirectUri)) code = new URL(next).searchParams.get("code");
    }
    if (!code) throw new SignInError(`no code after the redirects (last: ${next})`);
    const token = expectStatus("token exchange", await send(jar, count, `${stack.urls.issuer}/token`, {
      method: "POST",
      form: { grant_type: "authorization_code", code, redirect_uri: client.redirectUri, code_verifier: verifier },
      headers: { authorization: basic },
    }), 200);
    const tokens = JSON.parse(token.body) as { id_token?: string; refresh_token?: string };
    if (!tokens.id_token || !tokens.refresh_token) throw new SignInError(`token exchange without id_token or refresh_token: ${Object.keys(tokens).join(", ")}`);
    return { ms: performance.now() - t0, requests: count.n, registered, refreshToken: tokens.refresh_token };
  }

  /** One refresh as the app does it (Auth.js's refresh against /oidc/token); the next refresh token. */
  async function refresh(refreshToken: string): Promise<{ ms: number; refreshToken: string }> {
    const t0 = performance.now();
    const r = expectStatus("refresh", await send(new Jar(), { n: 0 }, `${stack.urls.issuer}/token`, {
      method: "POST",
      form: { grant_type: "refresh_token", refresh_token: refreshToken },
      headers: { authorization: basic },
    }), 200);
    const next = (JSON.parse(r.body) as { refresh_token?: string }).refresh_token ?? refreshToken;
    return { ms: performance.now() - t0, refreshToken: next };
  }

  return { signIn, refresh };
}
