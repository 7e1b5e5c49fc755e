import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { markerExists, withdrawMarker, writeMarker } from '../console-ready-file.js';

import { planConsoleReady } from './console-ready.js';

const closed = { activeUsers: 1, signInMode: 'SignIn' };

describe('planConsoleReady', () => {
  it('writes the marker once the admin tenant has an admin and is closed', () => {
    expect(planConsoleReady(closed, false)).toEqual({ action: 'write' });
    expect(planConsoleReady(closed, true)).toEqual({ action: 'unchanged' });
  });

  it('withholds it, removing a stale one, while registration is open', () => {
    const open = { activeUsers: 0, signInMode: 'Register' };
    expect(planConsoleReady(open, true)).toEqual({
      action: 'withhold',
      reason: 'admin sign-in mode is Register',
      remove: true,
    });
    expect(planConsoleReady({ ...closed, signInMode: 'Register' }, false)).toMatchObject({
      action: 'withhold',
      remove: false,
    });
    expect(planConsoleReady({ ...closed, signInMode: undefined }, false)).toMatchObject({ action: 'withhold' });
  });

  it('withholds it when registration is closed but nobody can sign in', () => {
    expect(planConsoleReady({ ...closed, activeUsers: 0 }, true)).toEqual({
      action: 'withhold',
      reason: 'the console has no active admin',
      remove: true,
    });
  });
});

describe('the marker file', () => {
  it('is written whole (temporary file + rename), world-readable, and removed again', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'console-ready-'));
    const file = path.join(directory, 'state', 'console-ready');
    expect(await markerExists(file)).toBe(false);
    await writeMarker(file);
    expect(await markerExists(file)).toBe(true);
    expect(await readFile(file, 'utf8')).toMatch(/^admin tenant closed to registration/);
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    expect(await readdir(path.dirname(file))).toEqual(['console-ready']);
    await withdrawMarker(file);
    await withdrawMarker(file);
    expect(await markerExists(file)).toBe(false);
  });

  it('a directory of that name is no marker', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'console-ready-'));
    expect(await markerExists(directory)).toBe(false);
  });

  it('names the variable and the fix when it cannot be written', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'console-ready-'));
    const blocker = path.join(directory, 'not-a-directory');
    await writeFile(blocker, '');
    await expect(writeMarker(path.join(blocker, 'console-ready'))).rejects.toThrow(
      /cannot write CONSOLE_READY_FILE .*not-a-directory\/console-ready \((ENOTDIR|EEXIST)\)/
    );
  });
});
