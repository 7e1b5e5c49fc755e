// Shared by the scripts' tests: run a command or a POSIX sh script of scripts/, and a fake Compose.
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const scriptsDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const repoRoot = resolve(scriptsDir, "..");

export type Run = { code: number; stdout: string; stderr: string };

/** Runs a command to its end with only PATH and `env` set, collecting its output. */
export function runCommand(command: string, args: string[], env: Record<string, string>, input?: string): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", fail);
    child.on("close", (code) => done({ code: code ?? -1, stdout, stderr }));
    child.stdin.on("error", () => {}); // the command may exit before reading stdin
    child.stdin.end(input ?? "");
  });
}

export function runScript(script: string, args: string[], env: Record<string, string>, input?: string): Promise<Run> {
  return runCommand("sh", [join(scriptsDir, script), ...args], { LANG: "C.UTF-8", ...env }, input);
}

/**
 * A stand-in for `docker compose`: logs each call to compose.log; `ps` prints the ids listed in
 * $FAKE_RUNNING (space-separated service names); `version` prints $FAKE_COMPOSE_VERSION;
 * FAKE_FAIL_ON=<subcommand> makes that one fail, FAKE_FAIL_ARGS=<all arguments> only the call with exactly
 * those; FAKE_LOG_VERSION=1 logs the LOGTO_VERSION Compose would use too (the environment's, else
 * $STACK_DIR/.env's); `config` prints the logto service as compose.yaml resolves it: the image
 * LOGTO_IMAGE, else svhd/logto:<that version>. Returns the dir and a reader for the log.
 */
export function fakeCompose(dir = mkdtempSync(join(tmpdir(), "fake-compose-"))) {
  const bin = join(dir, "compose");
  const log = join(dir, "compose.log");
  writeFileSync(log, "");
  writeFileSync(
    bin,
    `#!/bin/sh
from_env() { sed -n "s/^$1=//p" "\${STACK_DIR:-.}/.env" 2>/dev/null | tail -n 1; }
version=\${LOGTO_VERSION:-$(from_env LOGTO_VERSION)}
printf '%s%s\\n' "\${FAKE_LOG_VERSION:+[LOGTO_VERSION=$version] }" "$*" >> "${log}"
[ -n "\${FAKE_FAIL_ON:-}" ] && [ "$1" = "\$FAKE_FAIL_ON" ] && exit 1
[ -n "\${FAKE_FAIL_ARGS:-}" ] && [ "$*" = "\$FAKE_FAIL_ARGS" ] && exit 1
case "$1" in
  version) [ -n "\${FAKE_COMPOSE_VERSION:-}" ] && echo "\$FAKE_COMPOSE_VERSION" ;;
  config) image=\${LOGTO_IMAGE:-$(from_env LOGTO_IMAGE)}
    printf 'name: fake\\nservices:\\n  logto:\\n    image: %s\\n' "\${image:-svhd/logto:$version}" ;;
  ps) for s in \${FAKE_RUNNING:-}; do for a in "$@"; do [ "$a" = "$s" ] && echo "id-$s"; done; done ;;
esac
exit \${FAKE_COMPOSE_EXIT:-0}
`,
  );
  chmodSync(bin, 0o755);
  return { dir, bin, calls: () => readFileSync(log, "utf8").trim().split("\n").filter(Boolean) };
}
