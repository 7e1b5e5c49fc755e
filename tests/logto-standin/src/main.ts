/**
 * Logto stand-in: one process, two listeners (PORT, ADMIN_PORT), tenants `default` and `admin`
 * chosen per request from the public URL like Logto's getTenantId. Same environment as the
 * Logto image: DB_URL, ENDPOINT, ADMIN_ENDPOINT, PORT, ADMIN_PORT, TRUST_PROXY_HEADER.
 *
 * Run on Node 22 (type stripping): `node tests/logto-standin/src/index.ts` (this module only exports).
 * The database must have been made by `logto db seed` (see ./seed-db.ts).
 */
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

import { adminTenantId, defaultTenantId } from "@logto/schemas";

import { loadConnectorFactories } from "./connectors.ts";
import { consoleRouter } from "./console.ts";
import { connect, type Db } from "./db.ts";
import { RequestError } from "./errors.ts";
import { experienceRouter } from "./experience.ts";
import { type Ctx, parseCookies, publicUrl, readBody, sendJson } from "./http.ts";
import { authenticate, managementApiRouter, type ApiTenant } from "./management-api.ts";
import { createProvider } from "./oidc.ts";
import { type Config, type TenantKeys, loadTenantKeys } from "./tenant.ts";

const yes = (value: string | undefined) => Boolean(value && !["0", "false", "no", "off", ""].includes(value.toLowerCase()));

export const configFromEnv = (env: NodeJS.ProcessEnv = process.env): Config => {
  if (!env.DB_URL) throw new Error("DB_URL is required (a database made by `logto db seed`)");
  const port = Number(env.PORT ?? 3001);
  const adminPort = Number(env.ADMIN_PORT ?? 3002);
  return {
    dbUrl: env.DB_URL,
    endpoint: new URL(env.ENDPOINT || `http://localhost:${port}`),
    adminEndpoint: new URL(env.ADMIN_ENDPOINT || `http://localhost:${adminPort}`),
    port,
    adminPort,
    trustProxy: yes(env.TRUST_PROXY_HEADER),
  };
};

type Tenant = {
  id: string;
  db: Db;
  issuer: string;
  keys: TenantKeys;
  provider: any;
  publicJwks: TenantKeys["publicJwks"];
  sessionKey: Buffer;
  trusted: ApiTenant["trusted"];
};

const withoutTrailingSlash = (url: URL) => url.href.replace(/\/+$/, "");

export const start = async (config: Config = configFromEnv()) => {
  const db = connect(config.dbUrl);
  await loadConnectorFactories();

  const makeTenant = async (id: string, endpoint: URL): Promise<Tenant> => {
    const keys = await loadTenantKeys(db, id);
    const issuer = `${withoutTrailingSlash(endpoint)}/oidc`;
    return {
      id,
      db,
      issuer,
      keys,
      publicJwks: keys.publicJwks,
      provider: createProvider({ db, tenantId: id, issuer, keys, config }),
      sessionKey: crypto.createHash("sha256").update(keys.cookieKeys.join(",")).digest(),
      trusted: async () => [],
    };
  };
  const tenants = {
    [defaultTenantId]: await makeTenant(defaultTenantId, config.endpoint),
    [adminTenantId]: await makeTenant(adminTenantId, config.adminEndpoint),
  };
  const admin = tenants[adminTenantId]!;
  const user = tenants[defaultTenantId]!;
  // Logto accepts admin-tenant tokens on the default tenant's Management API (console access).
  user.trusted = async () => [
    { issuer: user.issuer, keys: user.publicJwks },
    { issuer: admin.issuer, keys: admin.publicJwks },
  ];
  admin.trusted = async () => [{ issuer: admin.issuer, keys: admin.publicJwks }];

  const api = managementApiRouter();
  const experience = experienceRouter();
  const consoleRoutes = consoleRouter();

  const adminOrigins = new Set([config.adminEndpoint.origin, `http://localhost:${config.adminPort}`]);

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, listenerPort: number) => {
    const url = publicUrl(req, config.trustProxy);
    const loopbackOnAdminPort =
      listenerPort === config.adminPort && ["127.0.0.1", "[::1]", "localhost"].includes(url.hostname);
    const tenant = adminOrigins.has(url.origin) || loopbackOnAdminPort ? admin : user;
    const ctx: Ctx & { tenant: Tenant } = {
      req,
      res,
      url,
      method: req.method ?? "GET",
      params: {},
      body: undefined,
      cookies: parseCookies(req.headers.cookie),
      tenant,
    };

    try {
      if (url.pathname === "/oidc" || url.pathname.startsWith("/oidc/")) {
        // Mount oidc-provider under /oidc (its issuer path), like koa-mount in Logto.
        (req as any).originalUrl = req.url;
        req.url = req.url?.replace(/^\/oidc/, "") || "/";
        await tenant.provider.callback()(req, res);
        return;
      }
      if (url.pathname === "/api/status") {
        sendJson(ctx, 204, undefined);
        return;
      }

      const experienceHandler = experience.match(ctx);
      if (experienceHandler) {
        ctx.body = await readBody(req);
        await experienceHandler(ctx);
        return;
      }
      if (tenant.id === adminTenantId && (url.pathname === "/console" || url.pathname.startsWith("/console/"))) {
        const consoleHandler = consoleRoutes.match(ctx);
        if (consoleHandler) {
          ctx.body = await readBody(req);
          await consoleHandler(ctx);
          return;
        }
        ctx.params = {};
        ctx.url = new URL("/console/get-started", ctx.url);
        await consoleRoutes.match(ctx)!(ctx);
        return;
      }
      if (url.pathname.startsWith("/api/")) {
        const handler = api.match(ctx);
        await authenticate(ctx);
        if (!handler) {
          throw new RequestError({ code: "entity.not_found", status: 404 });
        }
        ctx.body = await readBody(req);
        await handler(ctx);
        return;
      }
      if (url.pathname === "/") {
        res.statusCode = 302;
        res.setHeader("location", tenant.id === adminTenantId ? "/console" : "/sign-in");
        res.end();
        return;
      }
      sendJson(ctx, 404, undefined);
    } catch (error: unknown) {
      if (res.headersSent) {
        res.end();
        return;
      }
      if (error instanceof RequestError) {
        sendJson(ctx, error.status, error.toBody());
        return;
      }
      if (error instanceof SyntaxError) {
        sendJson(ctx, 400, { message: error.message });
        return;
      }
      console.error("[logto-standin]", error);
      sendJson(ctx, 500, { message: "Internal server error." });
    }
  };

  const listen = (port: number) =>
    new Promise<http.Server>((resolve, reject) => {
      const server = http.createServer((req, res) => {
        // As Logto (its security headers, helmet's default HSTS) on every response of both ports:
        // the stack's Caddy must replace or remove it (caddy/snippets/tls-*).
        res.setHeader("strict-transport-security", "max-age=15552000; includeSubDomains");
        void handle(req, res, port);
      });
      server.once("error", reject);
      server.listen(port, () => resolve(server));
    });

  const servers = [await listen(config.port)];
  if (config.adminPort !== config.port) servers.push(await listen(config.adminPort));

  console.log(
    `[logto-standin] default tenant ${config.endpoint.href} on :${(servers[0]!.address() as AddressInfo).port}, ` +
      `admin tenant ${config.adminEndpoint.href} on :${config.adminPort}, issuer ${user.issuer}`,
  );

  return {
    config,
    close: async () => {
      await Promise.all(servers.map(async (server) => new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })));
      await db.close();
    },
  };
};
