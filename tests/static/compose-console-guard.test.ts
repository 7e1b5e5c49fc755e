// The console guard's wiring in compose.yaml (`docker compose config`): one marker path for the
// seed that writes it, Caddy that waits for it (read-only) and `prepare` that removes it, on one
// volume; and Logto starts only after `prepare` has removed it.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { FILLED_SECRETS, REPO, run, scratchStack } from "./util.js";

interface Service {
  environment?: Record<string, string | null>;
  volumes?: Array<{ type: string; source?: string; target: string; read_only?: boolean }>;
  depends_on?: Record<string, { condition?: string }>;
}

describe("compose.yaml: the console-ready marker", () => {
  const { envFile } = scratchStack(FILLED_SECRETS);
  const r = run("docker", ["compose", "-f", join(REPO, "compose.yaml"), "--env-file", envFile, "config", "--format", "json"]);
  const services = r.code === 0 ? (JSON.parse(r.stdout) as { services: Record<string, Service> }).services : {};

  it("is one path, on volume stack-state: written by the seed, removed by prepare, read-only for Caddy", () => {
    expect(r.code, r.stderr).toBe(0);
    const paths = ["seed", "prepare", "caddy"].map((name) => services[name]?.environment?.CONSOLE_READY_FILE);
    expect(new Set(paths)).toEqual(new Set(["/run/stack-state/console-ready"]));
    const mount = (name: string) => services[name]?.volumes?.find((v) => v.target === dirname(paths[0]!));
    expect(mount("seed")).toMatchObject({ type: "volume", source: "stack-state" });
    expect(mount("seed")?.read_only).toBeFalsy();
    expect(mount("prepare")).toMatchObject({ type: "volume", source: "stack-state" });
    expect(mount("prepare")?.read_only).toBeFalsy();
    expect(mount("caddy")).toMatchObject({ type: "volume", source: "stack-state", read_only: true });
    // The app never sees it.
    expect(services.app?.volumes?.some((v) => v.source === "stack-state")).toBe(false);
  });

  it("is Caddy's own default too, so a Caddy started without the variable still waits for the seed", () => {
    const snippet = readFileSync(join(REPO, "caddy/snippets/console-guard"), "utf8");
    expect(snippet).toContain(`try_files {$CONSOLE_READY_FILE:${services.caddy?.environment?.CONSOLE_READY_FILE}}`);
  });

  it("Logto starts only once prepare has removed it", () => {
    expect(services.logto?.depends_on?.prepare).toMatchObject({ condition: "service_completed_successfully" });
  });
});
