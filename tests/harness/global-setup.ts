// vitest globalSetup of the e2e project: reuse a running stack (HARNESS_STACK) or start one, and
// hand its description to the test workers (inject("stack")). Teardown stops what was started.
import type { TestProject } from "vitest/node";
import { assertPrerequisites } from "./prerequisites.js";
import { reusableStack } from "./reuse.js";
import { stackInfo, startStack, type StackInfo } from "./stack.js";

declare module "vitest" {
  export interface ProvidedContext {
    stack: StackInfo;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const running = await reusableStack();
  if (!running) assertPrerequisites({ port443: true });
  if (running) {
    project.provide("stack", running);
    return undefined;
  }
  const started = Date.now();
  const stack = await startStack();
  console.log(`[harness] stack up in ${Date.now() - started} ms (${stack.logtoKind} Logto), logs in ${stack.logDir}`);
  project.provide("stack", stackInfo(stack));
  return async () => {
    await stack.stop();
  };
}
