import { print } from "./out.ts";
import type { Globals } from "./main.ts";
import { parseCommand } from "./parse.ts";
import { runtimeFor } from "./runtime-for.ts";
import { UsageError } from "../errors.ts";

export function run(argv: string[], g: Globals): number {
  const { values } = parseCommand("list", argv, { format: { type: "string", short: "f" }, quiet: { type: "boolean", short: "q" } }, { min: 0, max: 0, names: "" });
  if (values.help) { print("usage: rt list [--format table|json] [--quiet]\n"); return 0; }
  const format = values.format ?? "table";
  if (format !== "table" && format !== "json") throw new UsageError(`list: --format must be table or json, not ${JSON.stringify(format)}`);
  const states = runtimeFor(g).list();
  if (values.quiet) print(states.map((s) => s.id + "\n").join(""));
  else if (format === "json") print(JSON.stringify(states) + "\n");
  else {
    const rows = [["ID", "PID", "STATUS", "BUNDLE"], ...states.map((s) => "error" in s ? [s.id, "-", s.status, s.error] : [s.id, String(s.pid ?? 0), s.status, s.bundle])];
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    print(rows.map((r) => r.map((v, c) => v.padEnd(widths[c])).join("   ").trimEnd() + "\n").join(""));
  }
  return 0;
}
