// Sign-in timings: the whole WeChat sign-in through the stack (app -> Logto direct_sign_in ->
// emulator QR page -> Logto -> app session on /account), and the floor: the same WeChat flow
// against Logto alone, driven by a bare relying party started here (redirect to /oidc/auth with
// direct_sign_in=social:wechat, code exchange at /oidc/token, nothing else).
// Each sign-in gets a fresh browser context; stack and floor alternate in the same browser.
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, BrowserContext, Cookie, Request } from "playwright-core";
import { httpRequest, managementApi, type StackInfo } from "../harness/index.js";

export type Flow = "stack" | "floor";

export interface RequestTiming {
  key: string;
  resourceType: string;
  /** Time to first byte: responseStart - requestStart (ms), the server's share of the request. */
  ttfb: number;
}

export interface SignInSample {
  flow: Flow;
  /** Click on the sign-in button -> the signed-in page is there (ms). */
  totalMs: number;
  /** Click -> the emulator's confirm button is there. */
  toQrMs: number;
  /** Click on confirm -> the signed-in page is there. */
  fromConfirmMs: number;
  /** Sum of TTFB of the flow's documents and API calls (fetch/xhr), in the order they ran. */
  serverMs: number;
  requests: RequestTiming[];
}

const SERVER_TYPES = new Set(["document", "fetch", "xhr"]);
const WECHAT_USER = "alice";

/** "GET auth.stack.test /oidc/auth/:id": ids and the Caddy port taken out, so runs can be grouped. */
export function requestKey(method: string, url: string): string {
  const u = new URL(url);
  const path = u.pathname
    .split("/")
    .map((s) => (/^[A-Za-z0-9_-]{16,}$/.test(s) || /^[0-9a-f-]{32,}$/i.test(s) ? ":id" : s))
    .join("/");
  const host = u.port && !["443", "80"].includes(u.port) && /^127\./.test(u.hostname) ? "rp" : u.hostname;
  return `${method} ${host} ${path}`;
}

function recordRequests(context: BrowserContext): { start(): void; stop(): RequestTiming[] } {
  let recording = false;
  const seen: Array<{ req: Request; key: string; type: string }> = [];
  // Every request, finished or not: a server action's POST ends in a redirect that the page
  // follows by navigating away, which can cancel the fetch after its response headers arrived.
  context.on("request", (req) => {
    if (!recording) return;
    seen.push({ req, key: requestKey(req.method(), req.url()), type: req.resourceType() });
  });
  return {
    start: () => {
      recording = true;
    },
    stop: () => {
      recording = false;
      return seen.splice(0).map(({ req, key, type }) => {
        const t = req.timing();
        const ttfb = t.responseStart > 0 && t.requestStart >= 0 ? t.responseStart - t.requestStart : Number.NaN;
        return { key, resourceType: type, ttfb };
      });
    },
  };
}

/** The bare relying party of the floor: plain HTTP on 127.0.0.1, one Logto Traditional app. */
export interface FloorRp {
  url: string;
  clientId: string;
  close(): Promise<void>;
}

export async function startFloorRp(stack: StackInfo): Promise<FloorRp> {
  const ca = stack.caFiles.map((f) => readFileSync(f, "utf8"));
  const pending = new Map<string, string>(); // state -> code_verifier
  let clientId = "";
  let clientSecret = "";
  let redirectUri = "";
  const page = (status: number, body: string) => ({ status, body: `<!doctype html><html><head><title>floor</title></head><body>${body}</body></html>` });

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://rp");
      let out: { status: number; body: string; location?: string };
      if (req.method === "GET" && url.pathname === "/") {
        out = page(200, `<form method="post" action="/login"><button type="submit" data-testid="floor-signin">Sign in with WeChat</button></form>`);
      } else if (req.method === "POST" && url.pathname === "/login") {
        req.resume();
        const state = randomBytes(16).toString("base64url");
        const verifier = randomBytes(32).toString("base64url");
        pending.set(state, verifier);
        // The same parameters as the app's Auth.js Logto provider (scope, prompt=consent, PKCE S256).
        const auth = new URL(`${stack.urls.issuer}/auth`);
        auth.search = new URLSearchParams({
          client_id: clientId,
          redirect_uri: redirectUri,
          response_type: "code",
          scope: "offline_access openid email profile",
          prompt: "consent",
          code_challenge: createHash("sha256").update(verifier).digest("base64url"),
          code_challenge_method: "S256",
          state,
          direct_sign_in: "social:wechat",
        }).toString();
        out = { status: 303, body: "", location: auth.toString() };
      } else if (req.method === "GET" && url.pathname === "/callback") {
        const state = url.searchParams.get("state") ?? "";
        const verifier = pending.get(state);
        pending.delete(state);
        const code = url.searchParams.get("code");
        if (!verifier || !code) {
          out = page(400, `<p data-testid="floor-error">bad callback ${url.search}</p>`);
        } else {
          const token = await httpRequest(`${stack.urls.issuer}/token`, {
            method: "POST",
            headers: {
              "content-type": "application/x-www-form-urlencoded",
              authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString("base64")}`,
            },
            body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: verifier }).toString(),
            ca,
            hosts: stack.hosts,
            timeoutMs: 15_000,
          });
          const ok = token.status === 200 && typeof (JSON.parse(token.body) as { id_token?: string }).id_token === "string";
          out = ok ? page(200, `<p data-testid="floor-done">signed in</p>`) : page(502, `<p data-testid="floor-error">token ${token.status} ${token.body.slice(0, 300)}</p>`);
        }
      } else {
        req.resume();
        out = page(404, "not found");
      }
      res.writeHead(out.status, { "content-type": "text/html; charset=utf-8", ...(out.location ? { location: out.location } : {}) });
      res.end(out.body);
    })().catch((error: unknown) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  redirectUri = `${url}/callback`;

  const api = await managementApi(stack);
  const app = await api.post<{ id: string }>("/api/applications", {
    name: "bench floor relying party",
    type: "Traditional",
    oidcClientMetadata: { redirectUris: [redirectUri], postLogoutRedirectUris: [] },
  });
  clientId = app.id;
  const secrets = await api.get<Array<{ value: string }>>(`/api/applications/${encodeURIComponent(app.id)}/secrets`);
  clientSecret = secrets[0]?.value ?? "";
  if (!clientSecret) throw new Error("floor RP: Logto returned no secret for the new application");
  return {
    url,
    clientId,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await api.delete(`/api/applications/${encodeURIComponent(app.id)}`).catch(() => {});
    },
  };
}

/** One sign-in in a fresh context. Returns the sample and, when asked, the context's cookies. */
export async function signInOnce(
  browser: Browser,
  flow: Flow,
  target: { appUrl: string; rpUrl?: string },
  o: { keepCookies?: boolean } = {},
): Promise<{ sample: SignInSample; cookies?: Cookie[] }> {
  const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(45_000);
  context.setDefaultNavigationTimeout(45_000);
  try {
    const page = await context.newPage();
    const recorder = recordRequests(context);
    const start = flow === "stack" ? `${target.appUrl}/` : `${target.rpUrl}/`;
    const button = flow === "stack" ? "signin-wechat" : "floor-signin";
    const done = flow === "stack" ? "account-nickname" : "floor-done";
    await page.goto(start);
    await page.getByTestId(button).waitFor();
    recorder.start();
    const t0 = performance.now();
    await page.getByTestId(button).click();
    const confirm = page.getByTestId(`confirm-${WECHAT_USER}`);
    await confirm.waitFor();
    const t1 = performance.now();
    await confirm.click();
    await page.getByTestId(done).waitFor();
    const t2 = performance.now();
    if (flow === "stack" && !new URL(page.url()).pathname.startsWith("/account")) {
      throw new Error(`stack sign-in ended on ${page.url()}, not /account`);
    }
    // requestfinished of the last document can come a moment after the element is there.
    await page.waitForLoadState("load").catch(() => {});
    const requests = recorder.stop();
    const serverMs = requests.filter((r) => SERVER_TYPES.has(r.resourceType) && Number.isFinite(r.ttfb)).reduce((a, r) => a + r.ttfb, 0);
    const sample: SignInSample = { flow, totalMs: t2 - t0, toQrMs: t1 - t0, fromConfirmMs: t2 - t1, serverMs, requests };
    return { sample, cookies: o.keepCookies ? await context.cookies(target.appUrl) : undefined };
  } finally {
    await context.close().catch(() => {});
  }
}

export { SERVER_TYPES };
