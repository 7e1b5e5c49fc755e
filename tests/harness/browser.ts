// Chromium from Debian (/usr/bin/chromium) driven by playwright-core, for the stack's host names:
// --host-resolver-rules maps them to loopback, and a fresh HOME whose NSS database trusts Caddy's
// root and the emulator's CA makes the certificates valid (no --ignore-certificate-errors).
// Each launch has its own user-data-dir and HOME, removed on close.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { artifactsDir } from "./paths.js";
import { assertPrerequisites, CHROMIUM } from "./prerequisites.js";
import { makeTempDir, removeTempDir, runOrThrow } from "./processes.js";

export { CHROMIUM };

/** Flags that keep Chromium quiet and local on a closed network. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

export interface BrowserTarget {
  /** host name -> loopback address. */
  hosts: Record<string, string>;
  /** PEM files of the CAs to trust (one certificate each). */
  caFiles: string[];
}

export interface Browser {
  context: BrowserContext;
  /** The first tab. */
  page: Page;
  newPage(): Promise<Page>;
  /** Screenshots of every open tab into tests/.artifacts/<name>-<n>.png; returns the paths. */
  screenshot(name: string): Promise<string[]>;
  close(): Promise<void>;
}

const open = new Set<Browser>();

/** The Chromium --host-resolver-rules value for a host map (everything else: not found). */
export function hostResolverRules(hosts: Record<string, string>): string {
  const maps = Object.entries(hosts).map(([name, ip]) => `MAP ${name} ${ip}`);
  return [...maps, "MAP * ~NOTFOUND", "EXCLUDE localhost", "EXCLUDE 127.0.0.1"].join(", ");
}

async function trustStore(home: string, caFiles: string[]): Promise<void> {
  const db = join(home, ".pki", "nssdb");
  mkdirSync(db, { recursive: true });
  await runOrThrow({ name: "certutil", command: "certutil", args: ["-N", "-d", `sql:${db}`, "--empty-password"], timeoutMs: 20_000 });
  for (const [i, file] of caFiles.entries()) {
    await runOrThrow({ name: "certutil", command: "certutil", args: ["-A", "-d", `sql:${db}`, "-n", `harness-ca-${i}`, "-t", "C,,", "-i", file], timeoutMs: 20_000 });
  }
}

/** Launch Chromium for `target` (a Stack fits). */
/** A phone, or WeChat's in-app browser: what the pages see of the device (default: a 1280x900 desktop). */
export interface BrowserDevice {
  userAgent: string;
  viewport: { width: number; height: number };
  deviceScaleFactor?: number;
  isMobile?: boolean;
  hasTouch?: boolean;
}

export async function launchBrowser(target: BrowserTarget, o: { locale?: string; timeoutMs?: number; device?: BrowserDevice } = {}): Promise<Browser> {
  assertPrerequisites({ only: ["chromium"] });
  const dir = makeTempDir("chromium");
  const home = join(dir, "home");
  const profile = join(dir, "profile");
  mkdirSync(profile, { recursive: true });
  await trustStore(home, target.caFiles);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_FLAGS, `--host-resolver-rules=${hostResolverRules(target.hosts)}`],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, LANG: "C.UTF-8", TMPDIR: dir },
    locale: o.locale ?? "en-US",
    timeout: o.timeoutMs ?? 60_000,
    viewport: { width: 1280, height: 900 },
    ...o.device,
  });
  context.setDefaultTimeout(30_000);
  context.setDefaultNavigationTimeout(45_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const browser: Browser = {
    context,
    page,
    newPage: () => context.newPage(),
    async screenshot(name) {
      mkdirSync(artifactsDir, { recursive: true });
      const safe = name.replace(/[^\w.-]+/g, "_").slice(0, 150);
      const paths: string[] = [];
      for (const [i, p] of context.pages().entries()) {
        const path = join(artifactsDir, `${safe}-${i}.png`);
        try {
          await p.screenshot({ path, fullPage: true, timeout: 10_000 });
          writeFileSync(`${path}.url.txt`, `${p.url()}\n`);
          paths.push(path);
        } catch {
          // a closed or crashed tab: nothing to keep
        }
      }
      return paths;
    },
    async close() {
      open.delete(browser);
      await context.close().catch(() => {});
      removeTempDir(dir);
    },
  };
  open.add(browser);
  return browser;
}

/** Screenshot every browser still open (the e2e setup calls this after a failed test). */
export async function screenshotOpenBrowsers(name: string): Promise<string[]> {
  const all: string[] = [];
  for (const b of open) all.push(...(await b.screenshot(name)));
  return all;
}

/** Close every browser still open (a test that forgot to, or failed before it could). */
export async function closeOpenBrowsers(): Promise<void> {
  for (const b of [...open]) await b.close();
}
