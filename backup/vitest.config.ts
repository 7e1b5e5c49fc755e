import { defineConfig } from "vitest/config";

// The backup service's scripts with PostgreSQL's clients, restic and crond replaced (no engine);
// on the engine: tests/compose/backup.test.ts.
export default defineConfig({
  test: {
    name: "backup",
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**"],
  },
});
