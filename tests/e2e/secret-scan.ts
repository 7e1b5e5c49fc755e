// Looking for a stack's secrets where they must not be (issue 11, point 5): service logs, artefacts
// under tests/.artifacts/, process command lines (`ps` shows them to every user) and, for Compose,
// `docker inspect`. Used by tests/e2e/secrets.test.ts (harness or make e2e) and
// tests/compose/secrets.test.ts (the Docker engine).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { artifactsDir } from "../harness/index.js";

/** Every client secret in Logto's database (all tenants; legacy column and application_secrets). */
export const CLIENT_SECRETS_SQL = `select tenant_id || '/' || id as app, secret from applications where secret <> ''
  union all select tenant_id || '/' || application_id || ' (' || name || ')', value from application_secrets`;

/** Env variables that hold secrets (.env.example's Secrets, WeChat and App parts). */
export const SECRET_VARIABLES = ["POSTGRES_PASSWORD", "AUTH_SECRET", "LOGTO_ADMIN_PASSWORD", "WECHAT_APP_SECRET", "AUTH_LOGTO_SECRET"] as const;

/** name -> value, keeping only values long enough not to match by chance (every secret the stack makes is). */
export class Secrets extends Map<string, string> {
  add(name: string, value: string | undefined): this {
    if (value && value.length >= 12) this.set(name, value);
    return this;
  }
}

/** Files whose job is to hold secrets (env files, stack descriptions, the app's credentials): checked for their mode instead. */
export function holdsSecrets(file: string): boolean {
  return /(^|\/)(\.env(\.\d{8}T\d{6}Z\.bak|\.tmp\.[^/]*)?|\.?stack\.json)$/.test(file) || file.includes("/app-credentials/");
}

/** Regular files under `dir`, recursively (none when it does not exist). */
export function filesUnder(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir, { recursive: true }) as string[];
  } catch {
    return [];
  }
  return entries
    .map((f) => join(dir, f))
    .filter((f) => {
      try {
        return statSync(f).isFile();
      } catch {
        return false; // removed meanwhile (another run's pruning)
      }
    });
}

/**
 * The artefacts: tests/.artifacts/ without the files that hold secrets and without the repository
 * copies of the Compose suite (tests/.artifacts/compose/<name>/: an operator's directory, each with
 * its own .env and the repository's sources).
 */
export function artefactFiles(): string[] {
  return ownArtefacts().filter((f) => !holdsSecrets(f));
}

/** The files under tests/.artifacts/ that hold secrets (the same copies left out). */
export function secretHolderFiles(): string[] {
  return ownArtefacts().filter(holdsSecrets);
}

function ownArtefacts(): string[] {
  const copies = join(artifactsDir, "compose") + "/";
  return filesUnder(artifactsDir).filter((f) => !f.startsWith(copies));
}

/** The command line of every process on the machine (what `ps -ef` shows any user). */
export function commandLines(): Array<{ name: string; text: string }> {
  return readdirSync("/proc")
    .filter((pid) => /^\d+$/.test(pid))
    .flatMap((pid) => {
      try {
        return [{ name: `the command line of pid ${pid}`, text: readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ") }];
      } catch {
        return []; // ended meanwhile
      }
    });
}

/** The files as named texts (names relative to tests/.artifacts/). */
export function fileTexts(files: string[]): Array<{ name: string; text: string }> {
  return [...new Set(files)].map((f) => ({ name: relative(artifactsDir, f), text: readFileSync(f, "latin1") }));
}

/** "<secret> in <where>" for every secret found in every text: what the tests expect to be []. */
export function findSecrets(secrets: Map<string, string>, texts: Array<{ name: string; text: string }>): string[] {
  const found: string[] = [];
  for (const { name, text } of texts) {
    for (const [secret, value] of secrets) if (text.includes(value)) found.push(`${secret} in ${name}`);
  }
  return found;
}

/** Files that hold secrets readable by someone else than their owner (expected: none). */
export function readableByOthers(files: string[]): string[] {
  return files.filter((f) => {
    try {
      return (statSync(f).mode & 0o077) !== 0;
    } catch {
      return false; // not there: nothing to read
    }
  });
}
