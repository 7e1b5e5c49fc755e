import type { ConnectorMetadata } from '@logto/connector-kit';
import { ConnectorConfigFormItemType, ConnectorPlatform } from '@logto/connector-kit';

/** Website app (网站应用): the QR page, exactly as @logto/connector-wechat-web calls it. */
export const qrAuthorizationEndpoint = 'https://open.weixin.qq.com/connect/qrconnect';
/** Official Account web authorization (网页授权), only inside WeChat's browser. */
export const oaAuthorizationEndpoint = 'https://open.weixin.qq.com/connect/oauth2/authorize';
/** The same token and profile endpoints serve both kinds of app. */
export const accessTokenEndpoint = 'https://api.weixin.qq.com/sns/oauth2/access_token';
export const userInfoEndpoint = 'https://api.weixin.qq.com/sns/userinfo';

export const qrScope = 'snsapi_login';
/** `snsapi_base` would give an openid only: `sns/userinfo` needs `snsapi_userinfo`. */
export const oaScope = 'snsapi_userinfo';
/** Required by the OA page; a fragment, so WeChat's server never sees it. */
export const oaFragment = '#wechat_redirect';

/** WeChat's in-app browser; its user agent carries `MicroMessenger/<version>`. */
export const wechatBrowserPattern = /MicroMessenger/i;

// See https://developers.weixin.qq.com/doc/oplatform/Return_codes/Return_code_descriptions_new.html
export const invalidAuthCodeErrcode = [40_029, 40_163, 42_003];
export const invalidAccessTokenErrcode = [40_001, 40_014];

/**
 * Per call. No retry: a WeChat code is single-use, so repeating a token call that timed out only
 * meets 40163 (code been used).
 */
export const defaultTimeout = 5000;

export const defaultMetadata: ConnectorMetadata = {
  // Not `wechat-web`: Logto refuses a second package with a factory id it already has.
  id: 'wechat-web-oa',
  target: 'wechat',
  platform: ConnectorPlatform.Web,
  name: {
    en: 'WeChat',
    'zh-CN': '微信',
  },
  logo: './logo.svg',
  logoDark: null,
  description: {
    en: 'WeChat sign-in: QR code on computers, Official Account authorization inside WeChat.',
    'zh-CN': '微信登录：电脑上扫码，微信内置浏览器中通过公众号网页授权。',
  },
  readme: './README.md',
  formItems: [
    {
      key: 'appId',
      label: 'Website app ID (网站应用 AppID)',
      required: true,
      type: ConnectorConfigFormItemType.Text,
      placeholder: '<app-id>',
    },
    {
      key: 'appSecret',
      label: 'Website app secret',
      required: true,
      type: ConnectorConfigFormItemType.Text,
      placeholder: '<app-secret>',
    },
    {
      key: 'scope',
      type: ConnectorConfigFormItemType.MultilineText,
      label: 'Scope',
      required: false,
      placeholder: 'Enter the scopes (separated by a space)',
      description: "The `scope` determines permissions granted by the user's authorization. ",
    },
    {
      key: 'oaAppId',
      label: 'Official Account app ID (公众号 AppID)',
      required: false,
      type: ConnectorConfigFormItemType.Text,
      placeholder: '<official-account-app-id>',
      description: 'Optional, with its secret: sign-in inside WeChat without a QR code.',
    },
    {
      key: 'oaAppSecret',
      label: 'Official Account app secret',
      required: false,
      type: ConnectorConfigFormItemType.Text,
      placeholder: '<official-account-app-secret>',
    },
  ],
};
