// WeChat credentials, checked without a user: the token endpoint with a made-up code answers
// 40029 (invalid code) when appid and secret are right, 40125 when the secret is wrong and
// 40013 when the appid is wrong. The website app and the Official Account share that endpoint,
// so both are checked the same way. The secret is sent to WeChat only and never printed.
import { randomBytes } from "node:crypto";
import { wechatErrcodes, wechatTokenPath } from "../constant.ts";
import { describeError, type HttpGet } from "../net.ts";
import { wechatTokenResponseGuard, type CheckResult, type DoctorConfig } from "../types.ts";

/** One WeChat app as .env names it, and where its operator finds its credentials. */
type WechatApp = {
  name: string;
  idVar: string;
  secretVar: string;
  /** What it is, in a sentence: "the website app". */
  what: string;
  consoleHint: string;
  /** The SKIP line when neither variable is set. */
  off: string;
};

const websiteApp: WechatApp = {
  name: "wechat",
  idVar: "WECHAT_APP_ID",
  secretVar: "WECHAT_APP_SECRET",
  what: "the website app",
  consoleHint: "open.weixin.qq.com → 管理中心 → 网站应用 → your app",
  off: "WECHAT_APP_ID is empty: Sign in with WeChat is off",
};

const officialAccount: WechatApp = {
  name: "wechat-oa",
  idVar: "WECHAT_OA_APP_ID",
  secretVar: "WECHAT_OA_APP_SECRET",
  what: "the Official Account",
  consoleHint: "mp.weixin.qq.com → 设置与开发 → 基本配置",
  off: "WECHAT_OA_APP_ID is empty: no Official Account, WeChat's own browser shows the QR code",
};

/** "wx12…cdef": enough to recognise the appid, in case it was pasted wrong. */
const maskAppId = (appId: string) =>
  appId.length > 8 ? `${appId.slice(0, 4)}…${appId.slice(-4)}` : appId;

/** The website app's AppID and AppSecret (WECHAT_APP_ID, WECHAT_APP_SECRET). */
export function checkWechatCredentials(
  cfg: Pick<DoctorConfig, "wechat" | "timeoutMs">,
  deps: { httpGet: HttpGet },
): Promise<CheckResult> {
  const { appId, appSecret, apiBase } = cfg.wechat;
  return checkCredentials(websiteApp, { appId, appSecret }, apiBase, cfg.timeoutMs, deps);
}

/** The Official Account's AppID and AppSecret (WECHAT_OA_APP_ID, WECHAT_OA_APP_SECRET). */
export function checkWechatOaCredentials(
  cfg: Pick<DoctorConfig, "wechat" | "timeoutMs">,
  deps: { httpGet: HttpGet },
): Promise<CheckResult> {
  return checkCredentials(officialAccount, cfg.wechat.oa, cfg.wechat.apiBase, cfg.timeoutMs, deps);
}

async function checkCredentials(
  app: WechatApp,
  { appId, appSecret }: { appId?: string; appSecret?: string },
  apiBase: string,
  timeoutMs: number,
  deps: { httpGet: HttpGet },
): Promise<CheckResult> {
  const { name, consoleHint } = app;
  if (!appId && !appSecret) {
    return { name, status: "SKIP", message: app.off };
  }
  if (!appId || !appSecret) {
    const [missing, set] = appId ? [app.secretVar, app.idVar] : [app.idVar, app.secretVar];
    return {
      name,
      status: "FAIL",
      message: `${missing} is empty while ${set} is set`,
      fix: `set ${missing} in .env (${consoleHint}), or empty both to turn ${app === websiteApp ? "WeChat" : "the Official Account"} off`,
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
    const res = await deps.httpGet(`${apiBase}${wechatTokenPath}?${query}`, { timeoutMs });
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
        fix: `copy the AppSecret of this app into ${app.secretVar} (${consoleHint}; reset it there if lost)`,
      };
    case 40013:
      return {
        name,
        status: "FAIL",
        message: `wrong appid: WeChat answered 40013 (${meaning}) for ${shown}`,
        fix: `set ${app.idVar} to ${app.what}'s AppID, 18 characters starting with "wx" (${consoleHint})`,
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

/** The Official Account's web authorization domain (网页授权域名) and its verification file. */
export function checkWechatOaDomain(cfg: Pick<DoctorConfig, "logtoDomain" | "wechat">): CheckResult {
  const name = "wechat-oa-domain";
  if (!cfg.wechat.oa.appId) {
    return { name, status: "SKIP", message: "no Official Account; its web authorization domain would be " + cfg.logtoDomain };
  }
  if (localHost(cfg.logtoDomain)) {
    return {
      name,
      status: "WARN",
      message: `LOGTO_DOMAIN ${cfg.logtoDomain} is local: WeChat cannot register it as the Official Account's web authorization domain`,
      fix: "set LOGTO_DOMAIN to the public host of Logto, or use the WeChat emulator sandbox for local tests",
    };
  }
  return {
    name,
    status: "OK",
    message: `register this exact web authorization domain (网页授权域名) for the Official Account: ${cfg.logtoDomain}; put the MP_verify_<key>.txt WeChat offers into wechat-verify/ first (served at https://${cfg.logtoDomain}/MP_verify_<key>.txt)`,
  };
}
