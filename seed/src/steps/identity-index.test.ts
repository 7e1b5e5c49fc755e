import { describe, expect, it } from 'vitest';

import { identityIndexDdl, planIdentityIndex } from './identity-index.js';

const stored = "(((identities)::json #>> '{wechat,userId}'::text[]))";

describe('planIdentityIndex', () => {
  it('creates a missing index, concurrently and only if it is still missing', () => {
    expect(planIdentityIndex({ present: false })).toEqual({ action: 'create' });
    expect(identityIndexDdl).toBe(
      "create index concurrently if not exists wls_users_wechat_user_id on users ((identities::json #>> '{wechat,userId}'))"
    );
  });

  it('leaves a valid index on Logto\'s expression alone', () => {
    expect(planIdentityIndex({ present: true, valid: true, table: 'users', expression: stored })).toEqual({
      action: 'unchanged',
    });
  });

  it('rebuilds a half-built (invalid) index, which IF NOT EXISTS would keep', () => {
    expect(planIdentityIndex({ present: true, valid: false, table: 'users', expression: stored })).toEqual({
      action: 'rebuild',
      reason: 'an earlier build did not finish (the index is invalid)',
    });
  });

  it('rebuilds another definition under its name', () => {
    expect(
      planIdentityIndex({ present: true, valid: true, table: 'users', expression: "((identities #>> '{wechat,userId}'::text[]))" })
    ).toMatchObject({ action: 'rebuild' });
    expect(planIdentityIndex({ present: true, valid: true, table: 'applications', expression: stored })).toMatchObject({
      action: 'rebuild',
    });
  });
});
