// rt restore: refused by name. rt checkpoint writes CRIU's images; making a
// container of them again (its state, cgroup, namespaces and mounts
// described to `criu restore`) is not done yet, and a half-restored
// container would be worse than none.
import { print } from "./out.ts";
import type { Globals } from "./main.ts";
import { RtError } from "../errors.ts";

export function run(argv: string[], _g: Globals): number {
  if (argv.includes("--help") || argv.includes("-h")) { print("usage: rt restore: not implemented yet\n"); return 0; }
  throw new RtError("restore: not implemented yet (rt checkpoint writes CRIU images, which rt cannot turn into a container again)");
}
