// WECHAT_OA_APP_ID / WECHAT_OA_APP_SECRET: the Official Account for sign-in inside WeChat.
import { describe, expect, it } from 'vitest';

import { parseConfig } from './config.js';
import { ConfigError } from './errors.js';

const website = {
  LOGTO_DB_URL: 'postgres://logto:pw@postgres:5432/logto',
  WECHAT_APP_ID: 'wx1234567890abcdef',
  WECHAT_APP_SECRET: 'wechat-secret-0123',
};
const oa = { WECHAT_OA_APP_ID: 'wxfedcba0987654321', WECHAT_OA_APP_SECRET: 'oa-secret-0123' };

const issuesOf = (env: Record<string, string | undefined>) => {
  try {
    parseConfig(env);
  } catch (error: unknown) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('WECHAT_OA_APP_ID / WECHAT_OA_APP_SECRET', () => {
  it('both set: the Official Account beside the website app', () => {
    expect(parseConfig({ ...website, ...oa }).wechat).toEqual({
      appId: website.WECHAT_APP_ID,
      appSecret: website.WECHAT_APP_SECRET,
      scope: 'snsapi_login',
      oa: { appId: oa.WECHAT_OA_APP_ID, appSecret: oa.WECHAT_OA_APP_SECRET },
    });
  });

  it('neither (or both empty): no Official Account, nothing else changes', () => {
    expect(parseConfig(website).wechat?.oa).toBeUndefined();
    expect(parseConfig({ ...website, WECHAT_OA_APP_ID: '', WECHAT_OA_APP_SECRET: ' ' }).wechat?.oa).toBeUndefined();
  });

  it.each([
    [{ WECHAT_OA_APP_ID: oa.WECHAT_OA_APP_ID }, 'WECHAT_OA_APP_SECRET is empty while the other Official Account variable is set'],
    [{ WECHAT_OA_APP_SECRET: oa.WECHAT_OA_APP_SECRET }, 'WECHAT_OA_APP_ID is empty while the other Official Account variable is set'],
  ])('one without the other (%o) is refused', (half, message) => {
    expect(issuesOf({ ...website, ...half })).toEqual([expect.stringContaining(message)]);
  });

  it('an Official Account without the website app is refused, naming what to set', () => {
    expect(issuesOf({ LOGTO_DB_URL: website.LOGTO_DB_URL, ...oa })).toEqual([
      expect.stringContaining('WECHAT_OA_APP_ID is set but WECHAT_APP_ID / WECHAT_APP_SECRET are empty'),
    ]);
  });

  it("a malformed AppID or secret is refused, the secret's value never shown", () => {
    const issues = issuesOf({ ...website, WECHAT_OA_APP_ID: 'gh_1234', WECHAT_OA_APP_SECRET: 'has space' });
    expect(issues).toEqual([
      expect.stringMatching(/^WECHAT_OA_APP_ID must look like wx followed by 16 letters or digits/),
      expect.stringMatching(/^WECHAT_OA_APP_SECRET must be the Official Account's AppSecret/),
    ]);
    expect(issues.join(' ')).not.toContain('has space');
  });

  it("the emulator's Official Account only in the sandbox", () => {
    const emulator = {
      WECHAT_APP_ID: 'wx0000000000000001',
      WECHAT_APP_SECRET: 'emulator-secret-0000000000000001',
      WECHAT_OA_APP_ID: 'wx0000000000000002',
      WECHAT_OA_APP_SECRET: 'emulator-oa-secret-0000000000000002',
    };
    expect(issuesOf({ ...website, ...emulator })).toEqual(
      expect.arrayContaining([expect.stringContaining("WECHAT_OA_APP_ID is the WeChat emulator's test Official Account")])
    );
    expect(parseConfig({ ...website, ...emulator, WECHAT_SANDBOX: 'true' }).wechat?.oa?.appId).toBe('wx0000000000000002');
  });
});
