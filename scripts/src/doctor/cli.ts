// `npm run doctor -- [--only wechat,logto,tls,outbound] [--no-summary]`: the network checks of make doctor.
// The only file that exits: 0 no FAIL, 1 some FAIL, 2 bad arguments or configuration.
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "./config.ts";
import { checkGroups, type CheckGroup } from "./constant.ts";
import { runDoctor } from "./index.ts";
import { countByStatus, formatResult, formatSummary } from "./report.ts";

const usage = `usage: npm run doctor -- [--only ${checkGroups.join(",")}] [--no-summary]`;

async function main(): Promise<number> {
  let only: CheckGroup[] = [...checkGroups];
  let summary = true;
  try {
    const { values } = parseArgs({
      options: { only: { type: "string" }, "no-summary": { type: "boolean" }, help: { type: "boolean" } },
    });
    if (values.help) {
      console.log(usage);
      return 0;
    }
    summary = !values["no-summary"];
    if (values.only !== undefined) {
      const wanted = values.only.split(",").map((s) => s.trim()).filter(Boolean);
      const unknown = wanted.filter((w) => !(checkGroups as readonly string[]).includes(w));
      if (unknown.length > 0 || wanted.length === 0) {
        console.error(`doctor: unknown check group ${unknown.join(",") || "(none)"}\n${usage}`);
        return 2;
      }
      only = wanted as CheckGroup[];
    }
  } catch (err) {
    console.error(`doctor: ${(err as Error).message}\n${usage}`);
    return 2;
  }

  let cfg;
  try {
    cfg = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`FAIL  config: ${err.message}\n      fix: correct these variables in .env`);
      return 2;
    }
    throw err;
  }

  const results = await runDoctor(cfg, only, undefined, (r) => console.log(formatResult(r)));
  const counts = countByStatus(results);
  if (summary) console.log(formatSummary(counts));
  return counts.FAIL > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error("doctor: unexpected error (please report it):");
    console.error(err);
    process.exit(1);
  },
);
