import { print } from "./out.ts";
import type { Globals } from "./main.ts";
import { parseCommand } from "./parse.ts";
import { runtimeFor } from "./runtime-for.ts";
import { UsageError } from "../errors.ts";

/** runc's --interval: a Go duration such as 5s, 500ms, 1m (default 5s). */
export function parseInterval(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(s);
  if (!m || Number(m[1]) <= 0) throw new UsageError(`events: --interval: not a duration: ${JSON.stringify(s)} (such as 5s or 500ms)`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms"];
}

export async function run(argv: string[], g: Globals): Promise<number> {
  const { values, positionals } = parseCommand("events", argv, { stats: { type: "boolean" }, interval: { type: "string" } }, { min: 1, max: 1, names: "<container-id>" });
  if (values.help) { print("usage: rt events [--stats] [--interval 5s] <container-id>   (JSON lines: stats, and oom events)\n"); return 0; }
  const interval = parseInterval(values.interval ?? "5s");
  const rtm = runtimeFor(g);
  if (values.stats) print((await rtm.stats(positionals[0])) + "\n");
  else await rtm.events(positionals[0], interval, (l) => print(l + "\n"));
  return 0;
}
