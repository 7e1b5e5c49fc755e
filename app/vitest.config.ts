import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@\//, replacement: `${import.meta.dirname}/` },
      // next-auth's ESM imports "next/server" without an extension, which Node's resolver refuses.
      { find: /^next\/(server|headers|navigation)$/, replacement: "next/$1.js" },
    ],
  },
  test: {
    name: "app",
    root: import.meta.dirname,
    environment: "node",
    include: ["**/*.test.ts", "**/*.test.tsx"],
    exclude: ["node_modules/**", ".next/**"],
    server: { deps: { inline: ["next-auth", "@auth/core"] } },
  },
});
