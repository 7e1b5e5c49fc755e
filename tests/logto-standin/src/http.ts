/** A very small router and the request helpers the stand-in needs (no framework on purpose). */
import type { IncomingMessage, ServerResponse } from "node:http";
import querystring from "node:querystring";

import { RequestError } from "./errors.ts";

export type Ctx = {
  req: IncomingMessage;
  res: ServerResponse;
  /** The public URL of the request (X-Forwarded-* applied when TRUST_PROXY_HEADER is on). */
  url: URL;
  method: string;
  params: Record<string, string>;
  body: unknown;
  cookies: Record<string, string>;
};

export type Handler<T> = (ctx: Ctx & T) => Promise<void> | void;

type Route<T> = { method: string; regex: RegExp; keys: string[]; handler: Handler<T> };

export class Router<T> {
  #routes: Array<Route<T>> = [];

  add(method: string, path: string, handler: Handler<T>) {
    const keys: string[] = [];
    const pattern = path.replace(/:(\w+)/g, (_, key: string) => {
      keys.push(key);
      return "([^/]+)";
    });
    this.#routes.push({ method, regex: new RegExp(`^${pattern}/?$`), keys, handler });
    return this;
  }

  get(path: string, handler: Handler<T>) {
    return this.add("GET", path, handler);
  }

  post(path: string, handler: Handler<T>) {
    return this.add("POST", path, handler);
  }

  patch(path: string, handler: Handler<T>) {
    return this.add("PATCH", path, handler);
  }

  delete(path: string, handler: Handler<T>) {
    return this.add("DELETE", path, handler);
  }

  /** Returns the handler and fills ctx.params, or undefined when no route matches. */
  match(ctx: Ctx): Handler<T> | undefined {
    for (const route of this.#routes) {
      if (route.method !== ctx.method && !(route.method === "GET" && ctx.method === "HEAD")) continue;
      const found = route.regex.exec(ctx.url.pathname);
      if (!found) continue;
      ctx.params = Object.fromEntries(route.keys.map((key, i) => [key, decodeURIComponent(found[i + 1] ?? "")]));
      return route.handler;
    }
    return undefined;
  }
}

/** Koa's `app.proxy` behaviour: first value of X-Forwarded-Proto / X-Forwarded-Host. */
export const publicUrl = (req: IncomingMessage, trustProxy: boolean): URL => {
  const first = (value: string | string[] | undefined) =>
    (Array.isArray(value) ? value[0] : value)?.split(",")[0]?.trim() || undefined;
  const proto = (trustProxy && first(req.headers["x-forwarded-proto"])) || "http";
  const host = (trustProxy && first(req.headers["x-forwarded-host"])) || req.headers.host || "localhost";
  return new URL(req.url ?? "/", `${proto}://${host}`);
};

export const parseCookies = (header: string | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const index = part.indexOf("=");
    if (index < 0) continue;
    const key = part.slice(0, index).trim();
    if (!key || key in out) continue;
    try {
      out[key] = decodeURIComponent(part.slice(index + 1).trim());
    } catch {
      out[key] = part.slice(index + 1).trim();
    }
  }
  return out;
};

export const readBody = async (req: IncomingMessage): Promise<unknown> => {
  if (req.method === "GET" || req.method === "HEAD") return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1024 * 1024) throw new RequestError({ code: "request.invalid_input", status: 413, details: "body too large" });
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text) return undefined;
  const type = req.headers["content-type"] ?? "";
  if (type.includes("application/json")) {
    try {
      return JSON.parse(text) as unknown;
    } catch (error: unknown) {
      // Logto's koa-body answers 400 { message } for a malformed JSON body.
      throw Object.assign(new SyntaxError((error as Error).message), { expose: true });
    }
  }
  if (type.includes("application/x-www-form-urlencoded")) return { ...querystring.parse(text) };
  return text;
};

export const sendJson = (ctx: Ctx, status: number, body: unknown) => {
  ctx.res.statusCode = status;
  if (body === undefined) {
    ctx.res.end();
    return;
  }
  ctx.res.setHeader("content-type", "application/json; charset=utf-8");
  ctx.res.end(JSON.stringify(body));
};

export const sendHtml = (ctx: Ctx, status: number, html: string) => {
  ctx.res.statusCode = status;
  ctx.res.setHeader("content-type", "text/html; charset=utf-8");
  ctx.res.setHeader("cache-control", "no-store");
  ctx.res.end(html);
};

export const redirect = (ctx: Ctx, location: string, status = 302) => {
  ctx.res.statusCode = status;
  ctx.res.setHeader("location", location);
  ctx.res.end();
};

export const setCookie = (
  ctx: Ctx,
  name: string,
  value: string,
  options: { maxAge?: number; httpOnly?: boolean; path?: string } = {},
) => {
  const parts = [`${name}=${encodeURIComponent(value)}`, `path=${options.path ?? "/"}`, "samesite=lax"];
  if (options.httpOnly ?? true) parts.push("httponly");
  if (options.maxAge !== undefined) parts.push(`max-age=${options.maxAge}`);
  if (ctx.url.protocol === "https:") parts.push("secure");
  const previous = ctx.res.getHeader("set-cookie");
  const list = Array.isArray(previous) ? previous : previous ? [String(previous)] : [];
  ctx.res.setHeader("set-cookie", [...list, parts.join("; ")]);
};

export const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
