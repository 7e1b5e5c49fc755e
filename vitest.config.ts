import { defineConfig } from "vitest/config";

// One run covers every workspace; each workspace's own vitest.config.ts says how its tests run.
export default defineConfig({
  test: {
    // tests/vitest.e2e.config.ts: the end-to-end project (Chromium against the whole stack; its
    // globalSetup starts the stack only when e2e specs are selected).
    projects: ["app", "seed", "connectors/wechat", "wechat-emulator", "scripts", "backup", "tests", "tests/vitest.e2e.config.ts"],
  },
});
