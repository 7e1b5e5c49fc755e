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
};

describe('planSignInExperience', () => {
  it('adds wechat to the social targets, keeping the operator\'s', () => {
    expect(
      planSignInExperience({ ...seeded, socialSignInConnectorTargets: ['github'] }, { wechat: true, methods: undefined })
    ).toEqual({ socialSignInConnectorTargets: ['github', 'wechat'] });
  });

  it('leaves the policy alone when SIGN_IN_METHODS is unset', () => {
    const social = { ...seeded, socialSignInConnectorTargets: ['wechat'] };
    expect(planSignInExperience(social, { wechat: true, methods: undefined })).toBeUndefined();
  });

  it('never removes wechat when WeChat is not configured', () => {
    expect(
      planSignInExperience({ ...seeded, socialSignInConnectorTargets: ['wechat'] }, { wechat: false, methods: undefined })
    ).toBeUndefined();
  });

  it('makes sign-in social-only for SIGN_IN_METHODS=wechat', () => {
    expect(planSignInExperience(seeded, { wechat: true, methods: ['wechat'] })).toEqual({
      socialSignInConnectorTargets: ['wechat'],
      signUp: { identifiers: [], password: false, verify: false },
      signIn: { methods: [] },
    });
  });

  it('keeps username + password for SIGN_IN_METHODS=wechat,password', () => {
    expect(planSignInExperience(seeded, { wechat: true, methods: ['wechat', 'password'] })).toEqual({
      socialSignInConnectorTargets: ['wechat'],
    });
  });

  it('is idempotent: the patched state needs no further patch', () => {
    for (const methods of [['wechat'], ['password'], ['wechat', 'password']] as const) {
      const policy = policyFor(methods);
      const after: SignInExperienceState = {
        ...policy,
        socialSignInConnectorTargets: ['wechat'],
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
