import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** tests/harness */
export const harnessDir = dirname(fileURLToPath(import.meta.url));
/** tests/ */
export const testsDir = resolve(harnessDir, "..");
/** The repository root (npm workspaces root). */
export const repoRoot = resolve(testsDir, "..");
/** Screenshots and logs kept after a failing run (git-ignored). */
export const artifactsDir = join(testsDir, ".artifacts");
