import path from "node:path";
import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // A self-contained server (`.next/standalone/app/server.js`) for the container.
  output: "standalone",
  // npm workspaces: dependencies are hoisted to the repository root.
  outputFileTracingRoot: path.join(import.meta.dirname, ".."),
  // No next/image in this app: keep sharp's native binaries out of the image.
  outputFileTracingExcludes: { "*": ["../node_modules/@img/**", "../node_modules/sharp/**", "node_modules/@img/**", "node_modules/sharp/**"] },
  images: { unoptimized: true },
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
