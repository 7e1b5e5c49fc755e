import { ConnectorError, ConnectorErrorCodes, type SocialConnector } from '@logto/connector-kit';
import createWechatWebConnector from '@logto/connector-wechat-web';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { WechatAppKind } from './authorization.js';
import createConnector from './index.js';
import { metadata } from './metadata.js';
import {
  desktopUserAgent,
  officialAccount,
  wechatAndroidUserAgent as wechatUserAgent,
  wechatIphoneUserAgent,
  websiteApp,
  websiteOnlyConfig,
  withOfficialAccountConfig,
} from './test-fixtures.js';
import { wechatUrls } from './wechat.js';

type Config = Record<string, unknown>;

const connectorWith = async (config: Config): Promise<SocialConnector> =>
  createConnector({ getConfig: vi.fn().mockResolvedValue(config) });

const payload = (userAgent: string | undefined, extra: { scope?: string } = {}) => ({
  state: 'Xy9_-aB3cDe',
  redirectUri: 'https://auth.example.com/callback/wechat',
  connectorId: 'wechat',
  connectorFactoryId: metadata.id,
  jti: 'some_jti',
  headers: userAgent === undefined ? {} : { userAgent },
  ...extra,
});

/** What connector-wechat-web 1.6.5 itself sends for the same request. */
const wechatWebUri = async (config: Config, request: ReturnType<typeof payload>) => {
  const wechatWeb = await createWechatWebConnector({ getConfig: vi.fn().mockResolvedValue(config) });
  return wechatWeb.getAuthorizationUri(request, vi.fn());
};

describe('getAuthorizationUri', () => {
  it.each([
    ['a desktop browser, no Official Account', websiteOnlyConfig, desktopUserAgent],
    ['a desktop browser, with an Official Account', withOfficialAccountConfig, desktopUserAgent],
    ['no user agent, with an Official Account', withOfficialAccountConfig, undefined],
    ["WeChat's browser, no Official Account", websiteOnlyConfig, wechatUserAgent],
  ])('%s: exactly connector-wechat-web\'s QR URI, session "website"', async (_, config, userAgent) => {
    const setSession = vi.fn();
    const connector = await connectorWith(config);
    const uri = await connector.getAuthorizationUri(payload(userAgent), setSession);
    expect(uri).toBe(await wechatWebUri(config, payload(userAgent)));
    expect(uri).toBe(
      'https://open.weixin.qq.com/connect/qrconnect?appid=wx-website-test&redirect_uri=https%3A%2F%2Fauth.example.com%2Fcallback%2Fwechat&response_type=code&scope=snsapi_login&state=Xy9_-aB3cDe'
    );
    expect(setSession).toHaveBeenCalledExactlyOnceWith({ wechatApp: 'website' });
  });

  it("the config's scope and Logto's requested scope, as connector-wechat-web", async () => {
    const config = { ...websiteOnlyConfig, scope: 'snsapi_login snsapi_extra' };
    for (const request of [payload(desktopUserAgent), payload(desktopUserAgent, { scope: 'custom_scope' })]) {
      const connector = await connectorWith(config);
      expect(await connector.getAuthorizationUri(request, vi.fn())).toBe(await wechatWebUri(config, request));
    }
  });

  it("WeChat's browser with an Official Account: the OA's web authorization, session \"officialAccount\"", async () => {
    const setSession = vi.fn();
    const connector = await connectorWith({ ...withOfficialAccountConfig, scope: 'ignored_for_oa' });
    const uri = await connector.getAuthorizationUri(payload(wechatUserAgent, { scope: 'ignored' }), setSession);
    expect(uri).toBe(
      'https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx-oa-test&redirect_uri=https%3A%2F%2Fauth.example.com%2Fcallback%2Fwechat&response_type=code&scope=snsapi_userinfo&state=Xy9_-aB3cDe#wechat_redirect'
    );
    expect(setSession).toHaveBeenCalledExactlyOnceWith({ wechatApp: 'officialAccount' });
  });

  it('an iPhone WeChat user agent counts too', async () => {
    const connector = await connectorWith(withOfficialAccountConfig);
    expect(await connector.getAuthorizationUri(payload(wechatIphoneUserAgent), vi.fn())).toMatch(
      /^https:\/\/open\.weixin\.qq\.com\/connect\/oauth2\/authorize\?appid=wx-oa-test&/
    );
  });

  it.each([
    [{ ...websiteOnlyConfig, oaAppId: 'wx-oa' }, 'oaAppSecret'],
    [{ ...websiteOnlyConfig, oaAppSecret: 'secret' }, 'oaAppId'],
    [{ ...websiteOnlyConfig, oaAppId: 'wx-oa', oaAppSecret: '' }, 'oaAppSecret'],
  ])('refuses an Official Account half configured (%o): InvalidConfig naming %s', async (config, missing) => {
    const connector = await connectorWith(config);
    const error = await connector.getAuthorizationUri(payload(wechatUserAgent), vi.fn()).catch((error: unknown) => error);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ code: ConnectorErrorCodes.InvalidConfig });
    expect(JSON.stringify((error as ConnectorError).data)).toContain(missing);
  });

  it('an empty scope (a field cleared in the console) means snsapi_login', async () => {
    const connector = await connectorWith({ ...websiteOnlyConfig, scope: '' });
    expect(await connector.getAuthorizationUri(payload(desktopUserAgent), vi.fn())).toContain('&scope=snsapi_login&');
  });

  it('empty Official Account fields count as none', async () => {
    const connector = await connectorWith({ ...websiteOnlyConfig, oaAppId: '', oaAppSecret: '' });
    const uri = await connector.getAuthorizationUri(payload(wechatUserAgent), vi.fn());
    expect(uri).toBe(await wechatWebUri(websiteOnlyConfig, payload(wechatUserAgent)));
  });
});

// ---------------------------------------------------------------- the exchange

type Reply = { status?: number; body: unknown } | 'timeout' | 'unreachable';

/** WeChat's API as fetch sees it: one reply per endpoint, every URL called recorded. */
const stubWechat = (replies: { accessToken?: Reply; userInfo?: Reply }) => {
  const calls: URL[] = [];
  const answer = (reply: Reply | undefined, signal: AbortSignal | undefined): Promise<Response> => {
    if (reply === undefined) throw new Error('unexpected call');
    if (reply === 'unreachable') {
      return Promise.reject(new TypeError('fetch failed', { cause: new Error('getaddrinfo ENOTFOUND api.weixin.qq.com') }));
    }
    if (reply === 'timeout') {
      // Never answers: only the connector's own deadline ends it.
      return new Promise((_, reject) => {
        signal?.addEventListener('abort', () => reject(signal.reason));
      });
    }
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    return Promise.resolve(new Response(text, { status: reply.status ?? 200, headers: { 'content-type': 'text/plain' } }));
  };
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const url = new URL(String(input));
    calls.push(url);
    const endpoint = `${url.origin}${url.pathname}`;
    if (endpoint === wechatUrls.accessToken) return answer(replies.accessToken, init?.signal ?? undefined);
    if (endpoint === wechatUrls.userInfo) return answer(replies.userInfo, init?.signal ?? undefined);
    throw new Error(`unexpected URL ${url.href}`);
  });
  return calls;
};

const tokenOk = { body: { access_token: 'ACCESS', expires_in: 7200, refresh_token: 'REFRESH', openid: 'o-alice', scope: 'snsapi_login' } };
const profile = {
  openid: 'o-alice',
  nickname: 'Alice 爱丽丝',
  sex: 0,
  province: '',
  city: '',
  country: '',
  headimgurl: 'https://thirdwx.qlogo.cn/mmopen/vi_32/alice/132',
  privilege: [],
  unionid: 'u-alice',
};
const wechatError = (errcode: number, errmsg: string) => ({ body: { errcode, errmsg: `${errmsg}, rid: 6206378a-2b0f1a54-5f5e2ab5` } });

const getUserInfoAs = async (kind: WechatAppKind | undefined, data: unknown = { code: 'CODE' }) => {
  const connector = await connectorWith(withOfficialAccountConfig);
  return connector.getUserInfo(data, async () => (kind ? { wechatApp: kind } : {}));
};

const failure = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (error: unknown) => error
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('getUserInfo', () => {
  it.each([
    ['website', websiteApp.appId, websiteApp.appSecret],
    ['officialAccount', officialAccount.appId, officialAccount.appSecret],
  ] as const)('a code from the %s app is exchanged with its own credentials', async (kind, appid, secret) => {
    const calls = stubWechat({ accessToken: tokenOk, userInfo: { body: profile } });
    const user = await getUserInfoAs(kind);
    expect(user).toEqual({
      id: 'u-alice',
      name: 'Alice 爱丽丝',
      avatar: 'https://thirdwx.qlogo.cn/mmopen/vi_32/alice/132',
      rawData: profile,
    });
    expect(calls.map((url) => Object.fromEntries(url.searchParams))).toEqual([
      { appid, secret, code: 'CODE', grant_type: 'authorization_code' },
      { access_token: 'ACCESS', openid: 'o-alice' },
    ]);
  });

  it('an app not bound to an Open Platform account gives no unionid: the id is the openid', async () => {
    const { unionid: _, ...unbound } = profile;
    stubWechat({ accessToken: tokenOk, userInfo: { body: unbound } });
    expect((await getUserInfoAs('officialAccount')).id).toBe('o-alice');
  });

  it('parses JSON sent as text/plain with escaped slashes', async () => {
    stubWechat({
      accessToken: tokenOk,
      userInfo: { body: JSON.stringify(profile).replaceAll('/', '\\/') },
    });
    expect((await getUserInfoAs('website')).avatar).toBe(profile.headimgurl);
  });

  it('a callback without code (denied, or not from WeChat): general error, no call to WeChat', async () => {
    const calls = stubWechat({});
    const error = await failure(getUserInfoAs('website', { state: 'Xy9_-aB3cDe' }));
    expect(error.code).toBe(ConnectorErrorCodes.General);
    expect(calls).toEqual([]);
  });

  it('a session that does not say which app: general error saying to start again', async () => {
    const calls = stubWechat({});
    const error = await failure(getUserInfoAs(undefined));
    expect(error.code).toBe(ConnectorErrorCodes.General);
    expect(error.data).toMatchObject({ errorDescription: expect.stringContaining('start again') });
    expect(calls).toEqual([]);
  });

  it('an Official Account code after the OA was removed from the config: InvalidConfig', async () => {
    const calls = stubWechat({});
    const connector = await connectorWith(websiteOnlyConfig);
    const error = await failure(connector.getUserInfo({ code: 'CODE' }, async () => ({ wechatApp: 'officialAccount' })));
    expect(error.code).toBe(ConnectorErrorCodes.InvalidConfig);
    expect(calls).toEqual([]);
  });

  describe.each(['website', 'officialAccount'] as const)('errors of the %s app', (kind) => {
    describe('access token exchange', () => {
      it.each([
        [40_029, 'invalid code'],
        [40_163, 'code been used'],
        [42_003, 'code expired'],
      ])('errcode %i: SocialAuthCodeInvalid with WeChat\'s message', async (errcode, errmsg) => {
        const calls = stubWechat({ accessToken: wechatError(errcode, errmsg) });
        const error = await failure(getUserInfoAs(kind));
        expect(error.code).toBe(ConnectorErrorCodes.SocialAuthCodeInvalid);
        expect(error.data).toEqual({ message: `${errmsg}, rid: 6206378a-2b0f1a54-5f5e2ab5` });
        expect(calls).toHaveLength(1);
      });

      it.each([
        [-1, 'system error'],
        [40_013, 'invalid appid'],
        [40_125, 'invalid appsecret'],
        [41_002, 'appid missing'],
        [41_004, 'appsecret missing'],
        [41_008, 'missing code'],
      ])('errcode %i: general error with errcode and message', async (errcode, errmsg) => {
        stubWechat({ accessToken: wechatError(errcode, errmsg) });
        const error = await failure(getUserInfoAs(kind));
        expect(error.code).toBe(ConnectorErrorCodes.General);
        expect(error.data).toEqual({ errorDescription: `${errmsg}, rid: 6206378a-2b0f1a54-5f5e2ab5`, errcode });
      });

      it.each([500, 502, 404])('HTTP %i: general error naming the status', async (status) => {
        stubWechat({ accessToken: { status, body: '<html><h1>502 Bad Gateway</h1></html>' } });
        const error = await failure(getUserInfoAs(kind));
        expect(error.code).toBe(ConnectorErrorCodes.General);
        expect(error.data).toMatchObject({ errorDescription: `WeChat answered HTTP ${status}` });
      });

      it('not JSON: InvalidResponse', async () => {
        stubWechat({ accessToken: { body: '<html>maintenance</html>' } });
        expect((await failure(getUserInfoAs(kind))).code).toBe(ConnectorErrorCodes.InvalidResponse);
      });

      it('JSON of the wrong shape: InvalidResponse', async () => {
        stubWechat({ accessToken: { body: { access_token: 42, openid: 'o-alice' } } });
        expect((await failure(getUserInfoAs(kind))).code).toBe(ConnectorErrorCodes.InvalidResponse);
      });

      it('no access_token or no openid: InvalidResponse', async () => {
        stubWechat({ accessToken: { body: { openid: 'o-alice' } } });
        expect((await failure(getUserInfoAs(kind))).code).toBe(ConnectorErrorCodes.InvalidResponse);
        vi.restoreAllMocks();
        stubWechat({ accessToken: { body: { access_token: 'ACCESS' } } });
        expect((await failure(getUserInfoAs(kind))).code).toBe(ConnectorErrorCodes.InvalidResponse);
      });

      it('WeChat unreachable: general error naming the call and the cause', async () => {
        stubWechat({ accessToken: 'unreachable' });
        const error = await failure(getUserInfoAs(kind));
        expect(error.code).toBe(ConnectorErrorCodes.General);
        expect(error.data).toEqual({
          errorDescription: 'WeChat access token request failed: Error: getaddrinfo ENOTFOUND api.weixin.qq.com',
        });
      });

      it('no answer within 5 s: general error, asked once (a WeChat code is single-use)', async () => {
        vi.useFakeTimers({ toFake: ['setTimeout'] });
        try {
          const calls = stubWechat({ accessToken: 'timeout' });
          const pending = failure(getUserInfoAs(kind));
          await vi.advanceTimersByTimeAsync(5000);
          const error = await pending;
          expect(error.code).toBe(ConnectorErrorCodes.General);
          expect(error.data).toEqual({ errorDescription: 'WeChat access token request failed: no answer within 5000 ms' });
          expect(calls).toHaveLength(1);
        } finally {
          vi.useRealTimers();
        }
      });
    });

    describe('user info', () => {
      it.each([
        [40_001, 'invalid credential, access_token is invalid or not latest'],
        [40_014, 'invalid access_token'],
      ])('errcode %i: SocialAccessTokenInvalid', async (errcode, errmsg) => {
        stubWechat({ accessToken: tokenOk, userInfo: wechatError(errcode, errmsg) });
        const error = await failure(getUserInfoAs(kind));
        expect(error.code).toBe(ConnectorErrorCodes.SocialAccessTokenInvalid);
        expect(error.data).toEqual({ message: `${errmsg}, rid: 6206378a-2b0f1a54-5f5e2ab5` });
      });

      it.each([
        [-1, 'system error'],
        [40_003, 'invalid openid'],
        [42_001, 'access_token expired'],
      ])('errcode %i: general error with errcode and message', async (errcode, errmsg) => {
        stubWechat({ accessToken: tokenOk, userInfo: wechatError(errcode, errmsg) });
        const error = await failure(getUserInfoAs(kind));
        expect(error.code).toBe(ConnectorErrorCodes.General);
        expect(error.data).toEqual({ errorDescription: `${errmsg}, rid: 6206378a-2b0f1a54-5f5e2ab5`, errcode });
      });

      it('HTTP 401: SocialAccessTokenInvalid, as connector-wechat-web', async () => {
        stubWechat({ accessToken: tokenOk, userInfo: { status: 401, body: 'Unauthorized' } });
        expect((await failure(getUserInfoAs(kind))).code).toBe(ConnectorErrorCodes.SocialAccessTokenInvalid);
      });

      it('HTTP 500: general error naming the status', async () => {
        stubWechat({ accessToken: tokenOk, userInfo: { status: 500, body: 'Internal Server Error' } });
        const error = await failure(getUserInfoAs(kind));
        expect(error.code).toBe(ConnectorErrorCodes.General);
        expect(error.data).toMatchObject({ errorDescription: 'WeChat answered HTTP 500' });
      });

      it('not JSON: InvalidResponse', async () => {
        stubWechat({ accessToken: tokenOk, userInfo: { body: 'oops' } });
        expect((await failure(getUserInfoAs(kind))).code).toBe(ConnectorErrorCodes.InvalidResponse);
      });
    });
  });
});

describe('metadata', () => {
  let connector: SocialConnector;
  beforeEach(async () => {
    connector = await connectorWith(websiteOnlyConfig);
  });

  it("target wechat on the web platform, as connector-wechat-web, under another factory id (Logto refuses two packages with one id)", async () => {
    const wechatWeb = await createWechatWebConnector({ getConfig: vi.fn() });
    expect(connector.metadata).toMatchObject({ target: wechatWeb.metadata.target, platform: wechatWeb.metadata.platform });
    expect(connector.metadata.id).not.toBe(wechatWeb.metadata.id);
    expect(connector.type).toBe(wechatWeb.type);
  });

  it('offers every config key in the console form', () => {
    expect(connector.metadata.formItems?.map(({ key }) => key)).toEqual(['appId', 'appSecret', 'scope', 'oaAppId', 'oaAppSecret']);
  });
});
