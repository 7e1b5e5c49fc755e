import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

import {
  errcodes,
  errmsgFor,
  errorPages,
  hosts,
  oaCodeTtlMs,
  oaErrorPages,
  oaScopes,
  openInWechatPage,
  paths,
  wechatBrowserPattern,
  websiteLoginScope,
  type EndpointName,
  type OaErrorPage,
  type WechatError,
} from "./constant.js";
import { deniedPage, errorPage, oaConsentPage, oaErrorPage, qrPage } from "./pages.js";
import { newRid, type EmulatorState } from "./state.js";
import {
  accessTokenQueryGuard,
  authQueryGuard,
  confirmFormGuard,
  oauth2AuthorizeQueryGuard,
  qrconnectQueryGuard,
  refreshTokenQueryGuard,
  userInfoQueryGuard,
  type App,
  type EmulatorConfig,
} from "./types.js";
import { openidFor, unionidFor } from "./users.js";

/** WeChat's wire format: JSON with escaped slashes, sent as text/plain, HTTP 200 even for errors. */
const sendWechatJson = (res: ServerResponse, body: Record<string, unknown>): void => {
  const text = JSON.stringify(body).replaceAll("/", "\\/");
  res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
};

const sendError = (res: ServerResponse, error: WechatError): void =>
  sendWechatJson(res, { errcode: error.errcode, errmsg: `${error.errmsg}, rid: ${newRid()}` });

const sendHtml = (res: ServerResponse, html: string, status = 200): void => {
  res.writeHead(status, { "Content-Type": "text/html; charset=utf-8", "Content-Length": Buffer.byteLength(html) });
  res.end(html);
};

const statusPage = (status: number): string =>
  `<html>\r\n<head><title>${status}</title></head>\r\n<body>\r\n<center><h1>${status}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;

const firstValues = (params: URLSearchParams): Record<string, string> => {
  const result: Record<string, string> = {};
  for (const [key, value] of params) if (!(key in result)) result[key] = value;
  return result;
};

const readBody = async (req: IncomingMessage, limit = 16 * 1024): Promise<string> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw new Error("request body too large");
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
};

/** `host` or `host:port` of a redirect URI against the registered callback domain: exact match. */
const callbackDomainMatches = (redirectUri: string, callbackDomain: string): boolean => {
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    return false;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return false;
  const expected = callbackDomain.toLowerCase();
  return expected.includes(":") ? url.host === expected : url.hostname === expected;
};

/**
 * WeChat returns redirect_uri exactly as it was given, byte for byte, with its parameters appended
 * (before a fragment): re-serializing it through URL would re-encode its query (`a%20b` -> `a+b`).
 */
const withQuery = (redirectUri: string, params: Record<string, string>): string => {
  const hashAt = redirectUri.indexOf("#");
  const base = hashAt === -1 ? redirectUri : redirectUri.slice(0, hashAt);
  const fragment = hashAt === -1 ? "" : redirectUri.slice(hashAt);
  const added = Object.entries(params)
    .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
    .join("&");
  const separator = !base.includes("?") ? "?" : base.endsWith("?") || base.endsWith("&") ? "" : "&";
  return `${base}${separator}${added}${fragment}`;
};

/** The host a request was sent to, without port (Host header; SNI names the same host). */
const requestHost = (req: IncomingMessage): string => (req.headers.host ?? "").replace(/:\d+$/, "").toLowerCase();

export type WechatHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Request handler for both WeChat hosts (routes by path, like one listener behind both names). */
export const createWechatHandler = (config: EmulatorConfig, state: EmulatorState): WechatHandler => {
  const findApp = (appid: string | undefined): App | undefined => config.apps.find((app) => app.appid === appid);
  /** The app a token was issued to (tokens are only issued to configured apps). */
  const appOf = (appid: string): App => {
    const app = findApp(appid);
    if (!app) throw new Error(`token of an unknown app ${appid}`);
    return app;
  };

  /** Counts the call, then applies the next queued fault for this endpoint; true = response already sent. */
  const applyFault = async (
    endpoint: EndpointName,
    req: IncomingMessage,
    res: ServerResponse,
    query: Record<string, string>,
    html: boolean
  ): Promise<boolean> => {
    state.recordCall(endpoint, req.method ?? "GET", query);
    const fault = state.takeFault(endpoint);
    if (!fault) return false;
    if (fault.delayMs) await sleep(fault.delayMs);
    if (fault.httpStatus !== undefined) {
      sendHtml(res, statusPage(fault.httpStatus), fault.httpStatus);
      return true;
    }
    if (fault.errcode !== undefined) {
      if (html) sendHtml(res, errorPage({ title: "系统错误", detail: `errcode: ${fault.errcode}, ${errmsgFor(fault.errcode)}` }));
      else sendError(res, { errcode: fault.errcode, errmsg: errmsgFor(fault.errcode) } as WechatError);
      return true;
    }
    return false; // delay only: answer normally, late (as a slow WeChat would, code consumed or not)
  };

  const codeTtlFor = (app: App): number | undefined => (app.type === "officialAccount" ? oaCodeTtlMs : undefined);

  const sendOaError = (res: ServerResponse, page: OaErrorPage): void => sendHtml(res, oaErrorPage(page));

  /**
   * open.weixin.qq.com/connect/oauth2/authorize: the Official Account's web authorization, only in
   * WeChat's browser and only for OA appids (a website appid gets 10016). snsapi_base redirects at
   * once (the first test user: the phone's WeChat user); snsapi_userinfo asks consent first.
   */
  const oauth2Authorize = (req: IncomingMessage, query: Record<string, string>, res: ServerResponse): void => {
    if (!wechatBrowserPattern.test(req.headers["user-agent"] ?? "")) return sendHtml(res, errorPage(openInWechatPage));
    const q = oauth2AuthorizeQueryGuard.parse(query);
    if (!q.appid) return sendOaError(res, oaErrorPages.emptyAppid);
    const app = findApp(q.appid);
    if (!app) return sendHtml(res, errorPage(errorPages.appid));
    if (app.type !== "officialAccount") return sendOaError(res, oaErrorPages.websiteAppid);
    if (!q.redirect_uri) return sendOaError(res, oaErrorPages.emptyRedirectUri);
    if (!callbackDomainMatches(q.redirect_uri, app.callbackDomain)) return sendOaError(res, oaErrorPages.redirectUri);
    if (q.response_type !== "code") return sendHtml(res, errorPage(errorPages.responseType));
    if (!q.scope) return sendOaError(res, oaErrorPages.emptyScope);
    const scope = oaScopes.find((candidate) => candidate === q.scope);
    if (!scope) return sendOaError(res, oaErrorPages.scope);
    if (!q.state) return sendOaError(res, oaErrorPages.emptyState);
    const [phoneUser] = config.users;
    if (scope === "snsapi_base" && phoneUser) {
      const code = state.issueCode(app.appid, phoneUser, scope, oaCodeTtlMs);
      res.writeHead(302, { Location: withQuery(q.redirect_uri, { code, state: q.state }) });
      return void res.end();
    }
    const session = state.openQrSession({ app, redirectUri: q.redirect_uri, state: q.state, scope });
    sendHtml(res, oaConsentPage({ app, uuid: session.uuid, users: config.users }));
  };

  const qrconnect = (query: Record<string, string>, res: ServerResponse): void => {
    const q = qrconnectQueryGuard.parse(query);
    const app = findApp(q.appid);
    if (!app || app.type !== "website") return sendHtml(res, errorPage(errorPages.appid));
    if (!q.redirect_uri || !callbackDomainMatches(q.redirect_uri, app.callbackDomain)) {
      return sendHtml(res, errorPage(errorPages.redirectUri));
    }
    if (q.response_type !== "code") return sendHtml(res, errorPage(errorPages.responseType));
    const scopes = (q.scope ?? "").split(",").filter(Boolean);
    if (scopes.length === 0 || scopes.some((scope) => scope !== websiteLoginScope)) {
      return sendHtml(res, errorPage(errorPages.scope));
    }
    const session = state.openQrSession({ app, redirectUri: q.redirect_uri, state: q.state ?? "", scope: websiteLoginScope });
    sendHtml(res, qrPage({ app, uuid: session.uuid, users: config.users }));
  };

  const confirm = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== "POST") return sendHtml(res, errorPage(errorPages.unreachable), 405);
    const form = confirmFormGuard.safeParse(firstValues(new URLSearchParams(await readBody(req))));
    if (!form.success) return sendHtml(res, errorPage(errorPages.unreachable), 400);
    const session = state.takeQrSession(form.data.uuid);
    if (!session) return sendHtml(res, errorPage(errorPages.expired));
    if (form.data.deny !== undefined || !form.data.user) {
      if (!session.app.denyRedirects) return sendHtml(res, deniedPage(errorPages.denied));
      res.writeHead(302, { Location: withQuery(session.redirectUri, { state: session.state }) });
      return void res.end();
    }
    const user = config.users.find((candidate) => candidate.key === form.data.user);
    if (!user) return sendHtml(res, errorPage(errorPages.unreachable), 400);
    const code = state.issueCode(session.app.appid, user, session.scope, codeTtlFor(session.app));
    res.writeHead(302, { Location: withQuery(session.redirectUri, { code, state: session.state }) });
    res.end();
  };

  const accessToken = (query: Record<string, string>, res: ServerResponse): void => {
    const q = accessTokenQueryGuard.parse(query);
    if (!q.appid) return sendError(res, errcodes.missingAppid);
    if (!q.secret) return sendError(res, errcodes.missingSecret);
    const app = findApp(q.appid);
    if (!app) return sendError(res, errcodes.invalidAppid);
    if (q.secret !== app.secret) return sendError(res, errcodes.invalidAppsecret);
    if (!q.code) return sendError(res, errcodes.missingCode);
    if (q.grant_type !== "authorization_code") return sendError(res, errcodes.invalidGrantType);
    const lookup = state.redeemCode(app.appid, q.code);
    if (!lookup.ok) {
      const byReason = { unknown: errcodes.invalidCode, used: errcodes.codeBeenUsed, expired: errcodes.codeExpired };
      return sendError(res, byReason[lookup.reason]);
    }
    const { user, scope } = lookup.grant;
    const { access, refresh } = state.issueTokens(app.appid, user, scope);
    // An OA gives the unionid here only for snsapi_userinfo (公众号网页授权 docs).
    const unionid = scope === "snsapi_base" ? undefined : unionidFor(user, app);
    sendWechatJson(res, {
      access_token: access.token,
      expires_in: Math.round((access.expiresAt - state.now()) / 1000),
      refresh_token: refresh.token,
      openid: openidFor(user, app),
      scope,
      ...(unionid ? { unionid } : {}),
    });
  };

  const refreshToken = (query: Record<string, string>, res: ServerResponse): void => {
    const q = refreshTokenQueryGuard.parse(query);
    if (!q.appid) return sendError(res, errcodes.missingAppid);
    const app = findApp(q.appid);
    if (!app) return sendError(res, errcodes.invalidAppid);
    if (q.grant_type !== "refresh_token") return sendError(res, errcodes.invalidGrantType);
    if (!q.refresh_token) return sendError(res, errcodes.missingRefreshToken);
    const lookup = state.lookupRefreshToken(app.appid, q.refresh_token);
    if (!lookup.ok) {
      return sendError(res, lookup.reason === "expired" ? errcodes.refreshTokenExpired : errcodes.invalidRefreshToken);
    }
    const access = state.refresh(lookup.entry);
    sendWechatJson(res, {
      access_token: access.token,
      expires_in: Math.round((access.expiresAt - state.now()) / 1000),
      refresh_token: lookup.entry.token,
      openid: openidFor(lookup.entry.user, app),
      scope: lookup.entry.scope,
    });
  };

  const userInfo = (query: Record<string, string>, res: ServerResponse): void => {
    const q = userInfoQueryGuard.parse(query);
    if (!q.access_token) return sendError(res, errcodes.missingAccessToken);
    const lookup = state.lookupAccessToken(q.access_token);
    if (!lookup.ok) {
      return sendError(res, lookup.reason === "expired" ? errcodes.accessTokenExpired : errcodes.invalidAccessToken);
    }
    const { user, scope } = lookup.entry;
    const app = appOf(lookup.entry.appid);
    const openid = openidFor(user, app);
    // Without openid WeChat still answers for the token's user; a different openid is refused.
    if (q.openid !== undefined && q.openid !== openid) return sendError(res, errcodes.invalidOpenid);
    if (scope === "snsapi_base") return sendError(res, errcodes.apiUnauthorized);
    const unionid = unionidFor(user, app);
    sendWechatJson(res, {
      openid,
      nickname: user.nickname,
      sex: user.sex,
      province: user.province,
      city: user.city,
      country: user.country,
      headimgurl: user.headimgurl,
      privilege: [],
      ...(unionid ? { unionid } : {}),
    });
  };

  const auth = (query: Record<string, string>, res: ServerResponse): void => {
    const q = authQueryGuard.parse(query);
    if (!q.access_token) return sendError(res, errcodes.missingAccessToken);
    if (!q.openid) return sendError(res, errcodes.missingOpenid);
    const lookup = state.lookupAccessToken(q.access_token);
    if (!lookup.ok) {
      return sendError(res, lookup.reason === "expired" ? errcodes.accessTokenExpired : errcodes.invalidAccessToken);
    }
    if (openidFor(lookup.entry.user, appOf(lookup.entry.appid)) !== q.openid) return sendError(res, errcodes.invalidOpenid);
    sendWechatJson(res, { errcode: 0, errmsg: "ok" });
  };

  const apiRoutes: Record<string, [EndpointName, (query: Record<string, string>, res: ServerResponse) => void]> = {
    [paths.accessToken]: ["access_token", accessToken],
    [paths.refreshToken]: ["refresh_token", refreshToken],
    [paths.userInfo]: ["userinfo", userInfo],
    [paths.auth]: ["auth", auth],
  };

  return async (req, res) => {
    const url = new URL(req.url ?? "/", `https://${hosts.open}`);
    const query = firstValues(url.searchParams);
    const host = requestHost(req);

    if (host === hosts.open) {
      if (url.pathname === paths.qrconnect) {
        if (await applyFault("qrconnect", req, res, query, true)) return;
        return qrconnect(query, res);
      }
      if (url.pathname === paths.oauth2Authorize) {
        if (await applyFault("oauth2_authorize", req, res, query, true)) return;
        return oauth2Authorize(req, query, res);
      }
      if (url.pathname === paths.confirm || url.pathname === paths.oauth2Confirm) return confirm(req, res);
    }

    const route = host === hosts.api ? apiRoutes[url.pathname] : undefined;
    if (route) {
      const [endpoint, handle] = route;
      if (await applyFault(endpoint, req, res, query, false)) return;
      if (req.method !== "GET") return sendError(res, errcodes.requireGet);
      return handle(query, res);
    }
    sendHtml(res, statusPage(404), 404);
  };
};
