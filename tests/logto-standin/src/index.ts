/**
 * Entry point the harness runs on Node 22: `node tests/logto-standin/src/index.ts` with the Logto
 * image's environment (DB_URL, ENDPOINT, ADMIN_ENDPOINT, PORT, ADMIN_PORT, TRUST_PROXY_HEADER).
 * Ready when GET /api/status answers 204. SIGTERM/SIGINT close both listeners and the pool.
 */
import { start } from "./main.ts";

start().then(
  (instance) => {
    const stop = () => {
      void instance.close().then(() => process.exit(0));
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  },
  (error: unknown) => {
    console.error("[logto-standin] failed to start:", error);
    process.exit(1);
  },
);
