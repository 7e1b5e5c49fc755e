/**
 * WeChat's answers. Both endpoints answer HTTP 200 either way: a failure is a body with a non-zero
 * `errcode` and WeChat's `errmsg`, a success a body with the fields asked for.
 */
import { z } from 'zod';

export const wechatFailureGuard = z.object({
  errcode: z
    .number()
    .int()
    .refine((errcode) => errcode !== 0),
  errmsg: z.string().optional(),
});

/** The grant of `sns/oauth2/access_token`: what the profile call needs (other fields are unused). */
export const accessTokenGrantGuard = z.object({
  access_token: z.string().min(1),
  openid: z.string().min(1),
});

/** The profile of `sns/userinfo`: `unionid` only when the app is bound to an Open Platform account. */
export const wechatProfileGuard = z.object({
  openid: z.string().optional(),
  unionid: z.string().optional(),
  nickname: z.string().optional(),
  headimgurl: z.string().optional(),
});

export type WechatProfile = z.infer<typeof wechatProfileGuard>;

/** What Logto passes back from WeChat's redirect: `code` is absent when the visitor declined. */
export const callbackGuard = z.object({ code: z.string() });
