/**
 * Tenant `default`'s sign-in experience. Owned: `wechat` among the social sign-in targets (added,
 * never removing what an operator added); with WeChat, `socialSignIn.skipRequiredIdentifiers: true`
 * unless the operator set that field (so a new WeChat user is registered at once instead of being
 * asked for the username a password sign-up policy requires); and the sign-up and sign-in policy
 * of SIGN_IN_METHODS or, when it is empty, of its default (config.ts, `defaultSignInMethods`);
 * and the password policy's breach check (`passwordPolicy.rejects.pwned`, LOGTO_PWNED_PASSWORD_CHECK),
 * which calls api.pwnedpasswords.com whenever a password is set, here and in the admin tenant.
 * The policy is printed in one line, `sign-in policy: ...`.
 */
import { isDeepStrictEqual } from 'node:util';

import type { SignIn, SignUp, SocialSignIn } from '@logto/schemas';

import type { SignInMethod } from '../config.js';
import { adminTenantId, usernameIdentifier, wechatTarget } from '../constant.js';
import { type StepContext, listNames } from '../context.js';
import { StepError } from '../errors.js';
import type { StepResult } from '../log.js';
import { type SignInExperienceState, passwordPolicyGuard, signInExperienceGuard } from '../types.js';

/** Bodies use the enums' string values; these mirror `SignUp` and `SignIn` of @logto/schemas. */
type SignUpBody = Omit<SignUp, 'identifiers' | 'secondaryIdentifiers'> & {
  identifiers: Array<`${SignUp['identifiers'][number]}`>;
};
type SignInBody = {
  methods: Array<
    Omit<SignIn['methods'][number], 'identifier'> & {
      identifier: `${SignIn['methods'][number]['identifier']}`;
    }
  >;
};

export type SignInExperiencePatch = {
  socialSignInConnectorTargets?: string[];
  /** Whole: Logto replaces the JSON column, so the operator's other keys are sent back as they are. */
  socialSignIn?: SocialSignIn & Record<string, unknown>;
  signUp?: SignUpBody;
  signIn?: SignInBody;
  /** Whole, like socialSignIn: the operator's other rules go back unchanged. */
  passwordPolicy?: SignInExperienceState['passwordPolicy'];
};

/** The policy a SIGN_IN_METHODS value stands for. */
export const policyFor = (methods: readonly SignInMethod[]): { signUp: SignUpBody; signIn: SignInBody } =>
  methods.includes('password')
    ? {
        signUp: { identifiers: [usernameIdentifier], password: true, verify: false },
        signIn: {
          methods: [
            {
              identifier: usernameIdentifier,
              password: true,
              verificationCode: false,
              isPasswordPrimary: true,
            },
          ],
        },
      }
    : // Social only: no identifier to sign up or in with, WeChat does both.
      { signUp: { identifiers: [], password: false, verify: false }, signIn: { methods: [] } };

const normalizeSignUp = ({ secondaryIdentifiers, ...rest }: SignInExperienceState['signUp']) => ({
  ...rest,
  secondaryIdentifiers: secondaryIdentifiers ?? [],
});

/** Pure: the one line that says who can sign in and who can sign up. */
export const describePolicy = (methods: readonly SignInMethod[], defaulted: boolean) => {
  const wechat = methods.includes('wechat');
  const password = methods.includes('password');
  const signIn = wechat && password ? 'WeChat or username and password' : wechat ? 'WeChat only' : 'username and password';
  const signUp = password
    ? 'password sign-up OPEN: anyone who reaches the sign-in page can create an account'
    : 'password sign-up closed';
  const source = defaulted
    ? `SIGN_IN_METHODS empty: the default ${wechat ? 'with' : 'without'} WeChat`
    : `SIGN_IN_METHODS=${methods.join(',')}`;
  return `sign-in policy: ${signIn}${wechat ? ' (a new WeChat user is registered at first sign-in)' : ''}; ${signUp} (${source})`;
};

type PasswordPolicy = SignInExperienceState['passwordPolicy'];

/**
 * Pure: the whole password policy with the breach check as wanted, or undefined when it already
 * is. Logto's own default (absent) is on. The rest of the policy is kept as it is.
 */
export const planPwnedCheck = (policy: PasswordPolicy, pwned: boolean): PasswordPolicy | undefined =>
  (policy.rejects?.pwned ?? true) === pwned ? undefined : { ...policy, rejects: { ...policy.rejects, pwned } };

/** Pure: the PATCH body that brings `current` to what the seed owns, or undefined if none. */
export const planSignInExperience = (
  current: SignInExperienceState,
  desired: { wechat: boolean; methods: readonly SignInMethod[]; pwnedPasswordCheck: boolean }
): SignInExperiencePatch | undefined => {
  const patch: SignInExperiencePatch = {};
  if (desired.wechat && !current.socialSignInConnectorTargets.includes(wechatTarget)) {
    patch.socialSignInConnectorTargets = [...current.socialSignInConnectorTargets, wechatTarget];
  }
  // Logto (profile.ts, assertUserMandatoryProfileFulfilled) skips the sign-up policy's required
  // identifiers for a social sign-up only when this is true. Absent = the operator never chose:
  // one click (WeChat confirm -> signed in) is the product's promise. An explicit false stays.
  if (desired.wechat && current.socialSignIn?.skipRequiredIdentifiers === undefined) {
    patch.socialSignIn = { ...current.socialSignIn, skipRequiredIdentifiers: true };
  }
  const policy = policyFor(desired.methods);
  if (!isDeepStrictEqual(normalizeSignUp(current.signUp), normalizeSignUp(policy.signUp))) {
    patch.signUp = policy.signUp;
  }
  if (!isDeepStrictEqual(current.signIn, policy.signIn)) {
    patch.signIn = policy.signIn;
  }
  const passwordPolicy = planPwnedCheck(current.passwordPolicy, desired.pwnedPasswordCheck);
  if (passwordPolicy) {
    patch.passwordPolicy = passwordPolicy;
  }
  return Object.keys(patch).length > 0 ? patch : undefined;
};

const fieldNames: Record<keyof SignInExperiencePatch, string> = {
  socialSignInConnectorTargets: `social sign-in +${wechatTarget}`,
  socialSignIn: 'social sign-up skips required identifiers',
  signUp: 'sign-up policy',
  signIn: 'sign-in policy',
  passwordPolicy: 'password breach check (api.pwnedpasswords.com)',
};

const adminPwnedField = 'console admin\'s password breach check';

/**
 * The admin tenant (the console's own sign-in, where the admin changes their password: Logto's
 * routes-me/user.ts checks it against that tenant's policy) gets the same breach check. No
 * Management API reaches that tenant: SQL as the database owner, as the console-admin step does.
 * Returns the policy written (or, in a dry run, that would be), undefined when nothing changes.
 */
const reconcileAdminPwnedCheck = async ({ config, db, dryRun }: StepContext) => {
  const { rows } = await db.query<{ policy: unknown }>(
    `select password_policy as policy from sign_in_experiences where tenant_id = $1 and id = 'default'`,
    [adminTenantId]
  );
  const row = rows[0];
  const policy = row && planPwnedCheck(passwordPolicyGuard.parse(row.policy), config.pwnedPasswordCheck);
  if (policy && !dryRun) {
    await db.query(`update sign_in_experiences set password_policy = $2 where tenant_id = $1 and id = 'default'`, [
      adminTenantId,
      JSON.stringify(policy),
    ]);
  }
  return policy;
};

export const reconcileSignInExperience = async (context: StepContext): Promise<StepResult> => {
  const { api, config, dryRun, log, state } = context;
  const wechat = Boolean(state.wechatConnector);
  const methods = config.signInMethods;
  log.info(describePolicy(methods, config.signInMethodsDefaulted));
  const pwnedPasswordCheck = config.pwnedPasswordCheck;
  const owned = [
    ...(wechat ? [`${wechatTarget} in social sign-in`] : []),
    `sign-up/sign-in policy ${methods.join(',')}`,
    `password breach check ${pwnedPasswordCheck ? 'on' : 'off'}`,
  ];

  const current = await api.request('sign-in-exp', 'GET', '/api/sign-in-exp', {
    guard: signInExperienceGuard,
  });
  const patch = planSignInExperience(current, { wechat, methods, pwnedPasswordCheck });
  if (patch && !dryRun) {
    const updated = await api.request('sign-in-exp', 'PATCH', '/api/sign-in-exp', {
      body: patch,
      guard: signInExperienceGuard,
    });
    // Logto drops unknown targets silently: make sure WeChat really is there.
    if (wechat && !updated.socialSignInConnectorTargets.includes(wechatTarget)) {
      throw new StepError(
        'sign-in-exp',
        `Logto dropped "${wechatTarget}" from the social sign-in targets: it has no social connector with that target`,
        'Check the connector step above and `docker compose logs logto`, then run `make seed`.'
      );
    }
  }
  const adminPolicy = await reconcileAdminPwnedCheck(context);
  const fields = [
    ...(['socialSignInConnectorTargets', 'socialSignIn', 'signUp', 'signIn', 'passwordPolicy'] as const)
      .filter((key) => patch?.[key] !== undefined)
      .map((key) => fieldNames[key]),
    ...(adminPolicy ? [adminPwnedField] : []),
  ];
  return fields.length > 0
    ? { outcome: 'updated', detail: listNames(fields) }
    : { outcome: 'unchanged', detail: listNames(owned) };
};
