// The certificate each public site serves, and the days it has left.
import { certWarnDays } from "../constant.ts";
import { describeError, type TlsProbe } from "../net.ts";
import type { CheckResult, DoctorConfig } from "../types.ts";

const dayMs = 24 * 60 * 60 * 1000;

export async function checkCertificate(
  site: { url: string; domain: string },
  cfg: Pick<DoctorConfig, "tlsMode" | "stack" | "timeoutMs">,
  deps: { tlsProbe: TlsProbe; now?: () => Date },
): Promise<CheckResult> {
  const u = new URL(site.url);
  const name = `tls ${site.domain}`;
  if (cfg.stack === "down") {
    return { name, status: "SKIP", message: "the stack is not running (start it with make up)" };
  }
  let cert;
  try {
    cert = await deps.tlsProbe({
      host: u.hostname,
      port: Number(u.port || 443),
      servername: site.domain,
      timeoutMs: cfg.timeoutMs,
    });
  } catch (err) {
    return {
      name,
      status: "FAIL",
      message: `no certificate served on ${u.host}: ${describeError(err)}`,
      fix: "docker compose logs caddy (ACME needs DNS pointing here and ports 80/443 open)",
    };
  }
  const now = (deps.now ?? (() => new Date()))();
  const days = Math.floor((cert.validTo.getTime() - now.getTime()) / dayMs);
  const left = days >= 1 ? `${days} days left` : `expires ${cert.validTo.toISOString()}`;
  if (cert.validTo.getTime() <= now.getTime()) {
    return { name, status: "FAIL", message: `certificate expired ${cert.validTo.toISOString()}`, fix: "docker compose logs caddy; docker compose restart caddy" };
  }
  if (!cert.matchesHost) {
    return { name, status: "FAIL", message: `certificate (issuer ${cert.issuer}) does not cover ${site.domain}`, fix: "check the site addresses in caddy/Caddyfile and the *_DOMAIN values in .env" };
  }
  if (cfg.tlsMode === "internal") {
    // Internal leaves live 12 hours and Caddy renews them by itself: only say where they come from.
    return { name, status: "OK", message: `served by Caddy's internal CA (${cert.issuer}), ${left}; browsers warn unless they trust that root` };
  }
  if (!cert.trusted) {
    return {
      name,
      status: "FAIL",
      message: `certificate from ${cert.issuer} is not publicly trusted (${cert.trustError ?? "unknown reason"})`,
      fix: "docker compose logs caddy | grep -i acme (DNS of the domain must point here, ports 80 and 443 open)",
    };
  }
  if (days < certWarnDays) {
    return { name, status: "WARN", message: `certificate from ${cert.issuer}: only ${left}`, fix: "renewal seems stuck: docker compose logs caddy | grep -i acme" };
  }
  return { name, status: "OK", message: `trusted certificate from ${cert.issuer}, ${left}` };
}
