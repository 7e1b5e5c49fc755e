import { defineConfig } from "vitest/config";

// The Compose suite (tests/compose): the stack on a real Docker engine, started with `make up` in a
// copy of the repository. Not one of the root projects: `npm test` does not need an engine, and a
// run without one must fail, not skip. Run it with `make test-compose` (compose/README.md).
// One file at a time: every stack publishes 80/443. Steps wait for images to build and stacks to
// become healthy on a loaded machine: long timeouts, never a retry.
export default defineConfig({
  test: {
    name: "compose",
    include: ["compose/**/*.test.ts"],
    pool: "forks",
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 900_000,
    hookTimeout: 900_000,
    teardownTimeout: 300_000,
    allowOnly: !process.env.CI,
  },
});
