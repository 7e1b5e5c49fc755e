// The one test harness: everything tests import comes from here.
export { startPostgres, type Postgres } from "./postgres.js";
export { startLogto, resetLogtoDatabase, logtoModeFromEnv, externalLogtoUpstreams, type Logto, type LogtoKind, type StartLogtoOptions } from "./logto.js";
export { runSeed, type SeedResult } from "./seed.js";
export { node22, node22Dir, baseEnv } from "./node22.js";
export { freePort, isListening } from "./ports.js";
export {
  startProcess,
  runProcess,
  runOrThrow,
  waitForUrl,
  httpRequest,
  makeTempDir,
  removeTempDir,
  sleep,
  ServiceError,
  type ServiceProcess,
  type RunResult,
  type HttpResponse,
} from "./processes.js";
export { repoRoot, testsDir, artifactsDir } from "./paths.js";
export { startEmulator, emulatorControl, WECHAT_HOSTS, type Emulator, type EmulatorFault, type EmulatorEndpoint, type StartEmulatorOptions } from "./emulator.js";
export { startCaddy, type Caddy, type StartCaddyOptions } from "./caddy.js";
export { startApp, ensureAppBuild, staleBecause, type App, type StartAppOptions } from "./app.js";
export { launchBrowser, screenshotOpenBrowsers, closeOpenBrowsers, hostResolverRules, CHROMIUM, CHROMIUM_FLAGS, type Browser, type BrowserDevice, type BrowserTarget } from "./browser.js";
export { startStack, stackInfo, DOMAINS, WECHAT_APP, DNS_PRELOAD, type Stack, type StackInfo, type StartStackOptions } from "./stack.js";
export { managementApi, ensureM2mApp, ManagementApiError, M2M_APP_ID, type ManagementApi, type LogtoUser, type LogtoApplication, type LogtoConnector } from "./management.js";
export { reusableStack, probeStack, stackFileFromEnv, DEFAULT_STACK_FILE } from "./reuse.js";
