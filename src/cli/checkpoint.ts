// rt checkpoint <id>: as podman calls runc's (src/container/checkpoint.ts).
import { print } from "./out.ts";
import type { Globals } from "./main.ts";
import { parseCommand } from "./parse.ts";
import { runtimeFor } from "./runtime-for.ts";

const options = {
  "image-path": { type: "string" },
  "work-path": { type: "string" },
  "leave-running": { type: "boolean" },
  "tcp-established": { type: "boolean" },
  "file-locks": { type: "boolean" },
  "ext-unix-sk": { type: "boolean" },
  "shell-job": { type: "boolean" },
  "manage-cgroups-mode": { type: "string" },
} as const;

export async function run(argv: string[], g: Globals): Promise<number> {
  const { values, positionals } = parseCommand("checkpoint", argv, options, { min: 1, max: 1, names: "<container-id>" });
  if (values.help) {
    print("usage: rt checkpoint [--image-path <dir>] [--work-path <dir>] [--leave-running] [--tcp-established] [--file-locks] [--ext-unix-sk] [--shell-job] [--manage-cgroups-mode soft|full|strict|ignore] <container-id>\n");
    return 0;
  }
  await runtimeFor(g).checkpoint(positionals[0], {
    imagePath: values["image-path"],
    workPath: values["work-path"],
    leaveRunning: values["leave-running"],
    tcpEstablished: values["tcp-established"],
    fileLocks: values["file-locks"],
    extUnixSk: values["ext-unix-sk"],
    shellJob: values["shell-job"],
    manageCgroupsMode: values["manage-cgroups-mode"],
  });
  return 0;
}
