import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { z } from "zod";

import { defaultApp, defaultOaApp, defaultProfile, testUsers } from "./users.js";
import { appGuard, configFileGuard, testUserGuard, type EmulatorConfig } from "./types.js";

/** Where generated certificates go when the env names no files (native runs): wechat-emulator/.certs/. */
const defaultCertDir = join(dirname(fileURLToPath(import.meta.url)), "..", ".certs");

const port = z.coerce.number().int().min(0).max(65535);

/** Every variable the emulator reads; all optional. */
export const envGuard = z.object({
  WECHAT_EMULATOR_CONFIG: z.string().min(1).optional(),
  WECHAT_EMULATOR_HOST: z.string().min(1).default("0.0.0.0"),
  WECHAT_EMULATOR_PORT: port.default(443),
  WECHAT_EMULATOR_CERT_FILE: z.string().min(1).default(join(defaultCertDir, "emulator.crt")),
  WECHAT_EMULATOR_KEY_FILE: z.string().min(1).default(join(defaultCertDir, "emulator.key")),
  WECHAT_EMULATOR_CA_FILE: z.string().min(1).default(join(defaultCertDir, "ca.crt")),
  WECHAT_EMULATOR_CONTROL_HOST: z.string().min(1).default("127.0.0.1"),
  WECHAT_EMULATOR_CONTROL_PORT: port.default(8090),
  /** Callback domain of the built-in default app (ignored when a config file lists apps). */
  WECHAT_EMULATOR_CALLBACK_DOMAIN: z.string().min(1).optional(),
});
export type EmulatorEnv = z.infer<typeof envGuard>;

export const readEnv = (env: NodeJS.ProcessEnv = process.env): EmulatorEnv => {
  // Empty strings (compose's `${VAR:-}`) count as unset.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  const result = envGuard.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
    throw new Error(`Invalid WeChat emulator environment: ${problems}`);
  }
  return result.data;
};

/** The built-in config: the website app, the Official Account and the test users of users.ts. */
export const defaultConfig = (callbackDomain?: string): EmulatorConfig => ({
  apps: [defaultApp, defaultOaApp].map((app) => ({ ...app, ...(callbackDomain ? { callbackDomain } : {}) })),
  users: Object.values(testUsers).map((user) => ({ ...user })),
});

/** Fills defaults into a parsed config file (apps or users left out = the built-in ones). */
export const resolveConfig = (raw: unknown, callbackDomain?: string): EmulatorConfig => {
  const file = configFileGuard.parse(raw);
  const builtIn = defaultConfig(callbackDomain);
  return {
    apps: file.apps
      ? file.apps.map((app) => appGuard.parse({ name: `App ${app.appid}`, ...app }))
      : builtIn.apps,
    users: file.users
      ? file.users.map((user) => testUserGuard.parse({ ...defaultProfile(user.key), ...user }))
      : builtIn.users,
  };
};

export const loadConfig = async (env: EmulatorEnv): Promise<EmulatorConfig> => {
  if (!env.WECHAT_EMULATOR_CONFIG) return defaultConfig(env.WECHAT_EMULATOR_CALLBACK_DOMAIN);
  const text = await readFile(env.WECHAT_EMULATOR_CONFIG, "utf8");
  try {
    return resolveConfig(JSON.parse(text), env.WECHAT_EMULATOR_CALLBACK_DOMAIN);
  } catch (error) {
    throw new Error(`Invalid WeChat emulator config ${env.WECHAT_EMULATOR_CONFIG}: ${(error as Error).message}`);
  }
};
