// One line per host the server calls (outbound.ts): does it answer from here? Any HTTP answer
// counts (a registry's 401, a CA's directory, a 404): the point is the network path, which in
// mainland China or behind a firewall is what fails. Not reachable is a WARN naming what breaks
// and the setting that turns the call off: the checks of the features themselves (wechat, tls)
// FAIL on their own when a host they need is gone.
import { describeError, type HttpGet } from "../net.ts";
import { outboundCalls, type OutboundCall } from "../outbound.ts";
import type { CheckResult, DoctorConfig } from "../types.ts";

/** The host a line names: the probed URL's, so a setting (ACME_CA, NPM_REGISTRY...) shows its own. */
const shownHost = (url: string) => new URL(url).host;

export async function checkOutbound(
  call: OutboundCall,
  cfg: DoctorConfig,
  deps: { httpGet: HttpGet },
): Promise<CheckResult | undefined> {
  if (!call.probe) return undefined;
  const name = `outbound ${call.id}`;
  const probe = call.probe(cfg);
  if ("unused" in probe) return { name, status: "SKIP", message: `not called: ${probe.unused}` };
  const host = shownHost(probe.url);
  const url = cfg.outboundUrls[host] ?? probe.url;
  const from = call.from === "build" ? "this server (image pulls and builds)" : "this server";
  try {
    const { status } = await deps.httpGet(url, { timeoutMs: cfg.timeoutMs });
    return { name, status: "OK", message: `${host} answers from ${from} (HTTP ${status})` };
  } catch (err) {
    return {
      name,
      status: "WARN",
      message: `${host} does not answer from ${from} (${describeError(err)}): ${call.breaks}`,
      fix: call.turnOff ? `${call.turnOff} (README "Outbound calls")` : `README "Outbound calls"`,
    };
  }
}

/** Every server-side host, probed at once so that unreachable hosts cost one timeout, not one each. */
export async function checkOutboundCalls(cfg: DoctorConfig, deps: { httpGet: HttpGet }): Promise<CheckResult[]> {
  const results = await Promise.all(outboundCalls.map((call) => checkOutbound(call, cfg, deps)));
  return results.filter((r): r is CheckResult => r !== undefined);
}
