/**
 * WeChat for Logto, both ways in: the website app's QR code (byte for byte what
 * @logto/connector-wechat-web sends) and, inside WeChat's browser with an Official Account
 * configured, the Official Account's web authorization. The user id is `unionid ?? openid` either
 * way: with both apps bound to one Open Platform account the unionid is the same, so one person is
 * one Logto user however they come.
 */
import {
  ConnectorError,
  ConnectorErrorCodes,
  ConnectorType,
  validateConfig,
  type CreateConnector,
  type GetAuthorizationUri,
  type GetConnectorConfig,
  type GetUserInfo,
  type SocialConnector,
} from '@logto/connector-kit';

import { buildAuthorizationUri, chooseApp, connectorSessionGuard, credentialsFor, type ConnectorSession } from './authorization.js';
import { wechatConfigGuard, type WechatConfig } from './config.js';
import { metadata } from './metadata.js';
import { callbackGuard } from './responses.js';
import { exchangeCode, fetchProfile } from './wechat-api.js';

const readConfig = async (getConfig: GetConnectorConfig): Promise<WechatConfig> => {
  const config = await getConfig(metadata.id);
  validateConfig(config, wechatConfigGuard);
  return wechatConfigGuard.parse(config);
};

const getAuthorizationUri =
  (getConfig: GetConnectorConfig): GetAuthorizationUri =>
  async ({ state, redirectUri, scope, headers: { userAgent } }, setSession) => {
    const config = await readConfig(getConfig);
    const wechatApp = chooseApp(config, userAgent);
    const session: ConnectorSession = { wechatApp };
    await setSession(session);
    return buildAuthorizationUri(config, wechatApp, { state, redirectUri, scope });
  };

const getUserInfo =
  (getConfig: GetConnectorConfig): GetUserInfo =>
  async (data, getSession) => {
    const callback = callbackGuard.safeParse(data);
    if (!callback.success) {
      throw new ConnectorError(ConnectorErrorCodes.General, JSON.stringify(data));
    }
    const session = connectorSessionGuard.safeParse(await getSession());
    if (!session.success) {
      throw new ConnectorError(ConnectorErrorCodes.General, {
        errorDescription: 'The WeChat sign-in session does not say which WeChat app it started with: start again',
      });
    }
    const config = await readConfig(getConfig);
    const { accessToken, openid } = await exchangeCode(callback.data.code, credentialsFor(config, session.data.wechatApp));
    const { profile, raw } = await fetchProfile(accessToken, openid);
    return { id: profile.unionid ?? openid, avatar: profile.headimgurl, name: profile.nickname, rawData: raw };
  };

const createWechatConnector: CreateConnector<SocialConnector> = async ({ getConfig }) => ({
  metadata,
  type: ConnectorType.Social,
  configGuard: wechatConfigGuard,
  getAuthorizationUri: getAuthorizationUri(getConfig),
  getUserInfo: getUserInfo(getConfig),
});

export default createWechatConnector;
