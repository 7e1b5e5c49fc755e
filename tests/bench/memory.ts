// Resident memory of each service: the process listening on the service's port, then every member
// of its process group (the harness starts each service as a group leader: npm -> node, postgres ->
// backends, which leave the group but stay in the tree), summed. RSS counts shared pages once per process (postgres backends share the buffer
// pool); PSS divides shared pages among their users, so the PSS sum is what the processes really
// take together. Both are read from /proc (smaps_rollup needs root or the same user).
import { readdirSync, readFileSync } from "node:fs";
import { runProcess } from "../harness/index.js";
import { groupMembers } from "../harness/processes.js";

export interface ServiceMemory {
  service: string;
  pids: number[];
  rss: number;
  pss: number;
  /** Each member: its command (first words) and RSS. */
  processes: Array<{ pid: number; command: string; rss: number }>;
}

function field(text: string, name: string): number {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text);
  return m ? Number(m[1]) * 1024 : 0;
}

/** pid of the process listening on 127.x:port (TCP), from `ss -ltnpH`. */
export async function listenerPid(port: number): Promise<number | undefined> {
  const r = await runProcess({ name: "ss", command: "ss", args: ["-ltnpH", `sport = :${port}`], timeoutMs: 10_000 });
  const m = /pid=(\d+)/.exec(r.stdout);
  return m ? Number(m[1]) : undefined;
}

function pgidOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
}

/** Running descendants of `root` (postgres backends call setsid(): they leave the group, not the tree). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (rest[0] === "Z" || rest[0] === "X") continue;
      const ppid = Number(rest[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const c of children.get(pid) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

export function groupMemory(service: string, pgid: number): ServiceMemory {
  const pids = [...new Set([...groupMembers(pgid), ...descendants(pgid)])];
  let rss = 0;
  let pss = 0;
  const processes: ServiceMemory["processes"] = [];
  for (const pid of pids) {
    try {
      const r = field(readFileSync(`/proc/${pid}/status`, "utf8"), "VmRSS");
      rss += r;
      pss += field(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"), "Pss");
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
      const command = argv.slice(0, 3).map((a) => (a.includes("/") ? a.slice(a.lastIndexOf("/") + 1) : a)).join(" ").slice(0, 60);
      processes.push({ pid, command, rss: r });
    } catch {
      // exited meanwhile
    }
  }
  processes.sort((a, b) => b.rss - a.rss);
  return { service, pids, rss, pss, processes };
}

/** The processes of the service listening on `port` (its process group and descendants). */
export async function servicePids(port: number): Promise<number[]> {
  const pid = await listenerPid(port);
  if (!pid) throw new Error(`nothing listens on port ${port}`);
  const pgid = pgidOf(pid);
  return [...new Set([...groupMembers(pgid), ...descendants(pgid)])];
}

/** Memory of the service listening on `port` (its whole process group). */
export async function serviceMemory(service: string, port: number): Promise<ServiceMemory> {
  const pid = await listenerPid(port);
  if (!pid) throw new Error(`${service}: nothing listens on port ${port}`);
  return groupMemory(service, pgidOf(pid));
}

/** The running containers of Compose project `project`, by service name. */
async function projectContainers(project: string): Promise<Array<{ id: string; service: string; image: string }>> {
  const r = await runProcess({ name: "docker ps", command: "docker", args: ["ps", "--no-trunc", "--filter", `label=com.docker.compose.project=${project}`, "--format", '{{.ID}}\t{{.Label "com.docker.compose.service"}}\t{{.Image}}'], timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`docker ps: ${r.stderr.trim() || r.code}`);
  return r.stdout.trim().split("\n").filter(Boolean).map((line) => {
    const [id = "", service = "?", image = ""] = line.split("\t");
    return { id, service, image };
  });
}

/**
 * Compose: `docker stats` of the project's containers, named by their service (cgroup memory, which
 * counts page cache too: above the processes' RSS).
 */
export async function dockerMemory(project: string): Promise<ServiceMemory[]> {
  const containers = await projectContainers(project);
  if (!containers.length) throw new Error(`no running container of Compose project ${project}`);
  const r = await runProcess({ name: "docker stats", command: "docker", args: ["stats", "--no-stream", "--no-trunc", "--format", "{{.ID}}\t{{.MemUsage}}", ...containers.map((c) => c.id)], timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`docker stats: ${r.stderr.trim() || r.code}`);
  const units: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, kB: 1000, MB: 1e6, GB: 1e9 };
  return r.stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [id, usage] = line.split("\t");
      const m = /^([\d.]+)\s*([A-Za-z]+)/.exec(usage ?? "");
      const bytes = m ? Number(m[1]) * (units[m[2]!] ?? 1) : Number.NaN;
      const service = containers.find((c) => c.id === id)?.service ?? id ?? "?";
      return { service, pids: [], rss: bytes, pss: bytes, processes: [] };
    });
}

/** Compose: the size of each running service's image (`docker image inspect`). */
export async function dockerImageSizes(project: string): Promise<Array<{ service: string; image: string; bytes: number }>> {
  const out: Array<{ service: string; image: string; bytes: number }> = [];
  for (const c of await projectContainers(project)) {
    const r = await runProcess({ name: "docker image inspect", command: "docker", args: ["image", "inspect", "--format", "{{.Size}}", c.image], timeoutMs: 30_000 });
    if (r.code !== 0) throw new Error(`docker image inspect ${c.image}: ${r.stderr.trim() || r.code}`);
    out.push({ service: c.service, image: c.image, bytes: Number(r.stdout.trim()) });
  }
  return out.sort((a, b) => a.service.localeCompare(b.service));
}
