import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFileSync } from "node:fs";

import { defaultConfig } from "./config.js";
import { start, type Emulator } from "./server.js";
import type { EmulatorConfig } from "./types.js";
import { defaultApp } from "./users.js";

export type Reply = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** A test clock: starts at a fixed instant, moves only when told. */
const createClock = (start = Date.parse("2026-01-01T00:00:00Z")) => {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
};

export type TestEmulator = Awaited<ReturnType<typeof startTestEmulator>>;

/** The emulator on 127.0.0.1 (or `host`), free ports (or `port` for HTTPS), certificates in a temp dir, a controllable clock. */
export const startTestEmulator = async (o: { config?: EmulatorConfig; host?: string; port?: number } = {}) => {
  const dir = await mkdtemp(join(tmpdir(), "wechat-emulator-test-"));
  const clock = createClock();
  const lines: string[] = [];
  const emulator: Emulator = await start({
    config: o.config ?? defaultConfig("auth.stack.test"),
    host: o.host ?? "127.0.0.1",
    port: o.port ?? 0,
    controlHost: "127.0.0.1",
    controlPort: 0,
    certFile: join(dir, "emulator.crt"),
    keyFile: join(dir, "emulator.key"),
    caFile: join(dir, "ca.crt"),
    now: clock.now,
    log: (line) => lines.push(line),
  }).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  const ca = readFileSync(emulator.caFile, "utf8");

  /** An HTTPS request to the emulator as `host` (SNI and Host header), checked against its CA. */
  const send = (method: string, path: string, o2: { host?: string; body?: string; headers?: Record<string, string> } = {}) =>
    new Promise<Reply>((resolve, reject) => {
      const req = request(
        {
          host: o.host ?? "127.0.0.1",
          port: emulator.port,
          servername: o2.host ?? "api.weixin.qq.com",
          method,
          path,
          ca,
          headers: { Host: o2.host ?? "api.weixin.qq.com", ...o2.headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        }
      );
      req.on("error", reject);
      req.end(o2.body);
    });

  const api = async (path: string, params: Record<string, string>) => {
    const reply = await send("GET", `${path}?${new URLSearchParams(params).toString()}`);
    return { ...reply, json: JSON.parse(reply.body) as Record<string, unknown> };
  };

  const control = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${emulator.controlUrl}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } }),
    });
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as unknown) : undefined };
  };

  const qrconnectParams = (overrides: Record<string, string | undefined> = {}) => {
    const params: Record<string, string | undefined> = {
      appid: defaultApp.appid,
      redirect_uri: "https://auth.stack.test/callback/wechat",
      response_type: "code",
      scope: "snsapi_login",
      state: "state-123",
      ...overrides,
    };
    return new URLSearchParams(Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined));
  };

  const openQrPage = (overrides: Record<string, string | undefined> = {}) =>
    send("GET", `/connect/qrconnect?${qrconnectParams(overrides).toString()}`, { host: "open.weixin.qq.com" });

  /** Open a full authorization URI (as a browser would) and confirm as `user`; returns the redirect. */
  const confirmAt = async (authorizationUri: string, user: string) => {
    const url = new URL(authorizationUri);
    const page = await send("GET", `${url.pathname}${url.search}`, { host: url.hostname });
    const uuid = /name="uuid" value="([^"]+)"/.exec(page.body)?.[1];
    if (!uuid) throw new Error(`no QR session on the page: ${page.body.slice(0, 500)}`);
    const reply = await send("POST", "/connect/qrconnect/confirm", {
      host: url.hostname,
      body: new URLSearchParams({ uuid, user }).toString(),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    if (reply.status !== 302) throw new Error(`no redirect after confirm: ${reply.status} ${reply.body.slice(0, 300)}`);
    return new URL(String(reply.headers.location));
  };

  /** The browser's part: open the QR page and press a button; returns the confirm reply. */
  const pressButton = async (button: { user: string } | { deny: true }, overrides: Record<string, string | undefined> = {}) => {
    const page = await openQrPage(overrides);
    const uuid = /name="uuid" value="([^"]+)"/.exec(page.body)?.[1];
    if (!uuid) throw new Error(`no QR session on the page: ${page.body.slice(0, 500)}`);
    const form = new URLSearchParams({ uuid, ...("user" in button ? { user: button.user } : { deny: "1" }) });
    const reply = await send("POST", "/connect/qrconnect/confirm", {
      host: "open.weixin.qq.com",
      body: form.toString(),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    return { page, uuid, reply };
  };

  /** Confirm as a user and return the code from the redirect. */
  const authorize = async (user = "alice") => {
    const { reply } = await pressButton({ user });
    const location = reply.headers.location;
    if (reply.status !== 302 || typeof location !== "string") throw new Error(`no redirect: ${reply.status} ${reply.body}`);
    const code = new URL(location).searchParams.get("code");
    if (!code) throw new Error(`no code in ${location}`);
    return code;
  };

  const exchange = (code: string, overrides: Record<string, string> = {}) =>
    api("/sns/oauth2/access_token", {
      appid: defaultApp.appid,
      secret: defaultApp.secret,
      code,
      grant_type: "authorization_code",
      ...overrides,
    });

  return {
    emulator,
    clock,
    lines,
    ca,
    send,
    api,
    control,
    openQrPage,
    confirmAt,
    pressButton,
    authorize,
    exchange,
    stop: async () => {
      await emulator.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
};
