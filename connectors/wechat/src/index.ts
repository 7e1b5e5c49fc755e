/**
 * WeChat for Logto, both ways in: the website app's QR code (exactly @logto/connector-wechat-web)
 * and, inside WeChat's browser with an Official Account configured, the OA's web authorization.
 * The user id is `unionid ?? openid` either way: with both apps bound to one Open Platform account
 * the unionid is the same, so one person is one Logto user however they come.
 */
import type {
  CreateConnector,
  GetAuthorizationUri,
  GetConnectorConfig,
  GetUserInfo,
  SocialConnector,
} from '@logto/connector-kit';
import {
  ConnectorError,
  ConnectorErrorCodes,
  ConnectorType,
  validateConfig,
} from '@logto/connector-kit';

import { buildAuthorizationUri, chooseApp, credentialsFor } from './authorization.js';
import { defaultMetadata } from './constant.js';
import { authResponseGuard, connectorSessionGuard, sessionKey, wechatConfigGuard } from './types.js';
import { getAccessToken, getWechatUserInfo } from './wechat-api.js';

const readConfig = async (getConfig: GetConnectorConfig) => {
  const config = await getConfig(defaultMetadata.id);
  validateConfig(config, wechatConfigGuard);
  return wechatConfigGuard.parse(config);
};

const getAuthorizationUri =
  (getConfig: GetConnectorConfig): GetAuthorizationUri =>
  async ({ state, redirectUri, scope, headers: { userAgent } }, setSession) => {
    const config = await readConfig(getConfig);
    const kind = chooseApp(config, userAgent);
    await setSession({ [sessionKey]: kind });
    return buildAuthorizationUri(config, kind, { state, redirectUri, scope });
  };

const getUserInfo =
  (getConfig: GetConnectorConfig): GetUserInfo =>
  async (data, getSession) => {
    const callback = authResponseGuard.safeParse(data);
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
    const app = credentialsFor(config, session.data[sessionKey]);
    const { accessToken, openid } = await getAccessToken(callback.data.code, app);
    const { profile, raw } = await getWechatUserInfo(accessToken, openid);
    const { unionid, headimgurl, nickname } = profile;
    return { id: unionid ?? openid, avatar: headimgurl, name: nickname, rawData: raw };
  };

const createWechatConnector: CreateConnector<SocialConnector> = async ({ getConfig }) => ({
  metadata: defaultMetadata,
  type: ConnectorType.Social,
  configGuard: wechatConfigGuard,
  getAuthorizationUri: getAuthorizationUri(getConfig),
  getUserInfo: getUserInfo(getConfig),
});

export default createWechatConnector;
