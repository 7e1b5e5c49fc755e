/** Configs and user agents the tests sign in with. */
export const websiteApp = { appId: 'wx-website-test', appSecret: 'website-secret-test' };
export const officialAccount = { appId: 'wx-oa-test', appSecret: 'oa-secret-test' };

export const websiteOnlyConfig = { ...websiteApp };
export const withOfficialAccountConfig = {
  ...websiteApp,
  oaAppId: officialAccount.appId,
  oaAppSecret: officialAccount.appSecret,
};

/** WeChat 8 on Android, as its in-app browser sends it. */
export const wechatAndroidUserAgent =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UQ1A.240205.004; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/122.0.6261.120 Mobile Safari/537.36 XWEB/1220099 MMWEBSDK/20240404 MMWEBID/1234 MicroMessenger/8.0.49.2600(0x28003133) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64';

/** WeChat 8 on an iPhone. */
export const wechatIphoneUserAgent =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003129) NetType/WIFI Language/zh_CN';

export const desktopUserAgent =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
