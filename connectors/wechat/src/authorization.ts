/** Which WeChat app signs the visitor in, and the URL that sends them there: pure functions. */
import { ConnectorError, ConnectorErrorCodes } from '@logto/connector-kit';
import { z } from 'zod';

import { appsOf, type WechatApp, type WechatConfig } from './config.js';
import { isWechatBrowser, oaPageSuffix, wechatScopes, wechatUrls } from './wechat.js';

export const wechatAppKindGuard = z.enum(['website', 'officialAccount']);
export type WechatAppKind = z.infer<typeof wechatAppKindGuard>;

/** Kept in Logto's connector session between the redirect and the callback: which app issued the code. */
export const connectorSessionGuard = z.object({ wechatApp: wechatAppKindGuard });
export type ConnectorSession = z.infer<typeof connectorSessionGuard>;

/**
 * Inside WeChat's browser a QR code would have to be scanned by the very phone showing it: there
 * the Official Account's authorization, when one is configured. Everywhere else the website app.
 */
export const chooseApp = (config: WechatConfig, userAgent: string | undefined): WechatAppKind =>
  isWechatBrowser(userAgent) && appsOf(config).officialAccount ? 'officialAccount' : 'website';

/** Credentials of the app that issued a code; the Official Account may have been removed since. */
export const credentialsFor = (config: WechatConfig, kind: WechatAppKind): WechatApp => {
  const { website, officialAccount } = appsOf(config);
  if (kind === 'website') {
    return website;
  }
  if (!officialAccount) {
    throw new ConnectorError(ConnectorErrorCodes.InvalidConfig, {
      errorDescription:
        'This sign-in started with the WeChat Official Account, which is no longer configured (oaAppId, oaAppSecret): start again',
    });
  }
  return officialAccount;
};

export type AuthorizationRequest = { state: string; redirectUri: string; scope?: string };

export const buildAuthorizationUri = (
  config: WechatConfig,
  kind: WechatAppKind,
  { state, redirectUri, scope }: AuthorizationRequest
): string => {
  const query = (appScope: string) =>
    new URLSearchParams({
      appid: credentialsFor(config, kind).appId,
      // encodeURI first, as connector-wechat-web does, so both send byte-identical QR URLs.
      redirect_uri: encodeURI(redirectUri),
      response_type: 'code',
      scope: appScope,
      state,
    }).toString();

  return kind === 'officialAccount'
    ? `${wechatUrls.oaPage}?${query(wechatScopes.oa)}${oaPageSuffix}`
    : `${wechatUrls.qrPage}?${query(scope ?? config.scope ?? wechatScopes.qr)}`;
};
