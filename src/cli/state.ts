import { print } from "./out.ts";
import type { Globals } from "./main.ts";
import { parseCommand } from "./parse.ts";
import { runtimeFor } from "./runtime-for.ts";

export function run(argv: string[], g: Globals): number {
  const { values, positionals } = parseCommand("state", argv, {}, { min: 1, max: 1, names: "<container-id>" });
  if (values.help) { print("usage: rt state <container-id>\n"); return 0; }
  const state = runtimeFor(g).state(positionals[0]);
  print(JSON.stringify(state, null, 2) + "\n");
  return 0;
}
