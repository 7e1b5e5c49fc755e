/**
 * What WeChat itself defines, from its public docs: the pages and API the connector talks to, the
 * scopes, the in-app browser's user agent, and which errcodes mean something Logto can tell the user.
 * Website app: https://developers.weixin.qq.com/doc/oplatform/Website_App/WeChat_Login/Wechat_Login.html
 * Official Account: https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html
 */
import { ConnectorErrorCodes } from '@logto/connector-kit';

export const wechatUrls = {
  /** Website app (网站应用): a QR code for the visitor to scan with WeChat. */
  qrPage: 'https://open.weixin.qq.com/connect/qrconnect',
  /** Official Account web authorization (网页授权): a consent page inside WeChat's browser. */
  oaPage: 'https://open.weixin.qq.com/connect/oauth2/authorize',
  /** Both kinds of app exchange their codes and read profiles at the same two endpoints. */
  accessToken: 'https://api.weixin.qq.com/sns/oauth2/access_token',
  userInfo: 'https://api.weixin.qq.com/sns/userinfo',
} as const;

export const wechatScopes = {
  qr: 'snsapi_login',
  /** `snsapi_base` would be silent but gives no profile: `sns/userinfo` needs `snsapi_userinfo`. */
  oa: 'snsapi_userinfo',
} as const;

/** The OA page refuses a URL without it; being a fragment, it never reaches WeChat's server. */
export const oaPageSuffix = '#wechat_redirect';

/** WeChat's in-app browser says `MicroMessenger/<version>` in its user agent, on every platform. */
export const isWechatBrowser = (userAgent: string | undefined): boolean =>
  userAgent !== undefined && /MicroMessenger/i.test(userAgent);

export type WechatCall = 'access token' | 'user info';

/**
 * Errcodes Logto can explain (its own error codes); WeChat's return code list:
 * https://developers.weixin.qq.com/doc/oplatform/Return_codes/Return_code_descriptions_new.html
 * Any other errcode is a general connector error carrying the errcode.
 */
const explainedErrcodes: Record<WechatCall, ReadonlyMap<number, ConnectorErrorCodes>> = {
  'access token': new Map([
    [40_029, ConnectorErrorCodes.SocialAuthCodeInvalid], // invalid code
    [40_163, ConnectorErrorCodes.SocialAuthCodeInvalid], // code been used
    [42_003, ConnectorErrorCodes.SocialAuthCodeInvalid], // code expired
  ]),
  'user info': new Map([
    [40_001, ConnectorErrorCodes.SocialAccessTokenInvalid], // credential invalid or not latest
    [40_014, ConnectorErrorCodes.SocialAccessTokenInvalid], // invalid access_token
  ]),
};

export const errorCodeFor = (call: WechatCall, errcode: number): ConnectorErrorCodes =>
  explainedErrcodes[call].get(errcode) ?? ConnectorErrorCodes.General;

/**
 * Per call, and never retried: a code is single-use, so a token call repeated after a timeout can
 * only meet 40163 (code been used).
 */
export const requestTimeoutMs = 5000;
