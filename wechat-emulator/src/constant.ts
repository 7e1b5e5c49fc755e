/**
 * WeChat Open Platform constants, as the real service uses them.
 * Protocol: https://developers.weixin.qq.com/doc/oplatform/Website_App/WeChat_Login/Wechat_Login.html
 * Return codes: https://developers.weixin.qq.com/doc/oplatform/Return_codes/Return_code_descriptions_new.html
 */

/** WeChat's two hosts: pages for the browser, the API for servers. Each answers only its own paths. */
export const hosts = { open: "open.weixin.qq.com", api: "api.weixin.qq.com" } as const;

/** Paths served on open.weixin.qq.com (browser) and api.weixin.qq.com (server to server). */
export const paths = {
  qrconnect: "/connect/qrconnect",
  /** Emulator-only: what the phone app does when the user taps confirm or deny. */
  confirm: "/connect/qrconnect/confirm",
  /** Official Account web authorization (公众号网页授权), inside WeChat's browser. */
  oauth2Authorize: "/connect/oauth2/authorize",
  /** Emulator-only: the user's answer on the OA consent page. */
  oauth2Confirm: "/connect/oauth2/authorize/confirm",
  accessToken: "/sns/oauth2/access_token",
  userInfo: "/sns/userinfo",
  refreshToken: "/sns/oauth2/refresh_token",
  auth: "/sns/auth",
} as const;

/** Endpoint names used by the control API (faults, call counts). */
export const endpointNames = ["qrconnect", "oauth2_authorize", "access_token", "userinfo", "refresh_token", "auth"] as const;
export type EndpointName = (typeof endpointNames)[number];

export const appTypes = ["website", "officialAccount"] as const;
export type AppType = (typeof appTypes)[number];

/** The Open Platform account apps are bound to unless a config file says otherwise. */
export const defaultOpenPlatformAccount = "default";

export const websiteLoginScope = "snsapi_login";
/** OA scopes: `snsapi_base` redirects silently with an openid only; `snsapi_userinfo` asks consent. */
export const oaScopes = ["snsapi_base", "snsapi_userinfo"] as const;
export type OaScope = (typeof oaScopes)[number];

/** Only WeChat's own browser may open the OA authorization. */
export const wechatBrowserPattern = /MicroMessenger/i;

/** A website-app code lives 10 minutes and can be exchanged once. */
export const codeTtlMs = 10 * 60 * 1000;
/** An Official Account code lives 5 minutes. */
export const oaCodeTtlMs = 5 * 60 * 1000;
/** Access tokens: `expires_in: 7200`. */
export const accessTokenTtlSeconds = 7200;
/** Refresh tokens last 30 days. */
export const refreshTokenTtlMs = 30 * 24 * 60 * 60 * 1000;
/** How long the QR page (its uuid) stays usable, like WeChat's expiring QR code. */
export const qrSessionTtlMs = 5 * 60 * 1000;

/** errcode -> errmsg, as WeChat spells them (a ", rid: ..." suffix is added per response). */
export const errcodes = {
  systemError: { errcode: -1, errmsg: "system error" },
  invalidCredential: { errcode: 40001, errmsg: "invalid credential, access_token is invalid or not latest" },
  invalidGrantType: { errcode: 40002, errmsg: "invalid grant_type" },
  invalidOpenid: { errcode: 40003, errmsg: "invalid openid" },
  invalidAppid: { errcode: 40013, errmsg: "invalid appid" },
  invalidAccessToken: { errcode: 40014, errmsg: "invalid access_token" },
  invalidCode: { errcode: 40029, errmsg: "invalid code" },
  invalidRefreshToken: { errcode: 40030, errmsg: "invalid refresh_token" },
  invalidAppsecret: { errcode: 40125, errmsg: "invalid appsecret" },
  codeBeenUsed: { errcode: 40163, errmsg: "code been used" },
  missingAccessToken: { errcode: 41001, errmsg: "access_token missing" },
  missingAppid: { errcode: 41002, errmsg: "appid missing" },
  missingRefreshToken: { errcode: 41003, errmsg: "refresh_token missing" },
  missingSecret: { errcode: 41004, errmsg: "appsecret missing" },
  missingCode: { errcode: 41008, errmsg: "missing code" },
  missingOpenid: { errcode: 41009, errmsg: "missing openid" },
  accessTokenExpired: { errcode: 42001, errmsg: "access_token expired" },
  refreshTokenExpired: { errcode: 42002, errmsg: "refresh_token expired" },
  codeExpired: { errcode: 42003, errmsg: "code expired" },
  requireGet: { errcode: 43001, errmsg: "require GET method" },
  /** sns/userinfo with a snsapi_base token. */
  apiUnauthorized: { errcode: 48001, errmsg: "api unauthorized" },
} as const satisfies Record<string, { errcode: number; errmsg: string }>;

export type WechatError = (typeof errcodes)[keyof typeof errcodes];

/** errmsg for an errcode injected through the control API. */
export const errmsgFor = (errcode: number): string =>
  Object.values(errcodes).find((entry) => entry.errcode === errcode)?.errmsg ?? "system error";

/** Texts of WeChat's own error page (it never redirects on these). */
export const errorPages = {
  appid: { title: "参数错误", detail: "AppID 参数错误" },
  redirectUri: { title: "参数错误", detail: "redirect_uri 参数错误" },
  scope: { title: "参数错误", detail: "Scope 参数错误或没有 Scope 权限" },
  responseType: { title: "参数错误", detail: "response_type 参数错误" },
  expired: { title: "二维码已失效", detail: "请返回网站重新获取二维码" },
  denied: { title: "你已取消此次登录", detail: "你可以关闭此页面，或返回网站重新登录" },
  unreachable: { title: "该链接无法访问", detail: "请检查链接后重试" },
} as const;

/**
 * The OA authorization's error page: WeChat shows "Oops! Something went wrong:(" with a numbered
 * error (公众号网页授权 docs, 错误码), and never redirects.
 */
export const oaErrorPages = {
  redirectUri: { code: 10003, detail: "redirect_uri域名与后台配置不一致" },
  scope: { code: 10005, detail: "此公众号并没有这些scope的权限" },
  emptyScope: { code: 10010, detail: "scope不能为空" },
  emptyRedirectUri: { code: 10011, detail: "redirect_uri不能为空" },
  emptyAppid: { code: 10012, detail: "appid不能为空" },
  emptyState: { code: 10013, detail: "state不能为空" },
  websiteAppid: { code: 10016, detail: "不支持微信开放平台的Appid，请使用公众号Appid" },
} as const;
export type OaErrorPage = (typeof oaErrorPages)[keyof typeof oaErrorPages];

/** The OA authorization opened in any browser but WeChat's. */
export const openInWechatPage = { title: "请在微信客户端打开链接", detail: "Please open this link in WeChat" } as const;
