// WeChat credentials, checked without a user: the token endpoint with a made-up code answers
// 40029 (invalid code) when appid and secret are right, 40125 when the secret is wrong and
// 40013 when the appid is wrong. The secret is sent to WeChat only and never printed.
import { randomBytes } from "node:crypto";
import { wechatErrcodes, wechatTokenPath } from "../constant.ts";
import { describeError, type HttpGet } from "../net.ts";
import { wechatTokenResponseGuard, type CheckResult, type DoctorConfig } from "../types.ts";

const name = "wechat";
const consoleHint = "open.weixin.qq.com → 管理中心 → 网站应用 → your app";

/** "wx12…cdef": enough to recognise the appid, in case it was pasted wrong. */
const maskAppId = (appId: string) =>
  appId.length > 8 ? `${appId.slice(0, 4)}…${appId.slice(-4)}` : appId;

export async function checkWechatCredentials(
  cfg: Pick<DoctorConfig, "wechat" | "timeoutMs">,
  deps: { httpGet: HttpGet },
): Promise<CheckResult> {
  const { appId, appSecret, apiBase } = cfg.wechat;
  if (!appId && !appSecret) {
    return { name, status: "SKIP", message: "WECHAT_APP_ID is empty: Sign in with WeChat is off" };
  }
  if (!appId || !appSecret) {
    const missing = appId ? "WECHAT_APP_SECRET" : "WECHAT_APP_ID";
    return {
      name,
      status: "FAIL",
      message: `${missing} is empty while ${appId ? "WECHAT_APP_ID" : "WECHAT_APP_SECRET"} is set`,
      fix: `set ${missing} in .env (${consoleHint}), or empty both to turn WeChat off`,
    };
  }

  const query = new URLSearchParams({
    appid: appId,
    secret: appSecret,
    code: `doctor-made-up-${randomBytes(6).toString("hex")}`,
    grant_type: "authorization_code",
  });
  let body: string;
  try {
    const res = await deps.httpGet(`${apiBase}${wechatTokenPath}?${query}`, { timeoutMs: cfg.timeoutMs });
    if (res.status !== 200) {
      return {
        name,
        status: "FAIL",
        message: `WeChat token endpoint at ${apiBase} answered HTTP ${res.status}`,
        fix: "retry later; if it persists, check outbound HTTPS from this host to api.weixin.qq.com",
      };
    }
    body = res.body;
  } catch (err) {
    return {
      name,
      status: "FAIL",
      message: `WeChat API unreachable at ${apiBase}: ${describeError(err, appSecret)}`,
      fix: "allow outbound HTTPS (443) from this host to api.weixin.qq.com and check its DNS",
    };
  }

  let json: unknown;
  try {
    json = JSON.parse(body); // WeChat sends JSON as text/plain
  } catch {
    json = undefined;
  }
  const parsed = wechatTokenResponseGuard.safeParse(json);
  if (!parsed.success) {
    return {
      name,
      status: "FAIL",
      message: `WeChat token endpoint at ${apiBase} did not answer JSON`,
      fix: "check that WECHAT_API_BASE (if set) points at WeChat's API",
    };
  }
  const { errcode, access_token } = parsed.data;
  const shown = maskAppId(appId);
  const meaning = errcode === undefined ? "" : (wechatErrcodes[errcode] ?? "unknown error code");

  switch (errcode) {
    case 40029:
      return {
        name,
        status: "OK",
        message: `appid ${shown} and secret accepted (a made-up code got 40029 invalid code, as expected)`,
      };
    case 40125:
      return {
        name,
        status: "FAIL",
        message: `wrong secret: WeChat answered 40125 (${meaning}) for appid ${shown}`,
        fix: `copy the AppSecret of this app into WECHAT_APP_SECRET (${consoleHint}; reset it there if lost)`,
      };
    case 40013:
      return {
        name,
        status: "FAIL",
        message: `wrong appid: WeChat answered 40013 (${meaning}) for ${shown}`,
        fix: `set WECHAT_APP_ID to the website app's AppID, 18 characters starting with "wx" (${consoleHint})`,
      };
    case -1:
      return { name, status: "WARN", message: `WeChat answered -1 (${meaning})`, fix: "run make doctor again in a minute" };
    case undefined:
      if (access_token) {
        return { name, status: "WARN", message: "WeChat accepted a made-up code (is WECHAT_API_BASE an emulator?)" };
      }
      return { name, status: "FAIL", message: "WeChat answered without errcode or token", fix: "check WECHAT_API_BASE" };
    default:
      return {
        name,
        status: "FAIL",
        message: `WeChat answered errcode ${errcode} (${meaning}) for appid ${shown}`,
        fix: `check the app's status and settings at ${consoleHint}`,
      };
  }
}

const localHost = (h: string) =>
  h === "localhost" || h.endsWith(".localhost") || h.endsWith(".test") || /^[0-9.]+$/.test(h);

/** The exact "authorization callback domain" (授权回调域) the operator must register. */
export function checkWechatCallbackDomain(cfg: Pick<DoctorConfig, "logtoDomain" | "wechat">): CheckResult {
  const name = "wechat-domain";
  if (!cfg.wechat.appId) {
    return { name, status: "SKIP", message: "WeChat is off; its callback domain would be " + cfg.logtoDomain };
  }
  if (localHost(cfg.logtoDomain)) {
    return {
      name,
      status: "WARN",
      message: `LOGTO_DOMAIN ${cfg.logtoDomain} is local: WeChat cannot register it as authorization callback domain`,
      fix: "set LOGTO_DOMAIN to the public host of Logto, or use the WeChat emulator sandbox for local tests",
    };
  }
  return {
    name,
    status: "OK",
    message: `register this exact authorization callback domain (授权回调域) at WeChat: ${cfg.logtoDomain} (no https://, no port, no path)`,
  };
}
