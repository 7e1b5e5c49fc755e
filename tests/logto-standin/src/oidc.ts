/**
 * The OIDC side: `oidc-provider` configured the way packages/core/src/oidc/init.ts configures it
 * (same features, TTLs, client metadata, refresh-token rule, PKCE rule, claims, interaction URLs).
 * Clients are read from `applications` on every lookup, so rows inserted by SQL work at once.
 */
import querystring from "node:querystring";

import {
  ApplicationType,
  ExtraParamsKey,
  adminConsoleApplicationId,
  customClientMetadataDefault,
  customClientMetadataGuard,
  logtoCookieKey,
} from "@logto/schemas";
import { idTokenClaims, userClaims, extendedIdTokenClaimsByScope } from "@logto/core-kit";
import { Provider, errors } from "oidc-provider";

import { type Db, type Row } from "./db.ts";
import type { Config, TenantKeys } from "./tenant.ts";

type Ctx = any; // oidc-provider's KoaContextWithOIDC (untyped here)

const days = (n: number) => n * 24 * 3600;

/** Same as Logto's getConstantClientMetadata. */
const constantClientMetadata = (type: string, signingAlg: string) => {
  const base = {
    application_type: type === ApplicationType.Native ? "native" : "web",
    token_endpoint_auth_method:
      type === ApplicationType.Native || type === ApplicationType.SPA ? "none" : "client_secret_basic",
    authorization_signed_response_alg: signingAlg,
    userinfo_signed_response_alg: signingAlg,
    id_token_signed_response_alg: signingAlg,
    introspection_signed_response_alg: signingAlg,
  };
  if (type === ApplicationType.MachineToMachine) {
    return { ...base, grant_types: ["client_credentials"], response_types: [] };
  }
  return { ...base, grant_types: ["authorization_code", "refresh_token"] };
};

const snakeKeys = (object: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(object).map(([key, value]) => [key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), value]));

/** Logto's first-screen routing (buildLoginPromptUrl in packages/core/src/oidc/utils.ts). */
export const buildLoginPromptUrl = (params: Record<string, unknown>, appId?: string) => {
  const str = (key: string) => (typeof params[key] === "string" && params[key] ? (params[key] as string) : undefined);
  const firstScreenKey = str(ExtraParamsKey.FirstScreen) ?? str(ExtraParamsKey.InteractionMode) ?? "signIn";
  const firstScreen =
    {
      signIn: "sign-in",
      signUp: "register",
      register: "register",
      reset_password: "forgot-password",
      "identifier:sign_in": "identifier-sign-in",
      "identifier:register": "identifier-register",
      "single_sign_on": "single-sign-on",
    }[firstScreenKey] ?? "sign-in";
  const search = new URLSearchParams();
  if (appId) search.append("app_id", appId);
  for (const key of [ExtraParamsKey.OrganizationId, ExtraParamsKey.UiLocales]) {
    const value = str(key);
    if (value) search.append(key, value);
  }
  for (const key of [ExtraParamsKey.OneTimeToken, ExtraParamsKey.LoginHint, ExtraParamsKey.Identifier]) {
    const value = str(key);
    if (value) search.append(key, value);
  }
  const directSignIn = str(ExtraParamsKey.DirectSignIn);
  if (directSignIn) {
    search.append("fallback", firstScreen);
    const [method = "", target = ""] = directSignIn.split(":");
    return `/direct/${method}/${target}`.replace(/\/+$/, "") + `?${search.toString()}`;
  }
  return `/${firstScreen}${search.size > 0 ? `?${search.toString()}` : ""}`;
};

/** Claims as Logto's getUserClaimsData maps them (the subset a WeChat/password user has). */
const claimValue = (user: Row, claim: string): unknown => {
  const profile = (user.profile ?? {}) as Record<string, unknown>;
  switch (claim) {
    case "name":
      return user.name;
    case "picture":
      return user.avatar;
    case "username":
      return user.username;
    case "email":
      return user.primaryEmail;
    case "email_verified":
      return Boolean(user.primaryEmail);
    case "phone_number":
      return user.primaryPhone;
    case "phone_number_verified":
      return Boolean(user.primaryPhone);
    case "custom_data":
      return user.customData;
    case "identities":
      return user.identities;
    case "created_at":
      return user.createdAt;
    case "updated_at":
      return user.updatedAt;
    case "preferred_username":
      return profile.preferredUsername ?? user.username ?? undefined;
    case "roles":
    case "organizations":
    case "organization_roles":
    case "organization_data":
    case "sso_identities":
      return [];
    default: {
      const key = claim.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
      return profile[key];
    }
  }
};

export type OidcDeps = {
  db: Db;
  tenantId: string;
  issuer: string;
  keys: TenantKeys;
  config: Config;
  /** Runs before the provider's own routes (Logto: koaAppSecretTranspilation etc.). */
};

export const createProvider = ({ db, tenantId, issuer, keys, config }: OidcDeps) => {
  const alg = keys.signingAlg;

  const findApplication = async (id: string) =>
    db.one("select * from applications where tenant_id = $1 and id = $2", [tenantId, id]);

  const transpileClient = (application: Row) => {
    const oidcClientMetadata = (application.oidcClientMetadata ?? {}) as Record<string, unknown>;
    const customClientMetadata = (application.customClientMetadata ?? {}) as Record<string, unknown>;
    const metadata: Record<string, unknown> = {
      client_id: application.id,
      client_secret: application.secret,
      client_name: application.name,
      ...constantClientMetadata(String(application.type), alg),
      ...snakeKeys(oidcClientMetadata),
      ...customClientMetadata,
    };
    if (application.id === adminConsoleApplicationId) {
      // Logto appends the console URLs (from ADMIN_ENDPOINT and localhost:ADMIN_PORT) at run time.
      const urls = [config.adminEndpoint.origin, `http://localhost:${config.adminPort}`].map((origin) => `${origin}/console`);
      metadata.redirect_uris = [...((metadata.redirect_uris as string[]) ?? []), ...urls.map((url) => `${url}/callback`)];
      metadata.post_logout_redirect_uris = [...((metadata.post_logout_redirect_uris as string[]) ?? []), ...urls];
    }
    return metadata;
  };

  const modelAdapter = (modelName: string) => {
    if (modelName === "Client") {
      const reject = async () => {
        throw new Error("Not implemented");
      };
      return {
        upsert: reject,
        find: async (id: string) => {
          const application = await findApplication(id);
          return application ? transpileClient(application) : undefined;
        },
        findByUserCode: reject,
        findByUid: reject,
        consume: reject,
        destroy: reject,
        revokeByGrantId: reject,
      };
    }
    const payloadOf = (row: Row | undefined) =>
      row ? { ...(row.payload as Record<string, unknown>), ...(row.consumedAt ? { consumed: true } : {}) } : undefined;
    const findBy = async (condition: string, value: string) =>
      payloadOf(
        await db.one(
          `select payload, consumed_at from oidc_model_instances where tenant_id = $1 and model_name = $2 and ${condition} = $3 and expires_at > now()`,
          [tenantId, modelName, value],
        ),
      );
    return {
      upsert: async (id: string, payload: Record<string, unknown>, expiresIn: number) => {
        await db.query(
          `insert into oidc_model_instances (tenant_id, model_name, id, payload, expires_at)
           values ($1, $2, $3, $4, now() + make_interval(secs => $5))
           on conflict (tenant_id, model_name, id) do update set payload = excluded.payload, expires_at = excluded.expires_at`,
          [tenantId, modelName, id, JSON.stringify(payload), expiresIn],
        );
      },
      find: async (id: string) => findBy("id", id),
      findByUid: async (uid: string) => findBy("payload->>'uid'", uid),
      findByUserCode: async (userCode: string) => findBy("payload->>'userCode'", userCode),
      consume: async (id: string) => {
        await db.query(
          "update oidc_model_instances set consumed_at = now() where tenant_id = $1 and model_name = $2 and id = $3",
          [tenantId, modelName, id],
        );
      },
      destroy: async (id: string) => {
        await db.query("delete from oidc_model_instances where tenant_id = $1 and model_name = $2 and id = $3", [
          tenantId,
          modelName,
          id,
        ]);
      },
      revokeByGrantId: async (grantId: string) => {
        await db.query("delete from oidc_model_instances where tenant_id = $1 and payload->>'grantId' = $2", [
          tenantId,
          grantId,
        ]);
      },
    };
  };

  const findResourceScopes = async (indicator: string, applicationId?: string, userId?: string) => {
    if (userId) {
      return db.query(
        `select distinct s.name from scopes s join resources r on r.id = s.resource_id and r.tenant_id = s.tenant_id
         join roles_scopes rs on rs.scope_id = s.id join users_roles ur on ur.role_id = rs.role_id
         where s.tenant_id = $1 and r.indicator = $2 and ur.user_id = $3`,
        [tenantId, indicator, userId],
      );
    }
    if (applicationId) {
      return db.query(
        `select distinct s.name from scopes s join resources r on r.id = s.resource_id and r.tenant_id = s.tenant_id
         join roles_scopes rs on rs.scope_id = s.id join applications_roles ar on ar.role_id = rs.role_id
         where s.tenant_id = $1 and r.indicator = $2 and ar.application_id = $3`,
        [tenantId, indicator, applicationId],
      );
    }
    return [];
  };

  const claimsFor = (use: string, scope: string): string[] => {
    const scopes = scope.split(" ");
    const table = (use === "id_token" ? idTokenClaims : userClaims) as Record<string, string[]>;
    const extended = use === "id_token" ? (extendedIdTokenClaimsByScope as Record<string, string[]>) : {};
    return [...new Set(scopes.flatMap((name) => [...(table[name] ?? []), ...(extended[name] ?? [])]))];
  };

  const provider = new Provider(issuer, {
    adapter: modelAdapter,
    renderError: (ctx: Ctx, out: unknown) => {
      ctx.body = out;
    },
    cookies: {
      keys: keys.cookieKeys,
      long: { sameSite: "lax", path: "/", signed: true, overwrite: true },
      short: { sameSite: "lax", path: "/", signed: true, overwrite: true },
    },
    jwks: { keys: keys.privateJwks },
    clientDefaults: { id_token_signed_response_alg: alg },
    enabledJWA: {
      authorizationSigningAlgValues: ["RS256", "PS256", "ES256", "ES384", "ES512"],
      userinfoSigningAlgValues: ["RS256", "PS256", "ES256", "ES384", "ES512"],
      idTokenSigningAlgValues: ["RS256", "PS256", "ES256", "ES384", "ES512"],
      introspectionSigningAlgValues: ["RS256", "PS256", "ES256", "ES384", "ES512"],
    },
    conformIdTokenClaims: false,
    features: {
      userinfo: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      dPoP: { enabled: false },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        // Logto's static/html/logout.html: the confirmation form submits itself.
        logoutSource: (ctx: Ctx, form: string) => {
          ctx.body = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><title>Sign Out</title></head><body onload="document.getElementById('op.logoutForm').submit();">${form}<input type="hidden" form="op.logoutForm" value="yes" name="logout" /></body></html>`;
        },
        postLogoutSuccessSource: (ctx: Ctx) => {
          ctx.body = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><title>Sign Out</title></head><body><div>You have been signed out successfully.</div></body></html>`;
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => {
          const row = await db.one("select indicator from resources where tenant_id = $1 and is_default = true", [tenantId]);
          return (row?.indicator as string | undefined) ?? undefined;
        },
        useGrantedResource: () => false,
        getResourceServerInfo: async (ctx: Ctx, indicator: string) => {
          const resource = await db.one("select * from resources where tenant_id = $1 and indicator = $2", [tenantId, indicator]);
          if (!resource) throw new errors.InvalidTarget();
          const { client, session, entities } = ctx.oidc;
          const userId = session?.accountId ?? entities?.Account?.accountId;
          const scopes = await findResourceScopes(indicator, client?.clientId, userId);
          return {
            accessTokenFormat: "jwt",
            jwt: { sign: { alg } },
            accessTokenTTL: resource.accessTokenTtl,
            scope: scopes.map(({ name }) => name).join(" "),
          };
        },
      },
    },
    issueRefreshToken: (_ctx: Ctx, client: any, code: any) => {
      if (!client.grantTypeAllowed("refresh_token")) return false;
      return (
        code.scopes.has("offline_access") ||
        (client.applicationType === "web" && Boolean(client.metadata().alwaysIssueRefreshToken))
      );
    },
    interactions: {
      url: (ctx: Ctx, interaction: any) => {
        const appId = typeof interaction.params.client_id === "string" ? interaction.params.client_id : undefined;
        const params = (ctx.oidc.params ?? {}) as Record<string, unknown>;
        ctx.cookies.set(
          logtoCookieKey,
          JSON.stringify({ appId, ...(typeof params.ui_locales === "string" ? { uiLocales: params.ui_locales } : {}) }),
          { sameSite: "lax", overwrite: true, httpOnly: false },
        );
        switch (interaction.prompt.name) {
          case "login":
            return buildLoginPromptUrl(params, appId);
          case "consent":
            return `/consent${appId ? `?app_id=${encodeURIComponent(appId)}` : ""}`;
          default:
            throw new Error(`Prompt not supported: ${interaction.prompt.name}`);
        }
      },
    },
    extraParams: Object.values(ExtraParamsKey),
    extraClientMetadata: {
      properties: [...Object.keys(customClientMetadataGuard.shape), "appLevelAccessControlEnabled"],
      validator: () => {},
    },
    claims: userClaims,
    findAccount: async (_ctx: Ctx, sub: string) => {
      const user = await db.one("select * from users where tenant_id = $1 and id = $2", [tenantId, sub]);
      if (!user) throw new errors.InvalidGrant("user not found");
      if (user.isSuspended) throw new errors.InvalidGrant("user is suspended");
      return {
        accountId: sub,
        claims: async (use: string, scope: string) => {
          const entries = claimsFor(use, scope)
            .map((claim) => [claim, claimValue(user, claim)] as const)
            .filter(([, value]) => value !== undefined);
          return { sub, ...Object.fromEntries(entries) };
        },
      };
    },
    ttl: {
      IdToken: (_ctx: Ctx, _token: unknown, client: any) =>
        client.metadata().idTokenTtl ?? customClientMetadataDefault.idTokenTtl,
      RefreshToken: (ctx: Ctx, token: any, client: any) => {
        // oidc-provider's default: a public client's refresh token lives at most as long as the session.
        const { refreshTokenTtlInDays, refreshTokenTtl } = client.metadata();
        if (refreshTokenTtlInDays !== undefined) return refreshTokenTtlInDays * days(1);
        return refreshTokenTtl ?? customClientMetadataDefault.refreshTokenTtlInDays * days(1);
      },
      AccessToken: (_ctx: Ctx, token: any) => token.resourceServer?.accessTokenTTL ?? 3600,
      // oidc-provider's default rule, spelled out (Logto keeps the default).
      ClientCredentials: (_ctx: Ctx, token: any) => token.resourceServer?.accessTokenTTL ?? 600,
      Interaction: 3600,
      Session: days(14),
      Grant: days(180),
    },
    rotateRefreshToken: (ctx: Ctx) => {
      const client = ctx.oidc.entities.Client;
      if (!(client?.metadata().rotateRefreshToken ?? customClientMetadataDefault.rotateRefreshToken)) return false;
      // oidc-provider's default rule (rotate public clients / tokens past 70% of their life).
      const { RefreshToken: refreshToken } = ctx.oidc.entities;
      if (refreshToken?.gty === "client_credentials") return false;
      return client.clientAuthMethod === "none" || refreshToken?.ttlPercentagePassed() >= 70;
    },
    pkce: { required: (_ctx: Ctx, client: any) => client.clientAuthMethod !== "client_secret_basic" },
  });

  provider.proxy = config.trustProxy;

  // Body parsing the way Logto does before the provider (JSON bodies accepted as forms).
  provider.use(async (ctx: Ctx, next: () => Promise<void>) => {
    if (ctx.req.readable && ["POST", "PUT", "PATCH"].includes(ctx.method)) {
      const chunks: Buffer[] = [];
      for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString("utf8");
      if (body.includes("\u0000")) throw new errors.InvalidRequest("null bytes are not allowed in the request body");
      if (ctx.is("application/json")) {
        ctx.headers["content-type"] = "application/x-www-form-urlencoded";
        try {
          ctx.request.body = JSON.parse(body);
        } catch {
          ctx.request.body = undefined;
        }
      } else if (ctx.is("application/x-www-form-urlencoded")) {
        ctx.request.body = querystring.parse(body);
      }
    }
    return next();
  });

  // Logto's koaAppSecretTranspilation: secrets from `application_secrets` stand for the app's
  // internal secret (oidc-provider knows only one secret per client).
  provider.use(async (ctx: Ctx, next: () => Promise<void>) => {
    const decode = (token: string) => {
      try {
        return decodeURIComponent(token.replaceAll("+", "%20"));
      } catch {
        return undefined;
      }
    };
    const parts = ctx.headers.authorization?.split(" ");
    let header: { id?: string; secret?: string } = {};
    if (parts?.length === 2 && parts[0]?.toLowerCase() === "basic" && parts[1]) {
      const [id, secret] = Buffer.from(parts[1], "base64").toString().split(":");
      header = { id: id ? decode(id) : undefined, secret: secret ? decode(secret) : undefined };
    }
    const source = (ctx.method === "POST" ? ctx.request.body : ctx.query) as Record<string, unknown> | undefined;
    const params = {
      id: typeof source?.client_id === "string" ? source.client_id : undefined,
      secret: typeof source?.client_secret === "string" ? source.client_secret : undefined,
    };
    if (header.id && params.id && header.id !== params.id) return next();
    if (header.id && (!header.secret || params.secret)) return next();
    const id = header.id ?? params.id;
    const secret = header.secret ?? params.secret;
    if (!id || !secret) return next();
    const found = await db.one(
      `select s.expires_at, a.secret as original from application_secrets s
       join applications a on a.id = s.application_id and a.tenant_id = s.tenant_id
       where s.tenant_id = $1 and s.application_id = $2 and s.value = $3`,
      [tenantId, id, secret],
    );
    if (!found) return next();
    if (typeof found.expiresAt === "number" && found.expiresAt < Date.now()) {
      throw new errors.InvalidRequest("client secret has expired");
    }
    if (header.secret) {
      ctx.headers.authorization = `Basic ${Buffer.from(`${id}:${String(found.original)}`).toString("base64")}`;
    } else if (ctx.method === "POST" && source) {
      source.client_secret = found.original;
    } else {
      ctx.query = { ...ctx.query, client_secret: found.original };
    }
    return next();
  });

  return provider;
};
