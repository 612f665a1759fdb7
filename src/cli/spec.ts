import { print } from "./out.ts";
import { host } from "../sys/host.ts";
import * as path from "../sys/path.ts";
import type { Globals } from "./main.ts";
import { parseCommand } from "./parse.ts";
import { defaultSpec } from "../linux/default-spec.ts";
import { callerIds, rootlessSpec } from "../linux/rootless.ts";
import { RtError, describeSysError } from "../errors.ts";

export function run(argv: string[], _g: Globals): number {
  const { values, positionals } = parseCommand("spec", argv, { bundle: { type: "string", short: "b" }, rootless: { type: "boolean" } }, { min: 0, max: 1024, names: "[-- program args…]" });
  if (values.help) { print("usage: rt spec [--bundle <dir>] [--rootless] [-- program args…]   (writes <dir>/config.json; default program: sh;\n  --rootless: a config a non-root user can run, its own uid and gid mapped to 0 in a user namespace)\n"); return 0; }
  const file = path.join(path.resolve(values.bundle ?? "."), "config.json");
  try {
    const spec = defaultSpec(positionals.length ? positionals : undefined);
    host().writeFile(file, JSON.stringify(values.rootless ? rootlessSpec(spec, callerIds()) : spec, null, 2) + "\n", 0o644, "wx");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") throw new RtError(`spec: ${file} already exists`);
    throw new RtError(`spec: ${describeSysError(e)}`);
  }
  return 0;
}
