// Runs the selected check groups in order and returns their results.
import { checkCertificate } from "./checks/tls.ts";
import { checkLogtoStatus, checkOidcIssuer } from "./checks/logto.ts";
import { checkOutboundCalls } from "./checks/outbound.ts";
import { checkWechatCallbackDomain, checkWechatCredentials, checkWechatOaCredentials, checkWechatOaDomain } from "./checks/wechat.ts";
import { checkGroups, type CheckGroup } from "./constant.ts";
import { httpGet as realHttpGet, tlsProbe as realTlsProbe, type HttpGet, type TlsProbe } from "./net.ts";
import type { CheckResult, DoctorConfig } from "./types.ts";

export type Deps = { httpGet: HttpGet; tlsProbe: TlsProbe; now?: () => Date };
const realDeps: Deps = { httpGet: realHttpGet, tlsProbe: realTlsProbe };

export async function runDoctor(
  cfg: DoctorConfig,
  only: readonly CheckGroup[] = checkGroups,
  deps: Deps = realDeps,
  onResult: (r: CheckResult) => void = () => {},
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const add = (r: CheckResult) => {
    results.push(r);
    onResult(r);
  };
  if (only.includes("wechat")) {
    add(await checkWechatCredentials(cfg, deps));
    add(checkWechatCallbackDomain(cfg));
    add(await checkWechatOaCredentials(cfg, deps));
    add(checkWechatOaDomain(cfg));
  }
  if (only.includes("logto")) {
    add(await checkLogtoStatus(cfg, deps));
    add(await checkOidcIssuer(cfg, deps));
  }
  if (only.includes("tls")) {
    for (const [domain, url] of [
      [cfg.logtoDomain, cfg.logtoUrl],
      [cfg.appDomain, cfg.appUrl],
      [cfg.adminDomain, cfg.adminUrl],
    ] as const) {
      add(await checkCertificate({ domain, url }, cfg, deps));
    }
  }
  if (only.includes("outbound")) {
    for (const r of await checkOutboundCalls(cfg, deps)) add(r);
  }
  return results;
}
