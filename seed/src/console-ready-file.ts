/**
 * The console-ready marker file (CONSOLE_READY_FILE). Caddy answers 503 on ADMIN_DOMAIN while it
 * is absent (caddy/snippets/console-guard); the steps console-admin and console-ready decide when
 * it may exist, this module only touches the file.
 */
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { StepError } from './errors.js';

const fileError = (file: string, what: string, error: unknown) =>
  new StepError(
    'console-ready',
    `cannot ${what} CONSOLE_READY_FILE ${file} (${error instanceof Error && 'code' in error ? String(error.code) : String(error)})`,
    'Its directory must be writable by the seed (Compose: volume stack-state, handed to uid 1000 by `prepare`); then run `make seed`.'
  );

export const markerExists = async (file: string) => {
  try {
    return (await stat(file)).isFile();
  } catch (error: unknown) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') {
      return false;
    }
    throw fileError(file, 'read', error);
  }
};

/** Temporary file + rename: Caddy sees no marker or a whole one, never a half-written file. */
export const writeMarker = async (file: string) => {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(
      temporary,
      `admin tenant closed to registration, checked by the seed at ${new Date().toISOString()}\n`,
      { mode: 0o644 }
    );
    await rename(temporary, file);
  } catch (error: unknown) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw fileError(file, 'write', error);
  }
};

/** Takes the marker away (Caddy answers 503 again); nothing to do when there is none. */
export const withdrawMarker = async (file: string) => {
  try {
    await rm(file, { force: true });
  } catch (error: unknown) {
    throw fileError(file, 'remove', error);
  }
};
