// Fixed names and tables of the doctor.

/** Path of WeChat's code-for-token endpoint (website login, 网站应用). */
export const wechatTokenPath = "/sns/oauth2/access_token";

/**
 * WeChat global return codes that the token endpoint gives
 * (https://developers.weixin.qq.com/doc/oplatform/Return_codes/Return_code_descriptions_new.html).
 */
export const wechatErrcodes: Record<number, string> = {
  [-1]: "system busy, try again later",
  40001: "invalid credential",
  40013: "invalid appid: WeChat knows no app with this AppID",
  40029: "invalid code",
  40125: "invalid appsecret: the AppSecret does not belong to this AppID",
  40163: "code been used",
  40164: "caller IP is not on the app's IP whitelist",
  41002: "appid missing",
  41004: "appsecret missing",
  41008: "code missing",
  42003: "code expired",
  45009: "API call quota reached for today",
  50001: "this API is not authorized for the app (is it a website app?)",
};

/** Days before expiry under which a publicly trusted certificate is worth a warning (Caddy renews at ~30). */
export const certWarnDays = 14;

/** Check groups for `--only` (comma-separated). */
export const checkGroups = ["wechat", "logto", "tls", "outbound"] as const;
export type CheckGroup = (typeof checkGroups)[number];
