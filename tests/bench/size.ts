// Size of what the app's Dockerfile ships: its runtime stage is the Node base image plus
// `COPY --from=build /repo/app/.next/standalone ./` (server.js, the traced node_modules, .next with
// static files). Images cannot be built here, so the image is estimated as base + that tree.
import { lstatSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { node22, repoRoot } from "../harness/index.js";

export const STANDALONE_DIR = join(repoRoot, "app", ".next", "standalone");
/**
 * Assumed unpacked size of node:22.23.0-alpine3.22 (linux/amd64) as `docker images` shows it:
 * node:22-alpine images of the 22.x line are about 155–165 MB unpacked (about 50 MB compressed);
 * the Node binary alone is most of it. The Dockerfile's `rm -rf` of npm/corepack/yarn runs in a
 * later layer, so it hides those files but does not make the image smaller.
 */
export const BASE_IMAGE_BYTES = 160 * 1024 * 1024;
export const BASE_IMAGE = "node:22.23.0-alpine3.22";

/** Apparent size of a tree (files and symlinks, not following links) and its file count. */
export function treeSize(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        bytes += lstatSync(p).size;
        files++;
      }
    }
  };
  walk(dir);
  return { bytes, files };
}

export interface SizeResult {
  standaloneBytes: number;
  standaloneFiles: number;
  /** Largest entries of the standalone tree (top-level of node_modules, and the app folder). */
  largest: Array<{ name: string; bytes: number }>;
  imageBytes: number;
  node22BinaryBytes: number;
}

export function measureSize(): SizeResult {
  const total = treeSize(STANDALONE_DIR);
  const parts: Array<{ name: string; bytes: number }> = [];
  for (const e of readdirSync(STANDALONE_DIR, { withFileTypes: true })) {
    const p = join(STANDALONE_DIR, e.name);
    if (e.name === "node_modules" && e.isDirectory()) {
      for (const m of readdirSync(p, { withFileTypes: true })) {
        const mp = join(p, m.name);
        if (m.name.startsWith("@") && m.isDirectory()) {
          for (const s of readdirSync(mp)) parts.push({ name: `node_modules/${m.name}/${s}`, bytes: treeSize(join(mp, s)).bytes });
        } else parts.push({ name: `node_modules/${m.name}`, bytes: m.isDirectory() ? treeSize(mp).bytes : lstatSync(mp).size });
      }
    } else parts.push({ name: e.name, bytes: e.isDirectory() ? treeSize(p).bytes : lstatSync(p).size });
  }
  parts.sort((a, b) => b.bytes - a.bytes);
  return {
    standaloneBytes: total.bytes,
    standaloneFiles: total.files,
    largest: parts.slice(0, 6),
    imageBytes: BASE_IMAGE_BYTES + total.bytes,
    node22BinaryBytes: statSync(node22).size,
  };
}
