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

/**
 * A word of a Dockerfile with its variables substituted as the builder does: $NAME, ${NAME},
 * ${NAME:-default} and ${NAME:+alternative}, nested. An unknown name stays as written.
 */
export function expandDockerfileWord(word: string, args: Record<string, string>): string {
  let i = 0;
  const expand = (stop: string | undefined): string => {
    let out = "";
    while (i < word.length && word[i] !== stop) {
      if (word[i] !== "$") {
        out += word[i++];
        continue;
      }
      const braced = word[i + 1] === "{";
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(word.slice(i + (braced ? 2 : 1)))?.[0];
      if (!name) {
        out += word[i++];
        continue;
      }
      const start = i;
      i += (braced ? 2 : 1) + name.length;
      const value = args[name];
      if (!braced) {
        out += value ?? word.slice(start, i);
        continue;
      }
      const modifier = word.slice(i, i + 2);
      if (modifier === ":-" || modifier === ":+") {
        i += 2;
        const alternative = expand("}");
        i++; // the closing brace
        if (value === undefined) out += `\${${name}${modifier}${alternative}}`;
        else if (modifier === ":-") out += value !== "" ? value : alternative;
        else out += value !== "" ? alternative : "";
      } else {
        i++; // the closing brace
        out += value ?? `\${${name}}`;
      }
    }
    return out;
  };
  return expand(undefined);
}

/**
 * Stages of a Dockerfile in order: FROM image, AS name, body. The FROM lines are substituted with the
 * ARG defaults before the first FROM, as `docker build` does, `buildArgs` replacing them (--build-arg).
 */
export function dockerfileStages(text: string, buildArgs: Record<string, string> = {}): Stage[] {
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    const from = /^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(trimmed);
    if (from) {
      stages.push({ name: from[2]?.toLowerCase(), from: expandDockerfileWord(from[1]!, args), text: "" });
      continue;
    }
    const arg = /^ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=("?)([^"\s]*)\2)?\s*$/i.exec(trimmed);
    if (arg && stages.length === 0) args[arg[1]!] = buildArgs[arg[1]!] ?? expandDockerfileWord(arg[3] ?? "", args);
    if (stages.length > 0) stages[stages.length - 1]!.text += `${line}\n`;
  }
  return stages;
}

/** How every npm command that installs takes NPM_REGISTRY (empty: npm's own default registry). */
export const NPM_REGISTRY_OPTION = '${NPM_REGISTRY:+--registry "$NPM_REGISTRY"}';

/**
 * Where the images and packages of a Dockerfile come from: every stage that is not FROM an earlier
 * one builds on NODE_IMAGE, which follows IMAGE_REGISTRY (Docker Hub's path library/node under it),
 * and every npm install (npm ci, npm install) in it takes NPM_REGISTRY, declared in its stage.
 */
export function checkRegistries(file: string, text: string): string[] {
  const problems: string[] = [];
  const registry = "registry.example.cn:5000";
  const stages = dockerfileStages(text);
  const moved = dockerfileStages(text, { IMAGE_REGISTRY: registry });
  const names = new Set(stages.map((s) => s.name).filter(Boolean));
  if (!/^ARG NODE_IMAGE=/m.test(text)) problems.push(`${file}: no ARG NODE_IMAGE=<default> before the first FROM; build every stage FROM \${NODE_IMAGE}`);
  stages.forEach((s, i) => {
    // FROM an earlier stage, or another base than Node (Logto's, connectors/wechat): its own variable.
    if (names.has(s.from.toLowerCase()) || s.from !== NODE_IMAGE) return;
    if (moved[i]!.from !== `${registry}/library/${NODE_IMAGE}`) {
      problems.push(`${file}: stage ${s.name ?? "(final)"} is FROM ${moved[i]!.from} with IMAGE_REGISTRY=${registry}; use ARG NODE_IMAGE=\${IMAGE_REGISTRY:+\${IMAGE_REGISTRY}/library/}${NODE_IMAGE}`);
    }
  });
  for (const s of stages) {
    const declared = /^ARG\s+NPM_REGISTRY\s*$/m.test(s.text);
    for (const cmd of runCommands(s.text)) {
      for (const install of cmd.split(/&&|;|\|\||\bthen\b/).filter((c) => /\bnpm\s+(ci|install|i|add)\b/.test(c))) {
        if (!install.includes(NPM_REGISTRY_OPTION)) {
          problems.push(`${file}: stage ${s.name ?? "(final)"}: "${install.trim()}" ignores NPM_REGISTRY; write npm ${/\bnpm\s+(\w+)/.exec(install)![1]} ${NPM_REGISTRY_OPTION} ...`);
        } else if (!declared) {
          problems.push(`${file}: stage ${s.name ?? "(final)"} uses NPM_REGISTRY without declaring it; add ARG NPM_REGISTRY before its RUN`);
        }
      }
    }
  }
  return problems;
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
