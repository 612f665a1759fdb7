// The CRIU options checkpoint and restore share (runc's names), and what they become.
export const CRIU_OPTIONS = {
  "image-path": { type: "string" },
  "work-path": { type: "string" },
  "tcp-established": { type: "boolean" },
  "file-locks": { type: "boolean" },
  "ext-unix-sk": { type: "boolean" },
  "shell-job": { type: "boolean" },
  "manage-cgroups-mode": { type: "string" },
} as const;

export const CRIU_USAGE = "[--image-path <dir>] [--work-path <dir>] [--tcp-established] [--file-locks] [--ext-unix-sk] [--shell-job] [--manage-cgroups-mode soft|full|strict|ignore]";

export function criuValues(values: Record<string, unknown>) {
  return {
    imagePath: values["image-path"] as string | undefined,
    workPath: values["work-path"] as string | undefined,
    tcpEstablished: values["tcp-established"] as boolean | undefined,
    fileLocks: values["file-locks"] as boolean | undefined,
    extUnixSk: values["ext-unix-sk"] as boolean | undefined,
    shellJob: values["shell-job"] as boolean | undefined,
    manageCgroupsMode: values["manage-cgroups-mode"] as string | undefined,
  };
}
