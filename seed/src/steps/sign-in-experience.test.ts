import { describe, expect, it } from 'vitest';

import type { SignInExperienceState } from '../types.js';

import { defaultSignInMethods } from '../config.js';

import { describePolicy, planPwnedCheck, planSignInExperience, policyFor } from './sign-in-experience.js';

/** SIGN_IN_METHODS=wechat,password keeps Logto's seeded username + password policy. */
const both = ['wechat', 'password'] as const;

/** Logto's seeded default: username + password, no social targets. */
const seeded: SignInExperienceState = {
  signUp: { identifiers: ['username'], password: true, verify: false },
  signIn: {
    methods: [{ identifier: 'username', password: true, verificationCode: false, isPasswordPrimary: true }],
  },
  socialSignInConnectorTargets: [],
  socialSignIn: {},
  passwordPolicy: {},
};

/** What the seed sets with WeChat when the operator left the field alone. */
const skip = { socialSignIn: { skipRequiredIdentifiers: true } };
/** Seeded state once the seed's WeChat changes are in. */
const withWechat: SignInExperienceState = { ...seeded, socialSignInConnectorTargets: ['wechat'], ...skip };

describe('planSignInExperience', () => {
  it('adds wechat to the social targets, keeping the operator\'s', () => {
    expect(
      planSignInExperience({ ...seeded, socialSignInConnectorTargets: ['github'] }, { wechat: true, methods: both, pwnedPasswordCheck: true })
    ).toEqual({ socialSignInConnectorTargets: ['github', 'wechat'], ...skip });
  });

  it('SIGN_IN_METHODS empty with WeChat: WeChat only, password sign-up closed on Logto\'s seeded policy', () => {
    expect(planSignInExperience(withWechat, { wechat: true, methods: defaultSignInMethods(true), pwnedPasswordCheck: true })).toEqual({
      signUp: { identifiers: [], password: false, verify: false },
      signIn: { methods: [] },
    });
  });

  it('SIGN_IN_METHODS empty without WeChat: Logto\'s seeded username + password policy stays', () => {
    expect(planSignInExperience(seeded, { wechat: false, methods: defaultSignInMethods(false), pwnedPasswordCheck: true })).toBeUndefined();
  });

  it('brings an operator\'s console change back to the policy of SIGN_IN_METHODS', () => {
    const social = policyFor(['wechat']);
    expect(planSignInExperience({ ...withWechat, ...social }, { wechat: true, methods: ['password', 'wechat'], pwnedPasswordCheck: true })).toEqual(
      policyFor(['password'])
    );
  });

  it('lets a new WeChat user skip the required username when the operator did not choose', () => {
    // A password policy asks for a username at sign-up: without this Logto would send a new
    // WeChat user to /continue/username.
    expect(planSignInExperience(seeded, { wechat: true, methods: both, pwnedPasswordCheck: true })).toEqual({
      socialSignInConnectorTargets: ['wechat'],
      ...skip,
    });
    expect(
      planSignInExperience({ ...withWechat, socialSignIn: {} }, { wechat: true, methods: both, pwnedPasswordCheck: true })
    ).toEqual(skip);
  });

  it('keeps the rest of socialSignIn, including keys it does not know', () => {
    const current: SignInExperienceState = {
      ...withWechat,
      socialSignIn: { automaticAccountLinking: true, futureKey: 'kept' },
    };
    expect(planSignInExperience(current, { wechat: true, methods: both, pwnedPasswordCheck: true })).toEqual({
      socialSignIn: { automaticAccountLinking: true, futureKey: 'kept', skipRequiredIdentifiers: true },
    });
  });

  it('reads a missing socialSignIn (older Logto) as unset', () => {
    const { socialSignIn: _, ...older } = withWechat;
    expect(planSignInExperience(older, { wechat: true, methods: both, pwnedPasswordCheck: true })).toEqual(skip);
  });

  it('never overwrites the operator\'s explicit choice', () => {
    for (const value of [false, true]) {
      const current: SignInExperienceState = {
        ...withWechat,
        socialSignIn: { skipRequiredIdentifiers: value, automaticAccountLinking: false },
      };
      expect(planSignInExperience(current, { wechat: true, methods: both, pwnedPasswordCheck: true })).toBeUndefined();
      expect(planSignInExperience(current, { wechat: true, methods: ['wechat'], pwnedPasswordCheck: true })).toEqual({
        signUp: { identifiers: [], password: false, verify: false },
        signIn: { methods: [] },
      });
    }
  });

  it('does not touch socialSignIn without WeChat', () => {
    expect(planSignInExperience(seeded, { wechat: false, methods: ['password'], pwnedPasswordCheck: true })).toBeUndefined();
    expect(planSignInExperience(seeded, { wechat: false, methods: ['password'], pwnedPasswordCheck: true })).toBeUndefined();
  });

  it('never removes wechat when WeChat is not configured', () => {
    expect(
      planSignInExperience({ ...seeded, socialSignInConnectorTargets: ['wechat'] }, { wechat: false, methods: ['password'], pwnedPasswordCheck: true })
    ).toBeUndefined();
  });

  it('makes sign-in social-only for SIGN_IN_METHODS=wechat', () => {
    expect(planSignInExperience(seeded, { wechat: true, methods: ['wechat'], pwnedPasswordCheck: true })).toEqual({
      socialSignInConnectorTargets: ['wechat'],
      ...skip,
      signUp: { identifiers: [], password: false, verify: false },
      signIn: { methods: [] },
    });
  });

  it('keeps username + password for SIGN_IN_METHODS=wechat,password', () => {
    expect(planSignInExperience(seeded, { wechat: true, methods: ['wechat', 'password'], pwnedPasswordCheck: true })).toEqual({
      socialSignInConnectorTargets: ['wechat'],
      ...skip,
    });
  });

  it('is idempotent: the patched state needs no further patch', () => {
    for (const methods of [['wechat'], ['password'], ['wechat', 'password']] as const) {
      const policy = policyFor(methods);
      const after: SignInExperienceState = {
        ...policy,
        socialSignInConnectorTargets: ['wechat'],
        ...skip,
        passwordPolicy: {},
      };
      expect(planSignInExperience(after, { wechat: true, methods, pwnedPasswordCheck: true })).toBeUndefined();
    }
  });

  it('treats a missing secondaryIdentifiers list as empty', () => {
    const current: SignInExperienceState = {
      ...seeded,
      signUp: { ...seeded.signUp, secondaryIdentifiers: [] },
    };
    expect(planSignInExperience(current, { wechat: false, methods: ['password'], pwnedPasswordCheck: true })).toBeUndefined();
  });
});

describe('planSignInExperience: password breach check (LOGTO_PWNED_PASSWORD_CHECK)', () => {
  const desired = (pwnedPasswordCheck: boolean) => ({ wechat: false, methods: ['password'] as const, pwnedPasswordCheck });

  it("leaves Logto's seeded policy alone when the check stays on (absent is on)", () => {
    expect(planSignInExperience(seeded, desired(true))).toBeUndefined();
  });

  it('turns the check off, keeping the rest of the policy whole (Logto replaces the column)', () => {
    const current: SignInExperienceState = {
      ...seeded,
      passwordPolicy: { length: { min: 12, max: 64 }, rejects: { words: ['wechat'], repetitionAndSequence: true } },
    };
    expect(planSignInExperience(current, desired(false))).toEqual({
      passwordPolicy: {
        length: { min: 12, max: 64 },
        rejects: { words: ['wechat'], repetitionAndSequence: true, pwned: false },
      },
    });
  });

  it('turns it back on when an operator switched it off but the setting says on', () => {
    expect(planSignInExperience({ ...seeded, passwordPolicy: { rejects: { pwned: false } } }, desired(true))).toEqual({
      passwordPolicy: { rejects: { pwned: true } },
    });
  });

  it('is idempotent once off', () => {
    expect(planSignInExperience({ ...seeded, passwordPolicy: { rejects: { pwned: false } } }, desired(false))).toBeUndefined();
  });
});

describe('planPwnedCheck (the admin tenant\'s policy, read by SQL)', () => {
  it('writes only a change, keeping the rest of the policy', () => {
    expect(planPwnedCheck({}, true)).toBeUndefined();
    expect(planPwnedCheck({ rejects: { pwned: true } }, true)).toBeUndefined();
    expect(planPwnedCheck({ length: { min: 8 }, rejects: { userInfo: true } }, false)).toEqual({
      length: { min: 8 },
      rejects: { userInfo: true, pwned: false },
    });
  });
});

describe('describePolicy', () => {
  it.each([
    [
      ['wechat'],
      true,
      'sign-in policy: WeChat only (a new WeChat user is registered at first sign-in); password sign-up closed (SIGN_IN_METHODS empty: the default with WeChat)',
    ],
    [
      ['password'],
      true,
      'sign-in policy: username and password; password sign-up OPEN: anyone who reaches the sign-in page can create an account (SIGN_IN_METHODS empty: the default without WeChat)',
    ],
    [
      ['wechat'],
      false,
      'sign-in policy: WeChat only (a new WeChat user is registered at first sign-in); password sign-up closed (SIGN_IN_METHODS=wechat)',
    ],
    [
      ['password', 'wechat'],
      false,
      'sign-in policy: WeChat or username and password (a new WeChat user is registered at first sign-in); password sign-up OPEN: anyone who reaches the sign-in page can create an account (SIGN_IN_METHODS=password,wechat)',
    ],
  ] as const)('%j (default: %s) is one line', (methods, defaulted, line) => {
    expect(describePolicy(methods, defaulted)).toBe(line);
  });
});
