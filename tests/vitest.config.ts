import { defineConfig } from "vitest/config";

// The tests workspace: harness self-tests, the Logto stand-in's tests, static checks of compose and
// Caddy. Several of these start real processes (PostgreSQL, Caddy, Logto), so files run one at a
// time in a single fork with long timeouts. End-to-end specs (tests/e2e) are the separate project
// in vitest.e2e.config.ts, which starts (or reuses) the whole stack once; the Compose suite
// (tests/compose) is vitest.compose.config.ts, run by `make test-compose`.
export default defineConfig({
  test: {
    name: "tests",
    include: ["**/*.test.ts"],
    // .artifacts: the Compose suite copies the whole repository there while a stack runs.
    exclude: ["node_modules/**", "dist/**", ".artifacts/**", "e2e/**", "bench/**", "compose/**"],
    pool: "forks",
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    teardownTimeout: 30_000,
  },
});
