/**
 * WeChat's two server calls, shared by both apps: code -> access token, access token -> profile.
 * https://developers.weixin.qq.com/doc/oplatform/Website_App/WeChat_Login/Wechat_Login.html
 */
import {
  ConnectorError,
  ConnectorErrorCodes,
  parseJson,
  type SocialUserInfo,
} from '@logto/connector-kit';
import type { z } from 'zod';

import {
  accessTokenEndpoint,
  defaultTimeout,
  invalidAccessTokenErrcode,
  invalidAuthCodeErrcode,
  userInfoEndpoint,
} from './constant.js';
import {
  accessTokenResponseGuard,
  userInfoResponseGuard,
  type UserInfoResponse,
  type WechatApp,
} from './types.js';

type Call = 'access token' | 'user info';
type Json = SocialUserInfo['rawData'];

/**
 * GET with WeChat's query parameters. A non-2xx answer is HTTPError-like: `onHttpError` maps it
 * (user info's 401 means a bad token, as in connector-wechat-web); a timeout or an unreachable
 * WeChat is a general connector error naming the call.
 */
const getJson = async <T extends z.ZodTypeAny>(
  call: Call,
  endpoint: string,
  query: Record<string, string>,
  guard: T,
  onHttpError: (status: number, body: string) => ConnectorError
): Promise<{ data: z.infer<T>; raw: Json }> => {
  const url = `${endpoint}?${new URLSearchParams(query).toString()}`;
  const timedOut = new Error(`no answer within ${defaultTimeout} ms`);
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(timedOut);
  }, defaultTimeout);
  let response: Response;
  let body: string;
  try {
    response = await fetch(url, { signal: controller.signal });
    // WeChat sends JSON as text/plain: parsed whatever the content type.
    body = await response.text();
  } catch (error: unknown) {
    const reason =
      error === timedOut ? timedOut.message : String(error instanceof Error && error.cause ? error.cause : error);
    throw new ConnectorError(ConnectorErrorCodes.General, {
      errorDescription: `WeChat ${call} request failed: ${reason}`,
    });
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok) {
    throw onHttpError(response.status, body);
  }
  const raw = parseJson(body);
  const result = guard.safeParse(raw);
  if (!result.success) {
    throw new ConnectorError(ConnectorErrorCodes.InvalidResponse, result.error);
  }
  return { data: result.data, raw };
};

const generalHttpError = (status: number, body: string) =>
  new ConnectorError(ConnectorErrorCodes.General, {
    errorDescription: `WeChat answered HTTP ${status}`,
    body,
  });

/** An errcode of the token call: the code was bad, used or expired, or something else went wrong. */
export const accessTokenError = (errcode: number, errmsg: string | undefined) =>
  invalidAuthCodeErrcode.includes(errcode)
    ? new ConnectorError(ConnectorErrorCodes.SocialAuthCodeInvalid, errmsg)
    : new ConnectorError(ConnectorErrorCodes.General, { errorDescription: errmsg, errcode });

/** An errcode of the user info call. */
export const userInfoError = (errcode: number, errmsg: string | undefined) =>
  invalidAccessTokenErrcode.includes(errcode)
    ? new ConnectorError(ConnectorErrorCodes.SocialAccessTokenInvalid, errmsg)
    : new ConnectorError(ConnectorErrorCodes.General, { errorDescription: errmsg, errcode });

/** Exchanges a code with the credentials of the app that issued it. */
export const getAccessToken = async (
  code: string,
  { appId, appSecret }: WechatApp
): Promise<{ accessToken: string; openid: string }> => {
  const { data } = await getJson(
    'access token',
    accessTokenEndpoint,
    { appid: appId, secret: appSecret, code, grant_type: 'authorization_code' },
    accessTokenResponseGuard,
    generalHttpError
  );
  if (data.errcode) {
    throw accessTokenError(data.errcode, data.errmsg);
  }
  const { access_token: accessToken, openid } = data;
  if (!accessToken || !openid) {
    throw new ConnectorError(ConnectorErrorCodes.InvalidResponse, {
      errorDescription: 'WeChat access token response without access_token or openid',
    });
  }
  return { accessToken, openid };
};

export const getWechatUserInfo = async (
  accessToken: string,
  openid: string
): Promise<{ profile: UserInfoResponse; raw: Json }> => {
  const { data, raw } = await getJson(
    'user info',
    userInfoEndpoint,
    { access_token: accessToken, openid },
    userInfoResponseGuard,
    (status, body) =>
      status === 401
        ? new ConnectorError(ConnectorErrorCodes.SocialAccessTokenInvalid)
        : generalHttpError(status, body)
  );
  if (data.errcode) {
    throw userInfoError(data.errcode, data.errmsg);
  }
  return { profile: data, raw };
};
