import { print } from "./out.ts";
import type { Globals } from "./main.ts";
import { parseCommand } from "./parse.ts";
import { runtimeFor } from "./runtime-for.ts";
import { isDirectory } from "../sys/files.ts";

export function run(argv: string[], g: Globals): number {
  const { values, positionals } = parseCommand("delete", argv, { force: { type: "boolean", short: "f" } }, { min: 1, max: 1, names: "<container-id>" });
  if (values.help) { print("usage: rt delete [--force] <container-id>\n"); return 0; }
  const rt = runtimeFor(g);
  const force = values.force ?? false;
  // As runc: `delete --force` of a container that is already gone succeeds.
  // containerd's shim calls it after every `ctr run --rm` (and runtime-tools'
  // cleanup does too), once the container has been deleted.
  if (force && !isDirectory(rt.store.dir(positionals[0]))) return 0;
  rt.delete(positionals[0], force);
  return 0;
}
