import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "connector-wechat",
    include: ["src/**/*.test.ts", "install.test.ts"],
  },
});
