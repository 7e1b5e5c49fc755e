import { describe, expect, it } from 'vitest';

import { createLogger } from './log.js';

describe('createLogger', () => {
  it('prints one aligned line per step with its timing, and a warning line', () => {
    const lines: string[] = [];
    const log = createLogger((line) => lines.push(line));
    log.step('app', { outcome: 'updated', detail: 'redirectUris', warning: 'look' }, 12.4, false);
    expect(lines).toEqual([
      'seed: app                updated      redirectUris (12 ms)',
      'seed:                    warning      look',
    ]);
  });

  it('says "would" in a dry run', () => {
    const lines: string[] = [];
    createLogger((line) => lines.push(line)).step('app', { outcome: 'created', detail: 'x' }, 1, true);
    expect(lines[0]).toContain('would create');
  });
});
