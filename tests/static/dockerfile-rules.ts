// Project rules for the Dockerfiles of our own images (app, seed, wechat-emulator, scripts). Every
// image is built with the repository root as context and installs exactly what package-lock.json
// says (`npm ci --workspace <ws>`), from one pinned Node image, multi-stage, running as uid 1000.
// Each rule returns a sentence naming the file and the fix; [] means the Dockerfile is fine.

/** The one Node image every stage of every Dockerfile builds on (Node 22 for Logto's packages, alpine, an exact tag). */
export const NODE_IMAGE = "node:22.23.0-alpine3.22";

export interface Stage {
  name: string | undefined;
  from: string;
  text: string;
}

/** Stages of a Dockerfile in order: FROM image (ARG defaults before the first FROM substituted), AS name, body. */
export function dockerfileStages(text: string): Stage[] {
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    const from = /^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(trimmed);
    if (from) {
      const image = from[1]!.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, n: string) => args[n] ?? `\${${n}}`);
      stages.push({ name: from[2]?.toLowerCase(), from: image, text: "" });
      continue;
    }
    const arg = /^ARG\s+([A-Za-z_][A-Za-z0-9_]*)=("?)([^"\s]*)\2\s*$/i.exec(trimmed);
    if (arg && stages.length === 0) args[arg[1]!] = arg[3]!;
    if (stages.length > 0) stages[stages.length - 1]!.text += `${line}\n`;
  }
  return stages;
}

/** Shell commands of RUN instructions, continuation lines joined. */
function runCommands(stageText: string): string[] {
  const joined = stageText.replace(/\\\n/g, " ");
  return [...joined.matchAll(/^\s*RUN\s+(.*)$/gm)].map((m) => m[1]!);
}

/** `file`: the Dockerfile's path (for messages); `workspace`: the npm workspace it packages. */
export function checkDockerfile(file: string, text: string, workspace: string): string[] {
  const problems: string[] = [];
  const stages = dockerfileStages(text);
  const byName = new Map(stages.filter((s) => s.name).map((s) => [s.name!, s]));

  if (stages.length < 2) problems.push(`${file}: one stage; build in one stage and copy only the production files into a final one`);
  for (const s of stages) {
    if (byName.has(s.from.toLowerCase())) continue; // FROM an earlier stage
    if (s.from !== NODE_IMAGE) problems.push(`${file}: stage ${s.name ?? "(final)"} is FROM ${s.from}; use ${NODE_IMAGE} (ARG NODE_IMAGE=${NODE_IMAGE})`);
  }

  // Dependencies: the root lockfile, npm ci of this workspace only.
  if (!/^COPY\s+package\.json\s+package-lock\.json\s+\.\/\s*$/m.test(text)) {
    problems.push(`${file}: does not copy the root package.json and package-lock.json; build from the repository root and install with npm ci`);
  }
  for (const s of stages) {
    for (const cmd of runCommands(s.text)) {
      // a command (not a path) that installs from anything but the lockfile
      if (/(^|&&|;|\|)\s*(npm\s+(install|i|add)|yarn|pnpm)(\s|$)/.test(cmd)) {
        problems.push(`${file}: stage ${s.name ?? "(final)"} runs "${cmd}"; install with npm ci from package-lock.json`);
      }
      if (/\bnpm\s+ci\b/.test(cmd) && !cmd.includes(`--workspace ${workspace} --include-workspace-root=false`)) {
        problems.push(`${file}: "${cmd}" does not install the ${workspace} workspace alone; add --workspace ${workspace} --include-workspace-root=false`);
      }
    }
  }

  // Final stage: production files only, as uid 1000.
  const final = stages.at(-1);
  if (final) {
    const copies = [...final.text.matchAll(/^COPY\s+(.*)$/gm)].map((m) => m[1]!.trim().split(/\s+/));
    for (const args of copies) {
      const fromStage = args.find((a) => a.startsWith("--from="))?.slice("--from=".length).toLowerCase();
      const sources = args.filter((a) => !a.startsWith("--")).slice(0, -1);
      if (fromStage) {
        const source = byName.get(fromStage);
        if (source && sources.some((p) => /(^|\/)node_modules\/?$/.test(p)) && !runCommands(source.text).some((c) => /\bnpm\s+ci\b.*--omit=dev/.test(c))) {
          problems.push(`${file}: the final stage copies node_modules from stage ${fromStage}, which did not install with --omit=dev`);
        }
      } else {
        for (const p of sources) {
          if (p === "." || p === "./" || p.replace(/\/$/, "") === workspace) {
            problems.push(`${file}: the final stage copies ${p} whole from the context; copy the production files only (package.json, dist/ or sources)`);
          }
        }
      }
    }
    if (runCommands(final.text).some((c) => /\bnpm\s+ci\b/.test(c) && !c.includes("--omit=dev"))) {
      problems.push(`${file}: the final stage installs dev dependencies; use npm ci --omit=dev`);
    }
    const users = [...final.text.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
    if (users.at(-1) !== "1000:1000") {
      problems.push(`${file}: the final stage runs as ${users.at(-1) ?? "root"}; end with USER 1000:1000 (the image's node user; the credentials volume belongs to it)`);
    }
  }
  return problems;
}

/** Entries a root .dockerignore must have: nothing of these belongs in any build context. */
const DOCKERIGNORE_REQUIRED = ["**/node_modules", "**/.next", "**/dist", "**/.env", "**/.env.*", "backups", "tests", "**/test-results", "**/coverage", ".git"];

export function checkDockerignore(text: string): string[] {
  const lines = new Set(text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#")));
  return DOCKERIGNORE_REQUIRED.filter((entry) => !lines.has(entry)).map((entry) => `.dockerignore: missing ${entry}; it must stay out of every build context`);
}
