import { defineConfig } from "vitest/config";

// End-to-end specs (tests/e2e) in Chromium against the whole stack. globalSetup reuses a running
// stack when HARNESS_STACK names one and it answers, otherwise starts one (and stops it after).
// One worker, one file at a time: the specs share one stack and sign-in through Logto takes seconds.
// As immich's playwright.config: reuse a running server, forbid .only on CI, keep artifacts
// (screenshots, log tails) of failures. No retry: a scenario that passes only on a second try is a
// failure (faults are shaped so that outcomes do not depend on the machine's speed).
export default defineConfig({
  test: {
    name: "e2e",
    include: ["e2e/**/*.test.ts"],
    globalSetup: ["harness/global-setup.ts"],
    setupFiles: ["harness/e2e-setup.ts"],
    pool: "forks",
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    allowOnly: !process.env.CI,
  },
});
