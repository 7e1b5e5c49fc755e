/** `npm --workspace wechat-emulator start`: configured by WECHAT_EMULATOR_* (see README.md). */
import { loadConfig, readEnv } from "./config.js";
import { start } from "./server.js";

const main = async (): Promise<void> => {
  const env = readEnv();
  const config = await loadConfig(env);
  const emulator = await start({ config });
  let closing = false;
  const stop = (signal: string): void => {
    if (closing) return;
    closing = true;
    console.log(`[wechat-emulator] ${signal}: closing`);
    void emulator.close().then(() => process.exit(0));
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
};

main().catch((error: unknown) => {
  const err = error as NodeJS.ErrnoException;
  console.error(`[wechat-emulator] ${err.message}`);
  if (err.code === "EACCES") {
    console.error(
      "[wechat-emulator] binding a port below 1024 needs root, or net.ipv4.ip_unprivileged_port_start=0 (compose.sandbox.yaml sets it)"
    );
  } else if (err.code === "EADDRINUSE") {
    console.error("[wechat-emulator] the address is taken: set WECHAT_EMULATOR_HOST/_PORT or WECHAT_EMULATOR_CONTROL_PORT");
  } else if (!(error instanceof Error) || !err.message.startsWith("Invalid")) {
    console.error(err.stack);
  }
  process.exit(1);
});
