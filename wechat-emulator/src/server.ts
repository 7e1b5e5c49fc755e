import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";

import { ensureCertificate } from "./certs.js";
import { defaultConfig, readEnv } from "./config.js";
import { createControlHandler } from "./control.js";
import { EmulatorState } from "./state.js";
import type { EmulatorConfig } from "./types.js";
import { createWechatHandler } from "./wechat.js";

export type StartOptions = {
  config?: EmulatorConfig;
  /** HTTPS listener (both WeChat hosts). Port 0 = any free port. */
  host?: string;
  port?: number;
  controlHost?: string;
  controlPort?: number;
  certFile?: string;
  keyFile?: string;
  caFile?: string;
  /** The clock codes and tokens expire by (tests pass a controllable one). */
  now?: () => number;
  log?: (line: string) => void;
};

export type Emulator = {
  /** e.g. https://127.0.0.2:443 */
  url: string;
  /** e.g. http://127.0.0.1:8090 */
  controlUrl: string;
  port: number;
  controlPort: number;
  /** The CA to trust (NODE_EXTRA_CA_CERTS), when the emulator generated its certificate. */
  caFile: string;
  config: EmulatorConfig;
  state: EmulatorState;
  close(): Promise<void>;
};

const listen = (server: Server, port: number, host: string): Promise<AddressInfo> =>
  new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server.address() as AddressInfo);
    });
  });

const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });

const urlOf = (scheme: string, host: string, port: number): string =>
  `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}`;

/** Starts the HTTPS (WeChat) and HTTP (control) listeners; unset options come from the environment. */
export const start = async (options: StartOptions = {}): Promise<Emulator> => {
  const env = readEnv();
  const log = options.log ?? ((line: string) => console.log(`[wechat-emulator] ${line}`));
  const config = options.config ?? defaultConfig(env.WECHAT_EMULATOR_CALLBACK_DOMAIN);
  const host = options.host ?? env.WECHAT_EMULATOR_HOST;
  const controlHost = options.controlHost ?? env.WECHAT_EMULATOR_CONTROL_HOST;
  const files = {
    certFile: options.certFile ?? env.WECHAT_EMULATOR_CERT_FILE,
    keyFile: options.keyFile ?? env.WECHAT_EMULATOR_KEY_FILE,
    caFile: options.caFile ?? env.WECHAT_EMULATOR_CA_FILE,
  };
  const { cert, key } = await ensureCertificate(files, log);

  const state = new EmulatorState(options.now);
  const wechat = createWechatHandler(config, state);
  const info = { url: "" };

  const https = createHttpsServer({ cert, key }, (req, res) => {
    wechat(req, res).catch((error: unknown) => {
      log(`error on ${req.method} ${req.url}: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const control = createHttpServer((req, res) => void createControlHandler(state, info)(req, res));

  const httpsAddress = await listen(https, options.port ?? env.WECHAT_EMULATOR_PORT, host);
  let controlAddress: AddressInfo;
  try {
    controlAddress = await listen(control, options.controlPort ?? env.WECHAT_EMULATOR_CONTROL_PORT, controlHost);
  } catch (error) {
    await closeServer(https);
    throw error;
  }
  info.url = urlOf("https", host, httpsAddress.port);
  const controlUrl = urlOf("http", controlHost, controlAddress.port);
  log(
    `listening on ${info.url} (open.weixin.qq.com, api.weixin.qq.com; apps ${config.apps
      .map((app) => `${app.appid} -> ${app.callbackDomain}`)
      .join(", ")}; users ${config.users.map((user) => user.key).join(", ")}); control ${controlUrl}`
  );

  return {
    url: info.url,
    controlUrl,
    port: httpsAddress.port,
    controlPort: controlAddress.port,
    caFile: files.caFile,
    config,
    state,
    close: async () => {
      await Promise.all([closeServer(https), closeServer(control)]);
    },
  };
};
