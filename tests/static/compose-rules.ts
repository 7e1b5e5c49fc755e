// Project rules for compose.yaml, applied to `docker compose config --format json` (Compose has
// already normalised it: a short `depends_on` list becomes `condition: service_started`).
// Each rule returns a sentence naming the service and the fix; [] means the project is fine.
import { dockerfileStages } from "./dockerfile-rules.js";

export interface ComposePort {
  target: number;
  published?: string;
  protocol?: string;
}
export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string; args?: Record<string, string> };
  restart?: string;
  ports?: ComposePort[];
  healthcheck?: { test?: string[]; disable?: boolean; start_interval?: string };
  depends_on?: Record<string, { condition?: string }>;
}
export interface ComposeProject {
  services: Record<string, ComposeService>;
}

/** The only service that may publish ports, and what it may publish. */
const PROXY_SERVICE = "caddy";
const PROXY_PORTS = ["80/tcp", "443/tcp", "443/udp"];

/**
 * Commands each image is known to contain, read off its Dockerfile (see README, notes for maintainers):
 * postgres -> pg_isready; svhd/logto and our node:22-alpine builds -> node; caddy (Alpine) -> busybox wget.
 * Under any registry (IMAGE_REGISTRY puts one in front of Docker Hub's paths).
 */
const HEALTHCHECK_COMMANDS: Array<{ image: RegExp; commands: string[] }> = [
  // pidof: BusyBox's, in Alpine's base (the backup service's image is FROM postgres, it checks crond)
  { image: /^(.+\/)?(library\/)?postgres:/, commands: ["pg_isready", "pidof"] },
  { image: /^(.+\/)?(svhd\/logto|logto-io\/logto):/, commands: ["node"] },
  { image: /^(.+\/)?(library\/)?caddy:/, commands: ["wget"] },
  { image: /^(.+\/)?(library\/)?node:/, commands: ["node"] },
];

const WAITING_CONDITIONS = ["service_healthy", "service_completed_successfully"];

/** An image reference pinned to one release: a digest, or an exact version tag (x.y.z; postgres' releases are x.y). */
export function isPinned(ref: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(ref)) return true;
  const slash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  if (colon <= slash) return false; // no tag = latest
  const repo = ref.slice(0, colon);
  const tag = ref.slice(colon + 1);
  if (/^v?\d+\.\d+\.\d+([-.+_][\w.-]+)?$/.test(tag)) return true;
  return /(^|\/)postgres$/.test(repo) && /^\d{2,}\.\d+(-[\w.-]+)?$/.test(tag);
}

/**
 * Base images of a Dockerfile (FROM lines, the build's `args` or else the ARG defaults substituted,
 * earlier stages and scratch skipped).
 */
export function dockerfileBaseImages(text: string, buildArgs: Record<string, string> = {}): string[] {
  const stages = new Set<string>();
  const images: string[] = [];
  for (const s of dockerfileStages(text, buildArgs)) {
    if (!stages.has(s.from.toLowerCase()) && s.from !== "scratch") images.push(s.from);
    if (s.name) stages.add(s.name);
  }
  return images;
}

export function checkProject(project: ComposeProject, dockerfiles: Record<string, string> = {}): string[] {
  const problems: string[] = [];
  const services = project.services;
  const oneShot = (s: ComposeService) => s.restart === "no";

  for (const [name, s] of Object.entries(services)) {
    // Pinned images (and pinned base images of what we build).
    if (s.image && !s.build && !isPinned(s.image)) {
      problems.push(`${name}: image ${s.image} is not pinned; use an exact version tag (e.g. caddy:2.11.2-alpine)`);
    }
    const baseImages = s.build ? dockerfileBaseImages(dockerfiles[name] ?? "", s.build.args) : [];
    for (const base of baseImages) {
      if (!isPinned(base)) problems.push(`${name}: Dockerfile base image ${base} is not pinned; use an exact version tag`);
    }

    // Ports: only the proxy publishes, and only 80, 443, 443/udp.
    for (const p of s.ports ?? []) {
      const spec = `${p.published ?? "?"}:${p.target}/${p.protocol ?? "tcp"}`;
      if (name !== PROXY_SERVICE) {
        problems.push(`${name}: publishes ${spec}; only ${PROXY_SERVICE} may publish ports (put dev ports in an override file)`);
      } else if (!PROXY_PORTS.includes(`${p.target}/${p.protocol ?? "tcp"}`) || String(p.published) !== String(p.target)) {
        problems.push(`${name}: publishes ${spec}; ${PROXY_SERVICE} publishes only ${PROXY_PORTS.join(", ")}`);
      }
    }

    // Restart policy and healthcheck.
    if (s.restart === undefined) {
      problems.push(`${name}: no restart policy; long-running services use "unless-stopped", one-shot steps "no"`);
    } else if (!oneShot(s)) {
      const test = s.healthcheck?.test ?? [];
      if (s.healthcheck?.disable || test.length === 0 || test[0] === "NONE") {
        problems.push(`${name}: long-running service without a healthcheck`);
      } else {
        // A built image has what its final base has (the app's: node, from node:22-alpine).
        const image = (s.build ? baseImages.at(-1) : s.image) ?? "";
        const command = test[0] === "CMD-SHELL" ? (test[1] ?? "").trim().split(/\s+/)[0] : test[1];
        const known = HEALTHCHECK_COMMANDS.find((h) => h.image.test(image));
        if (known && !known.commands.includes(command ?? "")) {
          problems.push(`${name}: healthcheck runs ${command}, which ${image} does not contain (it has: ${known.commands.join(", ")})`);
        }
      }
    }
    if (s.healthcheck?.start_interval) {
      problems.push(`${name}: healthcheck.start_interval needs Docker Engine 25; the README promises Engine 24`);
    }

    // depends_on waits for readiness.
    for (const [dep, d] of Object.entries(s.depends_on ?? {})) {
      const target = services[dep];
      if (!d.condition || !WAITING_CONDITIONS.includes(d.condition)) {
        problems.push(`${name}: depends_on ${dep} has condition ${d.condition ?? "(none)"}; use service_healthy or service_completed_successfully`);
      } else if (d.condition === "service_healthy" && target && !target.healthcheck?.test?.length) {
        problems.push(`${name}: waits for ${dep} to be healthy, but ${dep} has no healthcheck`);
      } else if (d.condition === "service_completed_successfully" && target && !oneShot(target)) {
        problems.push(`${name}: waits for ${dep} to complete, but ${dep} is not a one-shot step (restart: "no")`);
      }
    }
  }

  // `up --wait` fails on an exited one-shot step unless a long-running service waits for it.
  for (const [name, s] of Object.entries(services)) {
    if (!oneShot(s)) continue;
    const adopted = Object.values(services).some(
      (o) => !oneShot(o) && o.depends_on?.[name]?.condition === "service_completed_successfully",
    );
    if (!adopted) {
      problems.push(`${name}: one-shot step that no long-running service waits for (service_completed_successfully); \`docker compose up --wait\` would fail`);
    }
  }
  return problems;
}
