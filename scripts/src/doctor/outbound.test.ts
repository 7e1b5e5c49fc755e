// The one list of outbound calls and the README's table made from it stay equal; what the table
// tells operators to set exists.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../test/helpers.ts";
import { offsiteOrigin, outboundCalls, outboundTable } from "./outbound.ts";

const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
const envExample = readFileSync(join(repoRoot, ".env.example"), "utf8");

describe("outbound calls (README \"Outbound calls\", make doctor)", () => {
  // After a change to the list, print the table and paste it into README.md:
  //   npx tsx -e 'import("./scripts/src/doctor/outbound.ts").then((m) => console.log(m.outboundTable()))'
  it("the README's table is the list's, row for row", () => {
    const table = outboundTable();
    const start = readme.indexOf(table.split("\n")[0]!);
    expect(start, "the table's header in README.md").toBeGreaterThan(-1);
    expect(readme.slice(start, start + table.length), "README.md's table: print it anew (the command above this test)").toBe(table);
    expect(readme.slice(start + table.length, start + table.length + 2)).toBe("\n\n");
  });

  it("every variable the table names is one of .env.example's", () => {
    const names = new Set([...outboundTable().matchAll(/`([A-Z][A-Z0-9_]+)(=[^`]*)?`/g)].map((m) => m[1]!));
    expect(names.size).toBeGreaterThan(5);
    for (const name of names) expect(envExample, name).toMatch(new RegExp(`^${name}=`, "m"));
  });

  it("the doctor probes exactly the server's and the builds' hosts, each under its own name", () => {
    for (const call of outboundCalls) expect(Boolean(call.probe), call.id).toBe(call.from !== "browser");
    expect(new Set(outboundCalls.map((c) => c.id)).size).toBe(outboundCalls.length);
  });

  it("an off-site repository's origin, without the credentials it may hold", () => {
    expect(offsiteOrigin("s3:https://oss-cn-hangzhou.aliyuncs.com/bucket/stack")).toBe("https://oss-cn-hangzhou.aliyuncs.com");
    expect(offsiteOrigin("rest:https://user:secret@backup.example.cn:8000/stack")).toBe("https://backup.example.cn:8000");
    expect(offsiteOrigin("/srv/restic")).toBeUndefined();
  });
});
