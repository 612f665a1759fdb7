import { print, printErr } from "./out.ts";
import type { Globals } from "./main.ts";
import { intOption, parseCommand } from "./parse.ts";
import { createOptions } from "./create.ts";
import { runtimeFor } from "./runtime-for.ts";

export async function run(argv: string[], g: Globals): Promise<number> {
  const { values, positionals } = parseCommand("run", argv, { ...createOptions, detach: { type: "boolean", short: "d" } }, { min: 1, max: 1, names: "<container-id>" });
  if (values.help) {
    print(`usage: rt run [--bundle <dir>] [--detach] [--pid-file <file>] [--console-socket <path>] [--preserve-fds <n>] [--no-pivot] <container-id>\n`);
    return 0;
  }
  const rt = runtimeFor(g);
  return rt.run(positionals[0], {
    bundle: values.bundle,
    pidFile: values["pid-file"],
    consoleSocket: values["console-socket"],
    preserveFds: intOption("preserve-fds", values["preserve-fds"], 0),
    noPivot: values["no-pivot"],
    detach: values.detach,
  });
}
