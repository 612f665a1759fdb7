import { print } from "./out.ts";
import type { Globals } from "./main.ts";
import { intOption, parseCommand, type ParsedCommand } from "./parse.ts";
import { refuseSystemdCgroup, runtimeFor } from "./runtime-for.ts";
import type { CreateOptions } from "../runtime.ts";

// --no-new-keyring: the init keeps the caller's session keyring instead of a
// new one named after the container (src/linux/keyring.ts).
// --no-subreaper is accepted as runc accepts it, and asks for what rt always
// does: rt never makes itself a child subreaper (PR_SET_CHILD_SUBREAPER). In
// a foreground `run` the executor is the init's parent and reaps it; a
// process the container orphans (one without its own pid namespace) goes to
// the host's nearest subreaper or init, as with runc --no-subreaper.
export const createOptions = {
  bundle: { type: "string", short: "b" },
  "pid-file": { type: "string" },
  "console-socket": { type: "string" },
  "preserve-fds": { type: "string" },
  "no-pivot": { type: "boolean" },
  "no-new-keyring": { type: "boolean" },
  "no-subreaper": { type: "boolean" },
} as const;

/** The create options as the library takes them (shared with `run`). */
export function toCreateOptions(values: ParsedCommand["values"]): CreateOptions {
  return {
    bundle: values.bundle,
    pidFile: values["pid-file"],
    consoleSocket: values["console-socket"],
    preserveFds: intOption("preserve-fds", values["preserve-fds"], 0),
    noPivot: values["no-pivot"],
    noNewKeyring: values["no-new-keyring"],
  };
}

export async function run(argv: string[], g: Globals): Promise<number> {
  const { values, positionals } = parseCommand("create", argv, createOptions, { min: 1, max: 1, names: "<container-id>" });
  if (values.help) {
    print(`usage: rt create [--bundle <dir>] [--pid-file <file>] [--console-socket <path>] [--preserve-fds <n>] [--no-pivot] [--no-new-keyring] [--no-subreaper] <container-id>\n`);
    return 0;
  }
  refuseSystemdCgroup(g);
  await runtimeFor(g).create(positionals[0], toCreateOptions(values));
  return 0;
}
