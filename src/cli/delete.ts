import { print } from "./out.ts";
import type { Globals } from "./main.ts";
import { parseCommand } from "./parse.ts";
import { runtimeFor } from "./runtime-for.ts";

export async function run(argv: string[], g: Globals): Promise<number> {
  const { values, positionals } = parseCommand("delete", argv, { force: { type: "boolean", short: "f" } }, { min: 1, max: 1, names: "<container-id>" });
  if (values.help) { print("usage: rt delete [--force] <container-id>\n"); return 0; }
  await runtimeFor(g).delete(positionals[0], values.force ?? false);
  return 0;
}
