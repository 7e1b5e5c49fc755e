import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

import { errcodes, errmsgFor, errorPages, paths, websiteLoginScope, type EndpointName, type WechatError } from "./constant.js";
import { deniedPage, errorPage, qrPage } from "./pages.js";
import { newRid, type EmulatorState } from "./state.js";
import {
  accessTokenQueryGuard,
  authQueryGuard,
  confirmFormGuard,
  qrconnectQueryGuard,
  refreshTokenQueryGuard,
  userInfoQueryGuard,
  type App,
  type EmulatorConfig,
} from "./types.js";

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

const withQuery = (redirectUri: string, params: Record<string, string>): string => {
  const url = new URL(redirectUri);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.toString();
};

export type WechatHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Request handler for both WeChat hosts (routes by path, like one listener behind both names). */
export const createWechatHandler = (config: EmulatorConfig, state: EmulatorState): WechatHandler => {
  const findApp = (appid: string | undefined): App | undefined => config.apps.find((app) => app.appid === appid);

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

  const qrconnect = (query: Record<string, string>, res: ServerResponse): void => {
    const q = qrconnectQueryGuard.parse(query);
    const app = findApp(q.appid);
    if (!app) return sendHtml(res, errorPage(errorPages.appid));
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
    const code = state.issueCode(session.app.appid, user, session.scope);
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
    sendWechatJson(res, {
      access_token: access.token,
      expires_in: Math.round((access.expiresAt - state.now()) / 1000),
      refresh_token: refresh.token,
      openid: user.openid,
      scope,
      ...(user.unionid ? { unionid: user.unionid } : {}),
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
      openid: lookup.entry.user.openid,
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
    const { user } = lookup.entry;
    // Without openid WeChat still answers for the token's user; a different openid is refused.
    if (q.openid !== undefined && q.openid !== user.openid) return sendError(res, errcodes.invalidOpenid);
    sendWechatJson(res, {
      openid: user.openid,
      nickname: user.nickname,
      sex: user.sex,
      province: user.province,
      city: user.city,
      country: user.country,
      headimgurl: user.headimgurl,
      privilege: [],
      ...(user.unionid ? { unionid: user.unionid } : {}),
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
    if (lookup.entry.user.openid !== q.openid) return sendError(res, errcodes.invalidOpenid);
    sendWechatJson(res, { errcode: 0, errmsg: "ok" });
  };

  const apiRoutes: Record<string, [EndpointName, (query: Record<string, string>, res: ServerResponse) => void]> = {
    [paths.accessToken]: ["access_token", accessToken],
    [paths.refreshToken]: ["refresh_token", refreshToken],
    [paths.userInfo]: ["userinfo", userInfo],
    [paths.auth]: ["auth", auth],
  };

  return async (req, res) => {
    const url = new URL(req.url ?? "/", "https://open.weixin.qq.com");
    const query = firstValues(url.searchParams);

    if (url.pathname === paths.qrconnect) {
      if (await applyFault("qrconnect", req, res, query, true)) return;
      return qrconnect(query, res);
    }
    if (url.pathname === paths.confirm) return confirm(req, res);

    const route = apiRoutes[url.pathname];
    if (route) {
      const [endpoint, handle] = route;
      if (await applyFault(endpoint, req, res, query, false)) return;
      if (req.method !== "GET") return sendError(res, errcodes.requireGet);
      return handle(query, res);
    }
    sendHtml(res, statusPage(404), 404);
  };
};
