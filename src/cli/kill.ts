import { print } from "./out.ts";
import type { Globals } from "./main.ts";
import { parseCommand } from "./parse.ts";
import { runtimeFor } from "./runtime-for.ts";
import { parseSignal } from "../signals.ts";
import { UsageError } from "../errors.ts";

// runc's form `kill <id> [SIGNAL]` and the OCI CLI document's `--signal SIGNAL` both work.
export function run(argv: string[], g: Globals): number {
  const { values, positionals } = parseCommand("kill", argv, { all: { type: "boolean", short: "a" }, signal: { type: "string", short: "s" } }, { min: 1, max: 2, names: "<container-id> [signal]" });
  if (values.help) { print("usage: rt kill [--all] <container-id> [signal]   (signal: name with or without SIG, or number; default SIGTERM)\n"); return 0; }
  if (values.signal !== undefined && positionals[1] !== undefined) throw new UsageError("kill: give the signal either as an argument or with --signal, not both");
  const signal = parseSignal(values.signal ?? positionals[1]);
  runtimeFor(g).kill(positionals[0], signal, values.all ?? false);
  return 0;
}
