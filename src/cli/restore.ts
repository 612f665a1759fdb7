// rt restore <id>: as podman calls runc's (src/container/restore.ts).
import { print } from "./out.ts";
import type { Globals } from "./main.ts";
import { parseCommand } from "./parse.ts";
import { refuseSystemdCgroup, runtimeFor } from "./runtime-for.ts";
import { CRIU_OPTIONS, CRIU_USAGE, criuValues } from "./criu-options.ts";

const options = {
  ...CRIU_OPTIONS,
  bundle: { type: "string", short: "b" },
  detach: { type: "boolean", short: "d" },
  "pid-file": { type: "string" },
  "console-socket": { type: "string" },
  "no-pivot": { type: "boolean" },
  "no-new-keyring": { type: "boolean" },
  "no-subreaper": { type: "boolean" },
} as const;

export async function run(argv: string[], g: Globals): Promise<number> {
  const { values, positionals } = parseCommand("restore", argv, options, { min: 1, max: 1, names: "<container-id>" });
  if (values.help) {
    print(`usage: rt restore --detach [--bundle <dir>] [--pid-file <file>] [--no-pivot] [--no-new-keyring] [--no-subreaper] ${CRIU_USAGE} <container-id>\n`);
    return 0;
  }
  refuseSystemdCgroup(g);
  await runtimeFor(g).restore(positionals[0], {
    ...criuValues(values),
    bundle: values.bundle,
    detach: values.detach,
    pidFile: values["pid-file"],
    consoleSocket: values["console-socket"],
    noPivot: values["no-pivot"],
    noNewKeyring: values["no-new-keyring"],
  });
  return 0;
}
