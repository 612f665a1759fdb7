import { print } from "./out.ts";
import { fs } from "../sys/fs.ts";
import * as path from "node:path";
import type { Globals } from "./main.ts";
import { parseCommand } from "./parse.ts";
import { defaultSpec } from "../linux/default-spec.ts";
import { RtError } from "../errors.ts";

export function run(argv: string[], _g: Globals): number {
  const { values, positionals } = parseCommand("spec", argv, { bundle: { type: "string", short: "b" } }, { min: 0, max: 1024, names: "[-- program args…]" });
  if (values.help) { print("usage: rt spec [--bundle <dir>] [-- program args…]   (writes <dir>/config.json; default program: sh)\n"); return 0; }
  const file = path.join(path.resolve(values.bundle ?? "."), "config.json");
  if (fs.existsSync(file)) throw new RtError(`spec: ${file} already exists`);
  fs.writeFileSync(file, JSON.stringify(defaultSpec(positionals.length ? positionals : undefined), null, 2) + "\n");
  return 0;
}
