import { z } from 'zod';

const present = (value: string | undefined) => value !== undefined && value !== '';

/** The connector's config; the Official Account pair is optional, both or neither. */
export const wechatConfigGuard = z
  .object({
    appId: z.string(),
    appSecret: z.string(),
    scope: z.string().optional(),
    oaAppId: z.string().optional(),
    oaAppSecret: z.string().optional(),
  })
  .superRefine(({ oaAppId, oaAppSecret }, context) => {
    if (present(oaAppId) !== present(oaAppSecret)) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: [present(oaAppId) ? 'oaAppSecret' : 'oaAppId'],
        message: 'oaAppId and oaAppSecret go together: set both for sign-in inside WeChat, or neither',
      });
    }
  });

export type WechatConfig = z.infer<typeof wechatConfigGuard>;

/** One WeChat app's credentials: the website app or the Official Account. */
export type WechatApp = { appId: string; appSecret: string };

/** Which app issued the authorization code, kept in the connector session between the two calls. */
export const wechatAppKindGuard = z.enum(['website', 'officialAccount']);
export type WechatAppKind = z.infer<typeof wechatAppKindGuard>;

export const sessionKey = 'wechatApp';
export const connectorSessionGuard = z.object({ [sessionKey]: wechatAppKindGuard });

/** Both endpoints answer HTTP 200 with `errcode`/`errmsg` on failure. */
const wechatErrorFields = {
  errcode: z.number().optional(),
  errmsg: z.string().optional(),
};

export const accessTokenResponseGuard = z.object({
  access_token: z.string().optional(),
  openid: z.string().optional(),
  expires_in: z.number().optional(), // In seconds
  refresh_token: z.string().optional(),
  scope: z.string().optional(),
  unionid: z.string().optional(),
  ...wechatErrorFields,
});

export type AccessTokenResponse = z.infer<typeof accessTokenResponseGuard>;

export const userInfoResponseGuard = z.object({
  openid: z.string().optional(),
  unionid: z.string().optional(),
  headimgurl: z.string().optional(),
  nickname: z.string().optional(),
  ...wechatErrorFields,
});

export type UserInfoResponse = z.infer<typeof userInfoResponseGuard>;

export const authResponseGuard = z.object({ code: z.string() });
