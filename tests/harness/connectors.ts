// This repository's WeChat connector (connectors/wechat) installed into a Logto as the stack's
// images install it: built (`lib/`), then its package files (package.json and its `files`) COPIED
// into Logto core's `connectors/` directory, where core loads every connector package. A copy, not a
// link: from there @logto/connector-kit resolves to core's own copy, as in the image.
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { baseEnv } from "./node22.js";
import { repoRoot } from "./paths.js";
import { runOrThrow } from "./processes.js";

export const wechatConnectorSource = join(repoRoot, "connectors", "wechat");
/** Its directory name under `connectors/` (the scoped name, flattened as `logto connector link` does). */
export const wechatConnectorInstallName = "@wechat-logto-stack-connector-wechat";
const BUILD_LOCK = "/tmp/harness-connector-wechat-build.lock";

const packageFilesGuard = z.object({ files: z.array(z.string().min(1)) });

/**
 * Builds the connector (serialized machine-wide) and installs it into `<coreDir>/connectors`, replacing
 * an earlier copy; returns the installed path, or undefined when that Logto has no connectors
 * directory (the harness's own fake Logto).
 */
export async function installWechatConnector(coreDir: string, o: { logDir?: string } = {}): Promise<string | undefined> {
  const connectorsDir = join(coreDir, "connectors");
  if (!existsSync(connectorsDir)) return undefined;
  await runOrThrow({
    name: "connector-wechat (build)",
    command: "flock",
    args: [BUILD_LOCK, "npm", "--workspace", "connectors/wechat", "run", "build"],
    cwd: repoRoot,
    env: baseEnv({}),
    logFile: o.logDir ? join(o.logDir, "connector-wechat-build.log") : undefined,
    timeoutMs: 5 * 60_000,
  });
  const { files } = packageFilesGuard.parse(JSON.parse(readFileSync(join(wechatConnectorSource, "package.json"), "utf8")));
  const target = join(connectorsDir, wechatConnectorInstallName);
  // Staged outside connectors/ (core loads every package there), then renamed: a Logto starting
  // meanwhile never sees half a package, nor two with one factory id.
  const staging = join(coreDir, `.connector-wechat-staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  for (const file of ["package.json", ...files]) cpSync(join(wechatConnectorSource, file), join(staging, file), { recursive: true });
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  return target;
}
