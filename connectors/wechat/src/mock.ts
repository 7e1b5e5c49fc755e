/** Placeholder configs for the tests. */
export const websiteOnlyConfig = {
  appId: '<app-id>',
  appSecret: '<app-secret>',
};

export const withOfficialAccountConfig = {
  ...websiteOnlyConfig,
  oaAppId: '<oa-app-id>',
  oaAppSecret: '<oa-app-secret>',
};

/** WeChat 8 on Android, as its in-app browser sends it. */
export const wechatUserAgent =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UQ1A.240205.004; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/122.0.6261.120 Mobile Safari/537.36 XWEB/1220099 MMWEBSDK/20240404 MMWEBID/1234 MicroMessenger/8.0.49.2600(0x28003133) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64';

export const desktopUserAgent =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
