import { print } from "./out.ts";
import type { Globals } from "./main.ts";
import { parseCommand } from "./parse.ts";
import { runtimeFor } from "./runtime-for.ts";

export async function run(argv: string[], g: Globals): Promise<number> {
  const { values, positionals } = parseCommand("pause", argv, {}, { min: 1, max: 1, names: "<container-id>" });
  if (values.help) { print("usage: rt pause <container-id>   (freezes every process of the container)\n"); return 0; }
  await runtimeFor(g).pause(positionals[0]);
  return 0;
}
