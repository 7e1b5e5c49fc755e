/**
 * The Management API subset the project's seed and tests use, validated by the same
 * `@logto/schemas` guards Logto's routes use (packages/core/src/routes/*), answering Logto's
 * shapes, status codes and `{ code, message }` errors. Add a route with `router.get/post/patch/delete`.
 */
import {
  ApplicationType,
  Applications,
  ApplicationSecrets,
  Connectors,
  SignInExperiences,
  Users,
  applicationCreateGuard,
  applicationPatchGuard,
  defaultApplicationSecretName,
  getManagementApiResourceIndicator,
  hasSecrets,
  internalPrefix,
  userInfoSelectFields,
} from "@logto/schemas";
import { createLocalJWKSet, jwtVerify, type JWK } from "jose";

import {
  connectorResponse,
  factoryResponse,
  findFactory,
  getLogtoConnectorById,
  getLogtoConnectors,
  loadConnectorFactories,
  validateConnectorConfig,
} from "./connectors.ts";
import {
  type Db,
  type Row,
  generateStandardId,
  generateStandardSecret,
  generateStandardShortId,
  insertRow,
  updateRow,
} from "./db.ts";
import { RequestError, assertThat } from "./errors.ts";
import { Router, sendJson, type Ctx } from "./http.ts";

export type ApiTenant = {
  id: string;
  db: Db;
  /** issuer + public keys whose tokens this tenant's API accepts (its own, plus admin's for default). */
  trusted: () => Promise<Array<{ issuer: string; keys: JWK[] }>>;
};

type ApiCtx = Ctx & { tenant: ApiTenant };

const guard = <T>(schema: { safeParse: (value: unknown) => { success: boolean; data?: T; error?: unknown } }, value: unknown, type: string): T => {
  const result = schema.safeParse(value);
  if (!result.success) throw new RequestError({ code: "guard.invalid_input", type }, result.error);
  return result.data as T;
};

const notFound = (table: string, id: string) =>
  new RequestError({ code: "entity.not_exists_with_id", name: table, id, status: 404 });

const applicationResponse = (row: Row) => {
  const { secret, ...rest } = Applications.guard.parse(row) as Row;
  return typeof secret === "string" && secret && !secret.startsWith(internalPrefix) ? { ...rest, secret } : rest;
};

const userResponse = (row: Row) => {
  const user = Users.guard.parse(row) as Row;
  return {
    ...Object.fromEntries(userInfoSelectFields.map((key) => [key, user[key]])),
    hasPassword: Boolean(user.passwordEncrypted),
  };
};

/** koaPagination: `page` (1-based) and `page_size`; sets Total-Number. */
const pagination = (ctx: Ctx, optional: boolean) => {
  const page = ctx.url.searchParams.get("page");
  const pageSize = ctx.url.searchParams.get("page_size");
  if (optional && page === null && pageSize === null) return undefined;
  const pageNumber = Number(page ?? 1);
  const size = Number(pageSize ?? 20);
  if (!Number.isInteger(pageNumber) || pageNumber < 1 || !Number.isInteger(size) || size < 1 || size > 100) {
    throw new RequestError({ code: "guard.invalid_pagination" });
  }
  return { limit: size, offset: (pageNumber - 1) * size };
};

const page = <T>(ctx: Ctx, rows: T[], window: { limit: number; offset: number } | undefined) => {
  if (!window) return rows;
  ctx.res.setHeader("total-number", String(rows.length));
  return rows.slice(window.offset, window.offset + window.limit);
};

const findApplication = async (tenant: ApiTenant, id: string) => {
  const row = await tenant.db.one("select * from applications where tenant_id = $1 and id = $2", [tenant.id, id]);
  if (!row) throw notFound("applications", id);
  return row;
};

export const authenticate = async (ctx: ApiCtx) => {
  const authorization = ctx.req.headers.authorization;
  assertThat(authorization, new RequestError({ code: "auth.authorization_header_missing", status: 401 }));
  assertThat(
    authorization.startsWith("Bearer "),
    new RequestError({ code: "auth.authorization_token_type_not_supported", status: 401 }),
  );
  const token = authorization.slice("Bearer ".length);
  const audience = getManagementApiResourceIndicator(ctx.tenant.id);
  let payload: Record<string, unknown> | undefined;
  for (const { issuer, keys } of await ctx.tenant.trusted()) {
    try {
      ({ payload } = await jwtVerify(token, createLocalJWKSet({ keys }), { issuer, audience }));
      break;
    } catch {
      // try the next trusted issuer
    }
  }
  assertThat(payload, new RequestError({ code: "auth.unauthorized", status: 401 }));
  assertThat(payload.sub, new RequestError({ code: "auth.jwt_sub_missing", status: 401 }));
  const scopes = String(payload.scope ?? "").split(" ");
  assertThat(scopes.includes("all"), new RequestError({ code: "auth.forbidden", status: 403 }));
};

export const managementApiRouter = () => {
  const router = new Router<{ tenant: ApiTenant }>();

  // --- applications (routes/applications/application.ts, application-secret.ts)
  router.get("/api/applications", async (ctx) => {
    const { db, id: tenantId } = ctx.tenant;
    const types = ctx.url.searchParams.getAll("types");
    for (const type of types) guard(Applications.guard.shape.type, type, "query");
    const isThirdParty = ctx.url.searchParams.get("isThirdParty");
    const search = ctx.url.searchParams.get("search");
    const window = pagination(ctx, true);
    const rows = await db.query(
      `select * from applications where tenant_id = $1
       and ($2::text[] is null or type::text = any($2))
       and ($3::boolean is null or is_third_party = $3)
       and ($4::text is null or id ilike $4 or name ilike $4 or description ilike $4)
       order by created_at desc`,
      [tenantId, types.length > 0 ? types : null, isThirdParty === null ? null : isThirdParty === "true", search],
    );
    sendJson(ctx, 200, page(ctx, rows.map(applicationResponse), window));
  });

  router.post("/api/applications", async (ctx) => {
    const { db, id: tenantId } = ctx.tenant;
    const body = guard<Record<string, any>>(applicationCreateGuard, ctx.body, "body");
    const { oidcClientMetadata, protectedAppMetadata: _protected, ...rest } = body;
    assertThat(rest.type !== ApplicationType.SAML, "application.saml.use_saml_app_api");
    const row = await insertRow(db, "applications", {
      tenantId,
      id: generateStandardId(),
      secret: internalPrefix + generateStandardSecret(),
      oidcClientMetadata: { redirectUris: [], postLogoutRedirectUris: [], ...oidcClientMetadata },
      customClientMetadata: rest.customClientMetadata ?? {},
      customData: rest.customData ?? {},
      name: rest.name,
      description: rest.description,
      type: rest.type,
      isThirdParty: rest.isThirdParty,
    });
    if (hasSecrets(rest.type)) {
      await insertRow(db, "application_secrets", {
        tenantId,
        applicationId: row.id,
        name: defaultApplicationSecretName,
        value: generateStandardSecret(),
      });
    }
    sendJson(ctx, 200, applicationResponse(row));
  });

  router.get("/api/applications/:id", async (ctx) => {
    const row = await findApplication(ctx.tenant, ctx.params.id ?? "");
    const isAdmin = await ctx.tenant.db.one(
      `select 1 from applications_roles ar join roles r on r.id = ar.role_id
       where ar.tenant_id = $1 and ar.application_id = $2 and r.name = '#internal:admin'`,
      [ctx.tenant.id, row.id],
    );
    sendJson(ctx, 200, { ...applicationResponse(row), isAdmin: Boolean(isAdmin) });
  });

  router.patch("/api/applications/:id", async (ctx) => {
    const { db, id: tenantId } = ctx.tenant;
    const id = ctx.params.id ?? "";
    const raw = (ctx.body ?? {}) as Record<string, unknown>;
    const { isAdmin: _isAdmin, ...patch } = raw;
    const body = guard<Record<string, unknown>>(applicationPatchGuard, patch, "body");
    await findApplication(ctx.tenant, id);
    const { protectedAppMetadata: _protected, ...columns } = body;
    const row = await updateRow(db, "applications", { tenantId, id }, columns);
    if (!row) throw notFound("applications", id);
    sendJson(ctx, 200, applicationResponse(row));
  });

  router.get("/api/applications/:id/secrets", async (ctx) => {
    const id = ctx.params.id ?? "";
    await findApplication(ctx.tenant, id);
    const rows = await ctx.tenant.db.query(
      "select * from application_secrets where tenant_id = $1 and application_id = $2 order by created_at",
      [ctx.tenant.id, id],
    );
    sendJson(ctx, 200, rows.map((row) => ApplicationSecrets.guard.parse(row)));
  });

  router.post("/api/applications/:id/secrets", async (ctx) => {
    const id = ctx.params.id ?? "";
    const body = guard<{ name: string; expiresAt?: number | null }>(
      ApplicationSecrets.createGuard.pick({ name: true, expiresAt: true }),
      ctx.body,
      "body",
    );
    await findApplication(ctx.tenant, id);
    const row = await insertRow(ctx.tenant.db, "application_secrets", {
      tenantId: ctx.tenant.id,
      applicationId: id,
      name: body.name,
      value: generateStandardSecret(),
      expiresAt: body.expiresAt ? new Date(body.expiresAt).toISOString() : undefined,
    });
    sendJson(ctx, 201, ApplicationSecrets.guard.parse(row));
  });

  // --- connectors (routes/connector/index.ts, factory.ts)
  router.get("/api/connector-factories", async (ctx) => {
    sendJson(ctx, 200, (await loadConnectorFactories()).map(factoryResponse));
  });

  router.get("/api/connector-factories/:id", async (ctx) => {
    const factory = await findFactory(ctx.params.id ?? "");
    assertThat(factory, new RequestError({ code: "entity.not_found", status: 404 }));
    sendJson(ctx, 200, factoryResponse(factory));
  });

  router.get("/api/connectors", async (ctx) => {
    const target = ctx.url.searchParams.get("target");
    const connectors = await getLogtoConnectors(ctx.tenant.db, ctx.tenant.id);
    const filtered = target ? connectors.filter(({ metadata }) => metadata.target === target) : connectors;
    sendJson(ctx, 200, filtered.map(connectorResponse));
  });

  router.get("/api/connectors/:id", async (ctx) => {
    sendJson(ctx, 200, connectorResponse(await getLogtoConnectorById(ctx.tenant.db, ctx.tenant.id, ctx.params.id ?? "")));
  });

  router.post("/api/connectors", async (ctx) => {
    const { db, id: tenantId } = ctx.tenant;
    const body = guard<Record<string, any>>(
      Connectors.createGuard
        .pick({ config: true, connectorId: true, metadata: true, syncProfile: true, enableTokenStorage: true })
        .merge(Connectors.createGuard.pick({ id: true }).partial()),
      ctx.body,
      "body",
    );
    const factory = await findFactory(body.connectorId);
    assertThat(factory, new RequestError({ code: "connector.not_found_with_connector_id", status: 422 }));
    if (factory.type === "Social") {
      assertThat(
        factory.metadata.isStandard !== true || Boolean(body.metadata?.target),
        "connector.should_specify_target",
      );
      assertThat(
        factory.metadata.isStandard === true || body.metadata === undefined,
        "connector.cannot_overwrite_metadata_for_non_standard_connector",
      );
      const count = await db.one("select count(*)::int as count from connectors where tenant_id = $1 and connector_id = $2", [
        tenantId,
        body.connectorId,
      ]);
      assertThat(
        Number(count?.count ?? 0) === 0 || factory.metadata.isStandard === true,
        new RequestError({ code: "connector.multiple_instances_not_supported", status: 422 }),
      );
      const target = body.metadata?.target || factory.metadata.target;
      const duplicate = (await getLogtoConnectors(db, tenantId)).find(
        ({ metadata }) => metadata.target === target && metadata.platform === factory.metadata.platform,
      );
      assertThat(
        !duplicate,
        new RequestError(
          { code: "connector.multiple_target_with_same_platform", status: 422 },
          { connectorId: duplicate?.metadata.id, connectorName: duplicate?.metadata.name },
        ),
      );
    }
    if (body.config) validateConnectorConfig(body.config, factory.configGuard);
    const id = body.id ?? generateStandardShortId();
    try {
      await insertRow(db, "connectors", {
        tenantId,
        id,
        connectorId: body.connectorId,
        config: body.config,
        metadata: body.metadata,
        syncProfile: body.syncProfile || undefined,
        enableTokenStorage: body.enableTokenStorage || undefined,
      });
    } catch (error: unknown) {
      if ((error as { code?: string }).code === "23505") {
        throw new RequestError({ code: "entity.unique_integrity_violation", status: 422 });
      }
      throw error;
    }
    sendJson(ctx, 200, connectorResponse(await getLogtoConnectorById(db, tenantId, id)));
  });

  router.patch("/api/connectors/:id", async (ctx) => {
    const { db, id: tenantId } = ctx.tenant;
    const id = ctx.params.id ?? "";
    const body = guard<Record<string, any>>(
      Connectors.createGuard.pick({ config: true, metadata: true, syncProfile: true, enableTokenStorage: true }).partial(),
      ctx.body,
      "body",
    );
    const current = await getLogtoConnectorById(db, tenantId, id);
    const factory = await findFactory(current.dbEntry.connectorId);
    assertThat(
      factory?.metadata.isStandard !== true || !body.metadata || body.metadata.target === current.metadata.target,
      "connector.can_not_modify_target",
    );
    assertThat(
      factory?.metadata.isStandard === true || !body.metadata,
      "connector.cannot_overwrite_metadata_for_non_standard_connector",
    );
    if (body.config && factory) validateConnectorConfig(body.config, factory.configGuard);
    await updateRow(db, "connectors", { tenantId, id }, {
      config: body.config,
      metadata: body.metadata,
      syncProfile: body.syncProfile,
      enableTokenStorage: body.enableTokenStorage,
    });
    sendJson(ctx, 200, connectorResponse(await getLogtoConnectorById(db, tenantId, id)));
  });

  // Logto: 404 for an unknown id; after deleting a social connector, removeUnavailableSocialConnectorTargets
  // (libraries/sign-in-experience) drops the targets no remaining social connector provides; 204.
  router.delete("/api/connectors/:id", async (ctx) => {
    const { db, id: tenantId } = ctx.tenant;
    const id = ctx.params.id ?? "";
    const row = await db.one("select connector_id from connectors where tenant_id = $1 and id = $2", [tenantId, id]);
    // Logto's findConnectorById is slonik's `pool.one`, whose NotFoundError koaSlonikErrorHandler
    // answers with `entity.not_found` (seen on a real Logto 1.42.0).
    if (!row) throw new RequestError({ code: "entity.not_found", status: 404 });
    const factory = await findFactory(String(row.connectorId));
    await db.query("delete from connectors where tenant_id = $1 and id = $2", [tenantId, id]);
    if (factory?.type === "Social") {
      const targets = new Set(
        (await getLogtoConnectors(db, tenantId)).filter(({ type }) => type === "Social").map(({ metadata }) => metadata.target),
      );
      const current = await db.one("select social_sign_in_connector_targets from sign_in_experiences where tenant_id = $1 and id = 'default'", [tenantId]);
      const kept = ((current?.socialSignInConnectorTargets as string[] | undefined) ?? []).filter((target) => targets.has(target));
      await updateRow(db, "sign_in_experiences", { tenantId, id: "default" }, { socialSignInConnectorTargets: kept });
    }
    sendJson(ctx, 204, undefined);
  });

  // --- sign-in experience (routes/sign-in-experience/index.ts)
  const signInExperienceResponse = (row: Row) => {
    const { trustedDevice: _trusted, ...rest } = row;
    return rest;
  };

  router.get("/api/sign-in-exp", async (ctx) => {
    const row = await ctx.tenant.db.one("select * from sign_in_experiences where tenant_id = $1 and id = 'default'", [ctx.tenant.id]);
    if (!row) throw notFound("sign_in_experiences", "default");
    sendJson(ctx, 200, signInExperienceResponse(row));
  });

  router.patch("/api/sign-in-exp", async (ctx) => {
    const { db, id: tenantId } = ctx.tenant;
    const { id: _id, tenantId: _tenant, ...body } = guard<Record<string, unknown>>(
      SignInExperiences.createGuard.partial(),
      ctx.body,
      "body",
    );
    if (Array.isArray(body.socialSignInConnectorTargets)) {
      // Logto silently drops targets no social connector provides.
      const connectors = await getLogtoConnectors(db, tenantId);
      body.socialSignInConnectorTargets = (body.socialSignInConnectorTargets as string[]).filter((target) =>
        connectors.some(({ metadata, type }) => metadata.target === target && type === "Social"),
      );
    }
    const row = await updateRow(db, "sign_in_experiences", { tenantId, id: "default" }, body);
    if (!row) throw notFound("sign_in_experiences", "default");
    sendJson(ctx, 200, signInExperienceResponse(row));
  });

  // --- users (routes/admin-user/basics.ts, search.ts)
  router.get("/api/users", async (ctx) => {
    const window = pagination(ctx, false);
    const search = ctx.url.searchParams.get("search");
    const rows = await ctx.tenant.db.query(
      `select * from users where tenant_id = $1
       and ($2::text is null or id ilike $2 or primary_email ilike $2 or primary_phone ilike $2 or username ilike $2 or name ilike $2)
       order by created_at desc`,
      [ctx.tenant.id, search],
    );
    sendJson(ctx, 200, page(ctx, rows.map(userResponse), window));
  });

  router.get("/api/users/:id", async (ctx) => {
    const id = ctx.params.id ?? "";
    const row = await ctx.tenant.db.one("select * from users where tenant_id = $1 and id = $2", [ctx.tenant.id, id]);
    if (!row) throw notFound("users", id);
    sendJson(ctx, 200, userResponse(row));
  });

  // Logto: signOutUser (access/refresh tokens and sessions whose accountId is the user, session
  // extensions), then the row (roles, identities... go with it by foreign key); 204.
  router.delete("/api/users/:id", async (ctx) => {
    const id = ctx.params.id ?? "";
    const { db, id: tenantId } = ctx.tenant;
    const row = await db.one("select id from users where tenant_id = $1 and id = $2", [tenantId, id]);
    if (!row) throw notFound("users", id);
    await db.query(
      `delete from oidc_model_instances where tenant_id = $1
       and model_name in ('AccessToken', 'RefreshToken', 'Session') and payload->>'accountId' = $2`,
      [tenantId, id],
    );
    await db.query("delete from oidc_session_extensions where tenant_id = $1 and account_id = $2", [tenantId, id]);
    await db.query("delete from users where tenant_id = $1 and id = $2", [tenantId, id]);
    sendJson(ctx, 204, undefined);
  });

  return router;
};
