// Requests per second and p99 latency with autocannon (in this process, one thread), against the
// app directly (plain HTTP on its port) and through Caddy (HTTPS, SNI and Host of the app's domain).
import { readFileSync } from "node:fs";
import autocannon from "autocannon";
import { httpRequest, type StackInfo } from "../harness/index.js";

export interface LoadTarget {
  label: string;
  path: string;
  /** "direct" = the app's own port, "caddy" = through Caddy. */
  via: "direct" | "caddy";
  cookie?: string;
}

export interface LoadResult extends LoadTarget {
  url: string;
  rps: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
}

function endpoint(stack: StackInfo, via: "direct" | "caddy", path: string) {
  if (via === "direct") {
    if (!stack.app) throw new Error("the app's own address is unknown (external stack without app.internalUrl)");
    return { url: `${stack.app.internalUrl}${path}`, headers: {} as Record<string, string>, servername: undefined };
  }
  const host = stack.domains.app;
  const address = stack.hosts[host] ?? "127.0.0.1";
  return { url: `https://${address}:${stack.httpsPort}${path}`, headers: { host: `${host}:${stack.httpsPort}` }, servername: host };
}

/** One request first: the page must answer 200 (a signed-in /account, not a redirect to sign-in). */
export async function checkTarget(stack: StackInfo, t: LoadTarget, expect?: RegExp): Promise<void> {
  const e = endpoint(stack, t.via, t.path);
  const url = t.via === "direct" ? e.url : `${stack.urls.app}${t.path}`;
  const res = await httpRequest(url, {
    headers: { ...(t.cookie ? { cookie: t.cookie } : {}) },
    ca: stack.caFiles.map((f) => readFileSync(f, "utf8")),
    hosts: stack.hosts,
  });
  if (res.status !== 200) throw new Error(`${t.label} via ${t.via}: HTTP ${res.status} (location ${String(res.headers.location ?? "-")})`);
  if (expect && !expect.test(res.body)) throw new Error(`${t.label} via ${t.via}: 200 but the body lacks ${expect}`);
}

/** `durationS` seconds of load, or exactly `amount` requests when given. */
export async function load(stack: StackInfo, t: LoadTarget, o: { durationS: number; connections: number; amount?: number }): Promise<LoadResult> {
  const e = endpoint(stack, t.via, t.path);
  const result = await autocannon({
    url: e.url,
    connections: o.connections,
    ...(o.amount ? { amount: o.amount } : { duration: o.durationS }),
    timeout: 20,
    headers: { ...e.headers, ...(t.cookie ? { cookie: t.cookie } : {}), "accept-language": "en-US" },
    ...(e.servername ? { servername: e.servername } : {}),
  });
  return {
    ...t,
    url: e.url,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
