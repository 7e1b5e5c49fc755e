// After `next build`: the standalone server does not serve .next/static or public/ unless they
// sit beside its server.js. With npm workspaces that server is at .next/standalone/app/.
import { cpSync, existsSync } from "node:fs";
import path from "node:path";

const appDir = path.resolve(import.meta.dirname, "..");
const serverDir = path.join(appDir, ".next/standalone", path.basename(appDir));
if (!existsSync(path.join(serverDir, "server.js"))) {
  console.error(`no standalone server at ${serverDir}/server.js: did next build run with output "standalone"?`);
  process.exit(1);
}
cpSync(path.join(appDir, ".next/static"), path.join(serverDir, ".next/static"), { recursive: true });
if (existsSync(path.join(appDir, "public"))) cpSync(path.join(appDir, "public"), path.join(serverDir, "public"), { recursive: true });
console.log(`standalone server ready: node ${path.relative(process.cwd(), path.join(serverDir, "server.js"))}`);
