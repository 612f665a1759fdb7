// rt features: the features document (runtime-spec features.md) as JSON.
import { print } from "./out.ts";
import { SPEC_VERSION, type Globals } from "./main.ts";
import { parseCommand } from "./parse.ts";

export async function run(argv: string[], _g: Globals): Promise<number> {
  const { values } = parseCommand("features", argv, {}, { min: 0, max: 0, names: "" });
  if (values.help) { print("usage: rt features\n"); return 0; }
  const { features } = await import("../container/features.ts");
  print(JSON.stringify(features(SPEC_VERSION), null, 2) + "\n");
  return 0;
}
