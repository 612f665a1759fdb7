import { print } from "./out.ts";
import type { Globals } from "./main.ts";
import { parseCommand } from "./parse.ts";
import { createOptions, toCreateOptions } from "./create.ts";
import { refuseSystemdCgroup, runtimeFor } from "./runtime-for.ts";

export async function run(argv: string[], g: Globals): Promise<number> {
  const { values, positionals } = parseCommand("run", argv, { ...createOptions, detach: { type: "boolean", short: "d" } }, { min: 1, max: 1, names: "<container-id>" });
  if (values.help) {
    print(`usage: rt run [--bundle <dir>] [--detach] [--pid-file <file>] [--console-socket <path>] [--preserve-fds <n>] [--no-pivot] [--no-new-keyring] [--no-subreaper] <container-id>\n`);
    return 0;
  }
  refuseSystemdCgroup(g);
  return runtimeFor(g).run(positionals[0], { ...toCreateOptions(values), detach: values.detach });
}
