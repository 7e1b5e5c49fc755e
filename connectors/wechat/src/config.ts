/** The connector's configuration as Logto stores it, and the WeChat apps it names. */
import { z } from 'zod';

/** The console saves a cleared field as an empty string: it means "not set". */
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === '' ? undefined : value));

export const wechatConfigGuard = z
  .object({
    appId: z.string(),
    appSecret: z.string(),
    scope: optionalText,
    oaAppId: optionalText,
    oaAppSecret: optionalText,
  })
  .superRefine(({ oaAppId, oaAppSecret }, context) => {
    if ((oaAppId === undefined) !== (oaAppSecret === undefined)) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: [oaAppId === undefined ? 'oaAppId' : 'oaAppSecret'],
        message: 'oaAppId and oaAppSecret go together: set both for sign-in inside WeChat, or neither',
      });
    }
  });

export type WechatConfig = z.output<typeof wechatConfigGuard>;

/** The credentials of one WeChat app. */
export type WechatApp = { appId: string; appSecret: string };

/** The two apps a sign-in can go through; the Official Account only when configured. */
export type WechatApps = { website: WechatApp; officialAccount?: WechatApp };

export const appsOf = ({ appId, appSecret, oaAppId, oaAppSecret }: WechatConfig): WechatApps => ({
  website: { appId, appSecret },
  ...(oaAppId && oaAppSecret ? { officialAccount: { appId: oaAppId, appSecret: oaAppSecret } } : {}),
});
