/**
 * zod guards for the parts of Logto's responses the seed reads. Every Management API response
 * goes through one of these (never a cast). They are deliberately partial (zod strips the rest),
 * and each is checked at compile time against the full type in `@logto/schemas`, so they cannot
 * drift from Logto's own shapes.
 */
import type {
  Application,
  ApplicationSecret,
  ConnectorResponse,
  SignInExperience,
  SignIn,
  SignUp,
  SocialSignIn,
} from '@logto/schemas';
import { z } from 'zod4';

/** Compile-time check: everything the guard produces exists with a compatible type in `Full`. */
type Conforms<Guard extends z.ZodType, Full> = Full extends z.infer<Guard> ? true : never;
const conforms = <_Check extends true>() => undefined;

export const logtoErrorGuard = z.object({
  code: z.string(),
  message: z.string(),
});

export const tokenResponseGuard = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  expires_in: z.number(),
  scope: z.string().optional(),
});

const jsonObjectGuard = z.record(z.string(), z.unknown());

export const applicationGuard = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  type: z.string(),
  oidcClientMetadata: z
    .object({
      redirectUris: z.array(z.string()),
      postLogoutRedirectUris: z.array(z.string()),
    })
    .catchall(z.unknown()),
  customData: jsonObjectGuard,
  createdAt: z.number(),
});
export type ApplicationState = z.infer<typeof applicationGuard>;
conforms<Conforms<typeof applicationGuard, Application>>();

export const applicationSecretGuard = z.object({
  name: z.string(),
  value: z.string(),
  expiresAt: z.number().nullable(),
});
conforms<Conforms<typeof applicationSecretGuard, ApplicationSecret>>();

export const connectorGuard = z.object({
  id: z.string(),
  connectorId: z.string(),
  target: z.string(),
  platform: z.string().nullable(),
  config: jsonObjectGuard,
});
export type ConnectorState = z.infer<typeof connectorGuard>;
conforms<Conforms<typeof connectorGuard, ConnectorResponse>>();

const signUpGuard = z.object({
  identifiers: z.array(z.string()),
  password: z.boolean(),
  verify: z.boolean(),
  secondaryIdentifiers: z
    .array(z.object({ identifier: z.string(), verify: z.boolean().optional() }))
    .optional(),
});
conforms<Conforms<typeof signUpGuard, SignUp>>();

const signInGuard = z.object({
  methods: z.array(
    z.object({
      identifier: z.string(),
      password: z.boolean(),
      verificationCode: z.boolean(),
      isPasswordPrimary: z.boolean(),
    })
  ),
});
conforms<Conforms<typeof signInGuard, SignIn>>();

/**
 * Loose: the seed patches `socialSignIn` whole (Logto replaces the JSON column), so keys it does
 * not know must come back unchanged.
 */
const socialSignInGuard = z.looseObject({
  automaticAccountLinking: z.boolean().optional(),
  skipRequiredIdentifiers: z.boolean().optional(),
});
conforms<Conforms<typeof socialSignInGuard, SocialSignIn>>();

/**
 * Loose at both levels: Logto replaces the JSON column whole (jsonbMode 'replace'), so the seed
 * sends back the operator's length, character and word rules as they are. A missing `pwned` is
 * on (core-kit's passwordPolicyGuard defaults it to true).
 */
export const passwordPolicyGuard = z.looseObject({
  rejects: z.looseObject({ pwned: z.boolean().optional() }).optional(),
});
conforms<Conforms<typeof passwordPolicyGuard, NonNullable<SignInExperience['passwordPolicy']>>>();

export const signInExperienceGuard = z.object({
  signUp: signUpGuard,
  signIn: signInGuard,
  socialSignInConnectorTargets: z.array(z.string()),
  /** Column since Logto 1.18 (`not null default '{}'`); optional so an older server still parses. */
  socialSignIn: socialSignInGuard.optional(),
  /** Column `password_policy`, `not null default '{}'` (a partial policy). */
  passwordPolicy: passwordPolicyGuard,
});
export type SignInExperienceState = z.infer<typeof signInExperienceGuard>;
conforms<Conforms<typeof signInExperienceGuard, SignInExperience>>();

/** The credentials file shared with the app (APP_CREDENTIALS_FILE in app/README.md). */
export const credentialsFileGuard = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
});
export type Credentials = z.infer<typeof credentialsFileGuard>;
