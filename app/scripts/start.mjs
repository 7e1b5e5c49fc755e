// `npm --workspace app start`: the standalone build on PORT (default 3000).
// server.js binds to HOSTNAME, which shells and Docker set to the machine's name: listen on
// HOST instead (default 0.0.0.0, like `next start`).
import { existsSync } from "node:fs";
import path from "node:path";

const server = path.resolve(import.meta.dirname, "../.next/standalone/app/server.js");
if (!existsSync(server)) {
  console.error(`${server} is missing: run \`npm --workspace app run build\` first`);
  process.exit(1);
}
process.env.HOSTNAME = process.env.HOST || "0.0.0.0";
process.env.PORT ||= "3000";
process.env.NODE_ENV = "production";
await import(server);
