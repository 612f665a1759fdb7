import { print } from "./out.ts";
import type { Globals } from "./main.ts";
import { parseCommand } from "./parse.ts";
import { runtimeFor } from "./runtime-for.ts";

export async function run(argv: string[], g: Globals): Promise<number> {
  const { values, positionals } = parseCommand("resume", argv, {}, { min: 1, max: 1, names: "<container-id>" });
  if (values.help) { print("usage: rt resume <container-id>   (thaws a paused container)\n"); return 0; }
  await runtimeFor(g).resume(positionals[0]);
  return 0;
}
