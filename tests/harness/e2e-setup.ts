// setupFiles of the e2e project: after a failed test, screenshots of every open browser tab go to
// tests/.artifacts/, and the last lines of the app's and Logto's logs are printed; browsers a spec
// left open are closed after each file.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, inject } from "vitest";
import { closeOpenBrowsers, screenshotOpenBrowsers } from "./browser.js";

function tailOf(file: string, lines: number): string {
  if (!existsSync(file)) return "";
  return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

afterEach(async (context) => {
  if (context.task.result?.state !== "fail") return;
  const name = `${context.task.file?.name ?? "e2e"}-${context.task.name}`;
  const shots = await screenshotOpenBrowsers(name);
  const stack = inject("stack");
  // Caddy's access log is one long JSON line per request: a few are enough.
  const logs = (
    [
      ["app", 25],
      ["logto", 25],
      ["wechat-emulator", 10],
      ["caddy", 4],
    ] as const
  )
    .map(([service, lines]) => [service, tailOf(join(stack.logDir, `${service}.log`), lines)] as const)
    .filter(([, text]) => text)
    .map(([service, text]) => `--- last lines of ${service}.log ---\n${text}`)
    .join("\n");
  console.error(`[harness] "${context.task.name}" failed. Screenshots: ${shots.join(", ") || "(no open browser)"}; all logs: ${stack.logDir}\n${logs}`);
});

afterAll(async () => {
  await closeOpenBrowsers();
});
