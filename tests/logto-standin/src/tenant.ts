/**
 * One Logto tenant as the stand-in serves it: `default` on ENDPOINT, `admin` on ADMIN_ENDPOINT.
 * Keys come from `logto_configs` exactly as `logto db seed` wrote them.
 */
import crypto from "node:crypto";

import { LogtoOidcConfigKey, getCurrentOidcPrivateKey, getOidcProviderPrivateKeys } from "@logto/schemas";
import type { JWK } from "jose";

import type { Db } from "./db.ts";

export type Config = {
  dbUrl: string;
  endpoint: URL;
  adminEndpoint: URL;
  port: number;
  adminPort: number;
  trustProxy: boolean;
};

export type TenantKeys = {
  privateJwks: JWK[];
  publicJwks: JWK[];
  signingAlg: string;
  cookieKeys: string[];
};

/** Same kid as Logto's exportJWK / oidc-provider's keystore (SHA-256 thumbprint of the public members). */
const withKid = (jwk: JWK): JWK => {
  const components =
    jwk.kty === "RSA" ? { e: jwk.e, kty: jwk.kty, n: jwk.n } : jwk.kty === "EC" ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return { ...jwk, kid: crypto.createHash("sha256").update(JSON.stringify(components)).digest("base64url") };
};

const ecAlg = (crv?: string) => ({ "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" })[crv ?? ""];

export const loadTenantKeys = async (db: Db, tenantId: string): Promise<TenantKeys> => {
  const rows = await db.query("select key, value from logto_configs where tenant_id = $1 and key = any($2)", [
    tenantId,
    [LogtoOidcConfigKey.PrivateKeys, LogtoOidcConfigKey.CookieKeys],
  ]);
  const value = (key: string) => rows.find((row) => row.key === key)?.value;
  const privateKeyRows = value(LogtoOidcConfigKey.PrivateKeys) as Parameters<typeof getCurrentOidcPrivateKey>[0] | undefined;
  const cookieKeyRows = value(LogtoOidcConfigKey.CookieKeys) as Array<{ value: string }> | undefined;

  if (!privateKeyRows?.length) {
    // Not seeded by @logto/cli: generate a P-384 key like `logto db seed` would (kept in memory).
    const { privateKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-384" });
    const jwk = withKid(privateKey.export({ format: "jwk" }) as JWK);
    const { d: _d, ...publicJwk } = jwk;
    return { privateJwks: [jwk], publicJwks: [publicJwk], signingAlg: "ES384", cookieKeys: [crypto.randomBytes(24).toString("base64url")] };
  }

  const current = crypto.createPrivateKey(getCurrentOidcPrivateKey(privateKeyRows).value).export({ format: "jwk" }) as JWK;
  const privateJwks = getOidcProviderPrivateKeys(privateKeyRows).map(
    ({ value: pem }) => withKid(crypto.createPrivateKey(pem).export({ format: "jwk" }) as JWK),
  );
  const publicJwks = privateJwks.map(({ d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...rest }) => rest);
  return {
    privateJwks,
    publicJwks,
    signingAlg: (current.kty === "EC" ? ecAlg(current.crv) : undefined) ?? "RS256",
    cookieKeys: cookieKeyRows?.map(({ value }) => value) ?? [crypto.randomBytes(24).toString("base64url")],
  };
};
