import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "wechat-emulator",
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "dist/**"],
  },
});
