/** How Logto's console and sign-in page present the connector. */
import {
  ConnectorConfigFormItemType,
  ConnectorPlatform,
  type ConnectorMetadata,
} from '@logto/connector-kit';

import { wechatScopes } from './wechat.js';

/** Form fields, in the order the console shows them; their keys are the config's (config.ts). */
const formItems: ConnectorMetadata['formItems'] = [
  {
    key: 'appId',
    label: 'Website app AppID (网站应用)',
    required: true,
    type: ConnectorConfigFormItemType.Text,
    placeholder: 'wx0123456789abcdef',
  },
  {
    key: 'appSecret',
    label: 'Website app AppSecret',
    required: true,
    type: ConnectorConfigFormItemType.Text,
    placeholder: 'AppSecret from open.weixin.qq.com',
  },
  {
    key: 'scope',
    label: 'QR code scopes',
    required: false,
    type: ConnectorConfigFormItemType.MultilineText,
    placeholder: wechatScopes.qr,
    description: `Space-separated scopes for the QR code sign-in; empty means ${wechatScopes.qr}.`,
  },
  {
    key: 'oaAppId',
    label: 'Official Account AppID (公众号)',
    required: false,
    type: ConnectorConfigFormItemType.Text,
    placeholder: 'wx0123456789abcdef',
    description: 'Optional, with its AppSecret: visitors inside WeChat sign in without a QR code.',
  },
  {
    key: 'oaAppSecret',
    label: 'Official Account AppSecret',
    required: false,
    type: ConnectorConfigFormItemType.Text,
    placeholder: 'AppSecret from mp.weixin.qq.com',
  },
];

export const metadata: ConnectorMetadata = {
  // Logto already has `wechat-web` (its own connector) and refuses a second package with that id.
  id: 'wechat-web-oa',
  // Logto keys a user's social identities by target: `wechat`, as its own connector, keeps them.
  target: 'wechat',
  platform: ConnectorPlatform.Web,
  name: { en: 'WeChat', 'zh-CN': '微信' },
  // Taken at build time from @logto/connector-wechat-web (scripts/take-logo.mjs), not kept here.
  logo: './logo.svg',
  logoDark: null,
  description: {
    en: 'Sign in with WeChat: a QR code on computers, the Official Account inside WeChat.',
    'zh-CN': '微信登录：电脑上扫码，微信内由公众号网页授权。',
  },
  readme: './README.md',
  formItems,
};
