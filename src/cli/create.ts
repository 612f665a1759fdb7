import { print, printErr } from "./out.ts";
import type { Globals } from "./main.ts";
import { intOption, parseCommand } from "./parse.ts";
import { runtimeFor } from "./runtime-for.ts";

export const createOptions = {
  bundle: { type: "string", short: "b" },
  "pid-file": { type: "string" },
  "console-socket": { type: "string" },
  "preserve-fds": { type: "string" },
  "no-pivot": { type: "boolean" },
  "no-new-keyring": { type: "boolean" },
} as const;

export async function run(argv: string[], g: Globals): Promise<number> {
  const { values, positionals } = parseCommand("create", argv, createOptions, { min: 1, max: 1, names: "<container-id>" });
  if (values.help) {
    print(`usage: rt create [--bundle <dir>] [--pid-file <file>] [--console-socket <path>] [--preserve-fds <n>] [--no-pivot] <container-id>\n`);
    return 0;
  }
  const rt = runtimeFor(g);
  await rt.create(positionals[0], {
    bundle: values.bundle,
    pidFile: values["pid-file"],
    consoleSocket: values["console-socket"],
    preserveFds: intOption("preserve-fds", values["preserve-fds"], 0),
    noPivot: values["no-pivot"],
  });
  return 0;
}
