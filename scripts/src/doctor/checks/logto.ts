// Logto through the public URL (so through Caddy): /api/status and the OIDC issuer.
import { describeError, type HttpGet } from "../net.ts";
import { oidcDiscoveryGuard, type CheckResult, type DoctorConfig } from "../types.ts";

type Cfg = Pick<DoctorConfig, "logtoUrl" | "tlsMode" | "stack" | "timeoutMs">;

const stackDown = (name: string): CheckResult => ({
  name,
  status: "SKIP",
  message: "the stack is not running (start it with make up, then run make doctor again)",
});

/** Caddy's internal CA is not in any trust store: do not verify certificates in that mode. */
const insecure = (cfg: Cfg) => cfg.tlsMode === "internal";

export async function checkLogtoStatus(cfg: Cfg, deps: { httpGet: HttpGet }): Promise<CheckResult> {
  const name = "logto";
  if (cfg.stack === "down") return stackDown(name);
  const url = `${cfg.logtoUrl}/api/status`;
  try {
    const res = await deps.httpGet(url, { timeoutMs: cfg.timeoutMs, insecure: insecure(cfg) });
    if (res.status === 204 || res.status === 200) {
      return { name, status: "OK", message: `${url} answered ${res.status}` };
    }
    return {
      name,
      status: "FAIL",
      message: `${url} answered HTTP ${res.status}`,
      fix:
        res.status === 502 || res.status === 503
          ? "Caddy is up but Logto is not: docker compose logs logto (undeployed alterations? see scripts/README.md)"
          : "docker compose ps; docker compose logs caddy logto",
    };
  } catch (err) {
    return {
      name,
      status: "FAIL",
      message: `${url} unreachable: ${describeError(err)}`,
      fix: "docker compose ps (is caddy running?); docker compose logs caddy logto",
    };
  }
}

export async function checkOidcIssuer(cfg: Cfg, deps: { httpGet: HttpGet }): Promise<CheckResult> {
  const name = "oidc";
  if (cfg.stack === "down") return stackDown(name);
  const expected = `${cfg.logtoUrl}/oidc`;
  const url = `${expected}/.well-known/openid-configuration`;
  try {
    const res = await deps.httpGet(url, { timeoutMs: cfg.timeoutMs, insecure: insecure(cfg) });
    if (res.status !== 200) {
      return { name, status: "FAIL", message: `${url} answered HTTP ${res.status}`, fix: "docker compose logs logto" };
    }
    let json: unknown;
    try {
      json = JSON.parse(res.body);
    } catch {
      json = undefined;
    }
    const parsed = oidcDiscoveryGuard.safeParse(json);
    if (!parsed.success) {
      return { name, status: "FAIL", message: `${url} is not an OIDC discovery document`, fix: "docker compose logs caddy logto" };
    }
    if (parsed.data.issuer !== expected) {
      return {
        name,
        status: "FAIL",
        message: `issuer is ${parsed.data.issuer}, expected ${expected}`,
        fix: "Logto's ENDPOINT must be https://${LOGTO_DOMAIN} and Caddy must pass the Host header (TRUST_PROXY_HEADER=1): docker compose up -d logto",
      };
    }
    return { name, status: "OK", message: `issuer is ${expected}` };
  } catch (err) {
    return {
      name,
      status: "FAIL",
      message: `${url} unreachable: ${describeError(err)}`,
      fix: "docker compose ps; docker compose logs caddy logto",
    };
  }
}
