// rt restore <id>: as podman calls runc's (src/container/restore.ts).
import { print } from "./out.ts";
import type { Globals } from "./main.ts";
import { parseCommand } from "./parse.ts";
import { runtimeFor } from "./runtime-for.ts";

const options = {
  bundle: { type: "string", short: "b" },
  "image-path": { type: "string" },
  "work-path": { type: "string" },
  detach: { type: "boolean", short: "d" },
  "pid-file": { type: "string" },
  "console-socket": { type: "string" },
  "no-pivot": { type: "boolean" },
  "no-new-keyring": { type: "boolean" },
  "no-subreaper": { type: "boolean" },
  "tcp-established": { type: "boolean" },
  "file-locks": { type: "boolean" },
  "ext-unix-sk": { type: "boolean" },
  "shell-job": { type: "boolean" },
  "manage-cgroups-mode": { type: "string" },
} as const;

export async function run(argv: string[], g: Globals): Promise<number> {
  const { values, positionals } = parseCommand("restore", argv, options, { min: 1, max: 1, names: "<container-id>" });
  if (values.help) {
    print("usage: rt restore --detach [--bundle <dir>] [--image-path <dir>] [--work-path <dir>] [--pid-file <file>] [--no-pivot] [--no-new-keyring] [--no-subreaper] [--tcp-established] [--file-locks] [--ext-unix-sk] [--shell-job] [--manage-cgroups-mode soft|full|strict|ignore] <container-id>\n");
    return 0;
  }
  await runtimeFor(g).restore(positionals[0], {
    bundle: values.bundle,
    imagePath: values["image-path"],
    workPath: values["work-path"],
    detach: values.detach,
    pidFile: values["pid-file"],
    consoleSocket: values["console-socket"],
    noPivot: values["no-pivot"],
    noNewKeyring: values["no-new-keyring"],
    tcpEstablished: values["tcp-established"],
    fileLocks: values["file-locks"],
    extUnixSk: values["ext-unix-sk"],
    shellJob: values["shell-job"],
    manageCgroupsMode: values["manage-cgroups-mode"],
  });
  return 0;
}
