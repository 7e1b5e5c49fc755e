import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetLogtoDatabase, startLogto } from "./logto.js";
import { startPostgres, type Postgres } from "./postgres.js";
import { httpRequest, ServiceError } from "./processes.js";

function pgrep(pattern: string): string[] {
  try {
    return execFileSync("pgrep", ["-f", pattern]).toString().trim().split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

const fakeLogto = fileURLToPath(new URL("./fixtures/fake-logto.mjs", import.meta.url));

describe("startLogto (stand-in mode, with a fake stand-in) and resetLogtoDatabase", () => {
  let pg: Postgres;
  const saved = { ...process.env };
  beforeAll(async () => {
    pg = await startPostgres();
    for (const k of ["LOGTO_DIR", "LOGTO_ENDPOINT", "LOGTO_ADMIN_ENDPOINT", "LOGTO_DB_URL"]) delete process.env[k];
    process.env.LOGTO_STANDIN_ENTRY = fakeLogto;
  });
  afterAll(async () => {
    process.env = saved;
    await pg?.stop();
  });

  it("seeds Logto's schema with @logto/cli, starts on Node 22 with the image's env, and stops", async () => {
    const dbUrl = pg.urlFor("logto");
    const logto = await startLogto({
      dbUrl,
      endpoint: "https://auth.stack.test:8443",
      adminEndpoint: "https://admin.stack.test:8443",
      env: { EXTRA: "passed" },
    });
    console.log(`db seed ${logto.dbSeedMs} ms, fake stand-in ready in ${logto.startMs} ms`);
    expect(logto.kind).toBe("standin");
    const tables = await pg.query("select 1 from information_schema.tables where table_name = 'logto_configs'", [], "logto");
    expect(tables.rowCount).toBe(1);
    const seen = JSON.parse((await httpRequest(`${logto.internalUrl}/env`)).body) as Record<string, string>;
    expect(seen).toMatchObject({
      DB_URL: dbUrl,
      ENDPOINT: "https://auth.stack.test:8443",
      ADMIN_ENDPOINT: "https://admin.stack.test:8443",
      TRUST_PROXY_HEADER: "1",
      EXTRA: "passed",
    });
    expect(seen.node).toMatch(/^v22\./);
    expect((await httpRequest(`${logto.adminInternalUrl}/api/status`)).status).toBe(204);
    await logto.stop();
    await expect(httpRequest(`${logto.internalUrl}/api/status`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it("reset drops the database and its logto_tenant_* roles, so a second db seed succeeds", async () => {
    const roles = async () =>
      (await pg.query<{ rolname: string }>("select rolname from pg_roles where rolname like 'logto_tenant_%' order by 1")).rows.map((r) => r.rolname);
    expect(await roles()).toEqual(["logto_tenant_logto", "logto_tenant_logto_admin", "logto_tenant_logto_default"]);
    await pg.query("insert into logto_configs (tenant_id, key, value) values ('default', 'harness-marker', '{}')", [], "logto");

    const dsn = await resetLogtoDatabase(pg, "logto");
    expect(dsn).toBe(pg.urlFor("logto"));
    expect(await roles()).toEqual([]);
    const empty = await pg.query("select 1 from information_schema.tables where table_schema = 'public'", [], "logto");
    expect(empty.rowCount).toBe(0);

    const logto = await startLogto({ dbUrl: dsn, endpoint: "https://auth.stack.test", adminEndpoint: "https://admin.stack.test" });
    await logto.stop();
    const marker = await pg.query("select 1 from logto_configs where key = 'harness-marker'", [], "logto");
    expect(marker.rowCount).toBe(0);
    expect(await roles()).toHaveLength(3);
  });

  it("a Logto that dies at start is reported with its log tail, and nothing is left running", async () => {
    const error = await startLogto({
      dbUrl: pg.urlFor("logto"),
      endpoint: "https://auth.stack.test",
      adminEndpoint: "https://admin.stack.test",
      env: { FAKE_LOGTO_DIE: "1" },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as Error).message).toMatch(/^logto-standin: exited \(code 7/);
    expect((error as Error).message).toContain("fake-logto: cannot connect to database");
    expect(pgrep("fake-logto.mjs")).toEqual([]);
  });

  it("refuses a LOGTO_DIR that is not a Logto installation", async () => {
    process.env.LOGTO_DIR = "/nonexistent";
    try {
      await expect(startLogto({ dbUrl: pg.urlFor("x"), endpoint: "https://a", adminEndpoint: "https://b" })).rejects.toThrow(/not a Logto installation/);
    } finally {
      delete process.env.LOGTO_DIR;
    }
  });
});
