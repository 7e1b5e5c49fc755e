export { start, type Emulator, type StartOptions } from "./server.js";
export { testUsers, defaultApp, type TestUserKey } from "./users.js";
export { errcodes, endpointNames, paths, type EndpointName } from "./constant.js";
export { defaultConfig, resolveConfig, readEnv } from "./config.js";
export { generateCertificate, ensureCertificate } from "./certs.js";
export type { App, EmulatorConfig, Fault, TestUser } from "./types.js";
