/** WeChat's two server calls, the same for both apps: code -> access token, access token -> profile. */
import {
  ConnectorError,
  ConnectorErrorCodes,
  parseJson,
  type SocialUserInfo,
} from '@logto/connector-kit';
import type { z } from 'zod';

import type { WechatApp } from './config.js';
import {
  accessTokenGrantGuard,
  wechatFailureGuard,
  wechatProfileGuard,
  type WechatProfile,
} from './responses.js';
import { errorCodeFor, requestTimeoutMs, wechatUrls, type WechatCall } from './wechat.js';

type Json = SocialUserInfo['rawData'];

const generalError = (errorDescription: string, extra: Record<string, unknown> = {}) =>
  new ConnectorError(ConnectorErrorCodes.General, { errorDescription, ...extra });

/** A WeChat failure body as Logto's error: the explained errcodes with WeChat's message, others general. */
export const wechatFailureError = (call: WechatCall, errcode: number, errmsg: string | undefined) => {
  const code = errorCodeFor(call, errcode);
  return code === ConnectorErrorCodes.General
    ? generalError(errmsg ?? `WeChat ${call} errcode ${errcode}`, { errcode })
    : new ConnectorError(code, errmsg);
};

/** Fetches one call, within its deadline; a timeout or an unreachable WeChat names the call. */
const fetchText = async (call: WechatCall, url: string): Promise<{ status: number; body: string }> => {
  const timedOut = new Error(`no answer within ${requestTimeoutMs} ms`);
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(timedOut);
  }, requestTimeoutMs);
  try {
    const response = await fetch(url, { signal: controller.signal });
    // WeChat sends its JSON as text/plain: read as text whatever the content type says.
    return { status: response.status, body: await response.text() };
  } catch (error: unknown) {
    const reason =
      error === timedOut ? timedOut.message : String(error instanceof Error && error.cause ? error.cause : error);
    throw generalError(`WeChat ${call} request failed: ${reason}`);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * One WeChat call: a non-2xx status goes to `onHttpError`, a failure body to Logto's error for its
 * errcode, anything that is neither a failure nor what `guard` expects is an invalid response.
 */
const callWechat = async <T extends z.ZodTypeAny>(
  call: WechatCall,
  endpoint: string,
  query: Record<string, string>,
  guard: T,
  onHttpError: (status: number, body: string) => ConnectorError
): Promise<{ data: z.infer<T>; raw: Json }> => {
  const { status, body } = await fetchText(call, `${endpoint}?${new URLSearchParams(query).toString()}`);
  if (status < 200 || status > 299) {
    throw onHttpError(status, body);
  }
  const raw = parseJson(body);
  const failure = wechatFailureGuard.safeParse(raw);
  if (failure.success) {
    throw wechatFailureError(call, failure.data.errcode, failure.data.errmsg);
  }
  const answer = guard.safeParse(raw);
  if (!answer.success) {
    throw new ConnectorError(ConnectorErrorCodes.InvalidResponse, answer.error);
  }
  return { data: answer.data, raw };
};

const httpStatusError = (status: number, body: string) => generalError(`WeChat answered HTTP ${status}`, { body });

/** Exchanges a code with the credentials of the app that issued it. */
export const exchangeCode = async (
  code: string,
  { appId, appSecret }: WechatApp
): Promise<{ accessToken: string; openid: string }> => {
  const { data } = await callWechat(
    'access token',
    wechatUrls.accessToken,
    { appid: appId, secret: appSecret, code, grant_type: 'authorization_code' },
    accessTokenGrantGuard,
    httpStatusError
  );
  return { accessToken: data.access_token, openid: data.openid };
};

/** The visitor's profile; HTTP 401 means the token is bad, as in connector-wechat-web. */
export const fetchProfile = async (
  accessToken: string,
  openid: string
): Promise<{ profile: WechatProfile; raw: Json }> => {
  const { data, raw } = await callWechat(
    'user info',
    wechatUrls.userInfo,
    { access_token: accessToken, openid },
    wechatProfileGuard,
    (status, body) =>
      status === 401 ? new ConnectorError(ConnectorErrorCodes.SocialAccessTokenInvalid) : httpStatusError(status, body)
  );
  return { profile: data, raw };
};
