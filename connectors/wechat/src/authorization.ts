/** Which WeChat app signs the visitor in, and the URL that starts it: pure functions. */
import { ConnectorError, ConnectorErrorCodes } from '@logto/connector-kit';

import {
  oaAuthorizationEndpoint,
  oaFragment,
  oaScope,
  qrAuthorizationEndpoint,
  qrScope,
  wechatBrowserPattern,
} from './constant.js';
import type { WechatApp, WechatAppKind, WechatConfig } from './types.js';

/** The Official Account pair, when both are set (the config guard refuses one alone). */
export const officialAccountOf = ({ oaAppId, oaAppSecret }: WechatConfig): WechatApp | undefined =>
  oaAppId && oaAppSecret ? { appId: oaAppId, appSecret: oaAppSecret } : undefined;

export const isWechatBrowser = (userAgent: string | undefined) =>
  userAgent !== undefined && wechatBrowserPattern.test(userAgent);

/**
 * Inside WeChat's browser a QR code would have to be scanned by the very phone showing it: there
 * the Official Account's authorization, when one is configured. Everywhere else the website app.
 */
export const chooseApp = (config: WechatConfig, userAgent: string | undefined): WechatAppKind =>
  isWechatBrowser(userAgent) && officialAccountOf(config) ? 'officialAccount' : 'website';

/** Credentials of the app that issued a code; the OA may have been removed since. */
export const credentialsFor = (config: WechatConfig, kind: WechatAppKind): WechatApp => {
  if (kind === 'website') {
    return { appId: config.appId, appSecret: config.appSecret };
  }
  const officialAccount = officialAccountOf(config);
  if (!officialAccount) {
    throw new ConnectorError(ConnectorErrorCodes.InvalidConfig, {
      errorDescription:
        'This sign-in started with the WeChat Official Account, which is no longer configured (oaAppId, oaAppSecret): start again',
    });
  }
  return officialAccount;
};

type AuthorizationRequest = { state: string; redirectUri: string; scope?: string };

export const buildAuthorizationUri = (
  config: WechatConfig,
  kind: WechatAppKind,
  { state, redirectUri, scope }: AuthorizationRequest
): string => {
  const { appId } = credentialsFor(config, kind);
  const parameters = (appScope: string) =>
    new URLSearchParams({
      appid: appId,
      // As @logto/connector-wechat-web (Logto's `/callback/<id>` URIs have nothing it changes).
      redirect_uri: encodeURI(redirectUri),
      response_type: 'code',
      scope: appScope,
      state,
    }).toString();

  if (kind === 'officialAccount') {
    return `${oaAuthorizationEndpoint}?${parameters(oaScope)}${oaFragment}`;
  }
  return `${qrAuthorizationEndpoint}?${parameters(scope ?? config.scope ?? qrScope)}`;
};
