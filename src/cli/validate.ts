import { print, printErr } from "./out.ts";
import type { Globals } from "./main.ts";
import { parseCommand } from "./parse.ts";
import { loadBundle } from "../bundle/load.ts";

export function run(argv: string[], _g: Globals): number {
  const { values } = parseCommand("validate", argv, { bundle: { type: "string", short: "b" } }, { min: 0, max: 0, names: "" });
  if (values.help) { print("usage: rt validate [--bundle <dir>]\n"); return 0; }
  const b = loadBundle(values.bundle ?? process.cwd());
  print(`${b.dir}/config.json: valid\n`);
  return 0;
}
