import { describe, expect, it } from 'vitest';

import { StepError, describeError, withCleanup } from './errors.js';

describe('withCleanup', () => {
  const failingCleanup = async () => {
    throw new Error('cleanup failed');
  };

  it('keeps the work\'s error when the cleanup fails too, and hands over the cleanup\'s', async () => {
    const reported: unknown[] = [];
    const stepError = new StepError('credentials', 'cannot write /x (EROFS)', 'fix');
    await expect(
      withCleanup(
        async () => {
          throw stepError;
        },
        failingCleanup,
        (error) => reported.push(error)
      )
    ).rejects.toBe(stepError);
    expect(reported.map(describeError)).toEqual(['cleanup failed']);
  });

  it('throws a cleanup failure after successful work, and returns the work\'s result otherwise', async () => {
    await expect(withCleanup(async () => 1, failingCleanup, () => undefined)).rejects.toThrow('cleanup failed');
    let cleaned = false;
    await expect(
      withCleanup(
        async () => 2,
        async () => {
          cleaned = true;
        },
        () => undefined
      )
    ).resolves.toBe(2);
    expect(cleaned).toBe(true);
  });
});

describe('describeError', () => {
  it('gives the error\'s own words and its code', () => {
    expect(describeError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(
      'connect ECONNREFUSED 127.0.0.1:5432'
    );
    expect(describeError(Object.assign(new Error('database "x" does not exist'), { code: '3D000' }))).toBe(
      'database "x" does not exist (3D000)'
    );
    const refusedEverywhere = Object.assign(
      new AggregateError([new Error('connect ECONNREFUSED ::1:5432'), new Error('connect ECONNREFUSED 127.0.0.1:5432')], ''),
      { code: 'ECONNREFUSED' }
    );
    expect(describeError(refusedEverywhere)).toBe('connect ECONNREFUSED ::1:5432');
    expect(describeError('plain')).toBe('plain');
  });
});
