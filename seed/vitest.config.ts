import { defineConfig } from "vitest/config";

// Unit tests sit beside the code (src/**/*.test.ts); integration tests (test/*.int.test.ts) run the
// seed as a process against a Logto and Postgres from tests/harness, so they get long timeouts.
export default defineConfig({
  test: {
    name: "seed",
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "dist/**"],
    testTimeout: 60_000,
    hookTimeout: 300_000,
  },
});
