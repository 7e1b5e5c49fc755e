// Chromium for the bench: one browser process, a fresh context per sign-in. The harness's
// launchBrowser() gives a persistent context (one profile), which cannot open new contexts, so this
// launches Chromium the same way (same binary, flags, host rules, NSS trust of the stack's CAs in a
// temporary HOME) without a persistent profile.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { CHROMIUM, CHROMIUM_FLAGS, hostResolverRules, makeTempDir, removeTempDir, runOrThrow } from "../harness/index.js";

export interface BenchBrowser {
  browser: Browser;
  version: string;
  close(): Promise<void>;
}

export async function launchBenchBrowser(target: { hosts: Record<string, string>; caFiles: string[] }): Promise<BenchBrowser> {
  const dir = makeTempDir("bench-chromium");
  const home = join(dir, "home");
  const db = join(home, ".pki", "nssdb");
  mkdirSync(db, { recursive: true });
  await runOrThrow({ name: "certutil", command: "certutil", args: ["-N", "-d", `sql:${db}`, "--empty-password"], timeoutMs: 20_000 });
  for (const [i, file] of target.caFiles.entries()) {
    await runOrThrow({ name: "certutil", command: "certutil", args: ["-A", "-d", `sql:${db}`, "-n", `bench-ca-${i}`, "-t", "C,,", "-i", file], timeoutMs: 20_000 });
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_FLAGS, `--host-resolver-rules=${hostResolverRules(target.hosts)}`],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, LANG: "C.UTF-8", TMPDIR: dir },
    timeout: 60_000,
  });
  return {
    browser,
    version: browser.version(),
    async close() {
      await browser.close().catch(() => {});
      removeTempDir(dir);
    },
  };
}
