// `npm --workspace tests run stack`: start the whole stack and keep it running until Ctrl-C, writing
// its description to tests/.stack.json, so that `HARNESS_STACK=1 npm --workspace tests run test:e2e`
// reuses it instead of starting its own (and so you can click through it with a browser).
import { rmSync } from "node:fs";
import { DEFAULT_STACK_FILE, writeStackFile } from "./reuse.js";
import { CHROMIUM, hostResolverRules } from "./browser.js";
import { stackInfo, startStack } from "./stack.js";

const stack = await startStack();
writeStackFile(DEFAULT_STACK_FILE, stackInfo(stack));
console.log(`
Stack running (${stack.logtoKind} Logto). Description: ${DEFAULT_STACK_FILE}
  app     ${stack.urls.app}
  logto   ${stack.urls.logto}
  admin   ${stack.urls.admin}  (user ${stack.admin.username}, password: admin.password in the description)
  logs    ${stack.logDir}
  timings ${JSON.stringify(stack.timings)}
Chromium: ${CHROMIUM} --host-resolver-rules="${hostResolverRules(stack.hosts)}" --ignore-certificate-errors
Ctrl-C stops everything.`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the stack`);
  rmSync(DEFAULT_STACK_FILE, { force: true });
  await stack.stop();
  process.exit(0);
};
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
setInterval(() => {}, 1 << 30);
