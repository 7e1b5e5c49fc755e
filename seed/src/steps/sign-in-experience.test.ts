import { describe, expect, it } from 'vitest';

import type { SignInExperienceState } from '../types.js';

import { planSignInExperience, policyFor } from './sign-in-experience.js';

/** Logto's seeded default: username + password, no social targets. */
const seeded: SignInExperienceState = {
  signUp: { identifiers: ['username'], password: true, verify: false },
  signIn: {
    methods: [{ identifier: 'username', password: true, verificationCode: false, isPasswordPrimary: true }],
  },
  socialSignInConnectorTargets: [],
  socialSignIn: {},
};

/** What the seed sets with WeChat when the operator left the field alone. */
const skip = { socialSignIn: { skipRequiredIdentifiers: true } };
/** Seeded state once the seed's WeChat changes are in. */
const withWechat: SignInExperienceState = { ...seeded, socialSignInConnectorTargets: ['wechat'], ...skip };

describe('planSignInExperience', () => {
  it('adds wechat to the social targets, keeping the operator\'s', () => {
    expect(
      planSignInExperience({ ...seeded, socialSignInConnectorTargets: ['github'] }, { wechat: true, methods: undefined })
    ).toEqual({ socialSignInConnectorTargets: ['github', 'wechat'], ...skip });
  });

  it('leaves the policy alone when SIGN_IN_METHODS is unset', () => {
    expect(planSignInExperience(withWechat, { wechat: true, methods: undefined })).toBeUndefined();
  });

  it('lets a new WeChat user skip the required username when the operator did not choose', () => {
    // SIGN_IN_METHODS unset keeps Logto's sign-up policy (username): without this Logto would
    // send a new WeChat user to /continue/username.
    expect(planSignInExperience(seeded, { wechat: true, methods: undefined })).toEqual({
      socialSignInConnectorTargets: ['wechat'],
      ...skip,
    });
    expect(
      planSignInExperience({ ...withWechat, socialSignIn: {} }, { wechat: true, methods: undefined })
    ).toEqual(skip);
  });

  it('keeps the rest of socialSignIn, including keys it does not know', () => {
    const current: SignInExperienceState = {
      ...withWechat,
      socialSignIn: { automaticAccountLinking: true, futureKey: 'kept' },
    };
    expect(planSignInExperience(current, { wechat: true, methods: undefined })).toEqual({
      socialSignIn: { automaticAccountLinking: true, futureKey: 'kept', skipRequiredIdentifiers: true },
    });
  });

  it('reads a missing socialSignIn (older Logto) as unset', () => {
    const { socialSignIn: _, ...older } = withWechat;
    expect(planSignInExperience(older, { wechat: true, methods: undefined })).toEqual(skip);
  });

  it('never overwrites the operator\'s explicit choice', () => {
    for (const value of [false, true]) {
      const current: SignInExperienceState = {
        ...withWechat,
        socialSignIn: { skipRequiredIdentifiers: value, automaticAccountLinking: false },
      };
      expect(planSignInExperience(current, { wechat: true, methods: undefined })).toBeUndefined();
      expect(planSignInExperience(current, { wechat: true, methods: ['wechat'] })).toEqual({
        signUp: { identifiers: [], password: false, verify: false },
        signIn: { methods: [] },
      });
    }
  });

  it('does not touch socialSignIn without WeChat', () => {
    expect(planSignInExperience(seeded, { wechat: false, methods: undefined })).toBeUndefined();
    expect(planSignInExperience(seeded, { wechat: false, methods: ['password'] })).toBeUndefined();
  });

  it('never removes wechat when WeChat is not configured', () => {
    expect(
      planSignInExperience({ ...seeded, socialSignInConnectorTargets: ['wechat'] }, { wechat: false, methods: undefined })
    ).toBeUndefined();
  });

  it('makes sign-in social-only for SIGN_IN_METHODS=wechat', () => {
    expect(planSignInExperience(seeded, { wechat: true, methods: ['wechat'] })).toEqual({
      socialSignInConnectorTargets: ['wechat'],
      ...skip,
      signUp: { identifiers: [], password: false, verify: false },
      signIn: { methods: [] },
    });
  });

  it('keeps username + password for SIGN_IN_METHODS=wechat,password', () => {
    expect(planSignInExperience(seeded, { wechat: true, methods: ['wechat', 'password'] })).toEqual({
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
      };
      expect(planSignInExperience(after, { wechat: true, methods })).toBeUndefined();
    }
  });

  it('treats a missing secondaryIdentifiers list as empty', () => {
    const current: SignInExperienceState = {
      ...seeded,
      signUp: { ...seeded.signUp, secondaryIdentifiers: [] },
    };
    expect(planSignInExperience(current, { wechat: false, methods: ['password'] })).toBeUndefined();
  });
});
