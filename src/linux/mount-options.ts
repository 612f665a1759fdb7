// Turns a config mount's `options` (the mount(8) vocabulary the spec allows)
// into mount(2) flags, propagation flags and the filesystem data string.
import { RtError } from "../errors.ts";
import { MS } from "./constants.ts";

export interface ParsedMountOptions {
  /** Flags for the mount itself. */
  flags: number;
  /** Flags cleared explicitly (rw, suid, …): matter for bind remounts. */
  cleared: number;
  /** MS_SHARED/SLAVE/PRIVATE/UNBINDABLE (| MS_REC) applied after mounting, 0 if none. */
  propagation: number;
  bind: boolean;
  recursive: boolean;
  /** Comma-joined options that mount(2) passes to the filesystem. */
  data: string;
}

// option → [flag, set?]: set=true adds the flag, false clears it.
const FLAG_OPTIONS: Record<string, [number, boolean]> = {
  ro: [MS.RDONLY, true], rw: [MS.RDONLY, false],
  nosuid: [MS.NOSUID, true], suid: [MS.NOSUID, false],
  nodev: [MS.NODEV, true], dev: [MS.NODEV, false],
  noexec: [MS.NOEXEC, true], exec: [MS.NOEXEC, false],
  sync: [MS.SYNCHRONOUS, true], async: [MS.SYNCHRONOUS, false],
  dirsync: [MS.DIRSYNC, true],
  remount: [MS.REMOUNT, true],
  mand: [MS.MANDLOCK, true], nomand: [MS.MANDLOCK, false],
  noatime: [MS.NOATIME, true], atime: [MS.NOATIME, false],
  nodiratime: [MS.NODIRATIME, true], diratime: [MS.NODIRATIME, false],
  relatime: [MS.RELATIME, true], norelatime: [MS.RELATIME, false],
  strictatime: [MS.STRICTATIME, true], nostrictatime: [MS.STRICTATIME, false],
  lazytime: [MS.LAZYTIME, true], nolazytime: [MS.LAZYTIME, false],
  iversion: [MS.I_VERSION, true], noiversion: [MS.I_VERSION, false],
  silent: [MS.SILENT, true], loud: [MS.SILENT, false],
  nosymfollow: [MS.NOSYMFOLLOW, true], symfollow: [MS.NOSYMFOLLOW, false],
};

const PROPAGATION: Record<string, number> = {
  shared: MS.SHARED, rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC,
  private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC,
  unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC,
};

// Recursive mount attributes (mount_setattr) and id-mapped mounts: valid in
// the spec, not carried out by this version of rt. Refused by name rather than
// silently passed to the filesystem.
const UNSUPPORTED = new Set([
  "rro", "rrw", "rnosuid", "rsuid", "rnodev", "rdev", "rnoexec", "rexec", "rnodiratime", "rdiratime",
  "rrelatime", "rnorelatime", "ratime", "rnoatime", "rstrictatime", "rnostrictatime", "rnosymfollow",
  "rsymfollow", "idmap", "ridmap",
]);

export function parseMountOptions(options: string[] | undefined, type: string | undefined, field: string): ParsedMountOptions {
  const out: ParsedMountOptions = { flags: 0, cleared: 0, propagation: 0, bind: type === "bind", recursive: false, data: "" };
  const data: string[] = [];
  (options ?? []).forEach((opt, i) => {
    if (opt === "bind") { out.bind = true; return; }
    if (opt === "rbind") { out.bind = true; out.recursive = true; return; }
    if (opt === "defaults") return;
    if (opt === "tmpcopyup") return; // runc extension: accepted, nothing to copy in a fresh tmpfs here
    const f = FLAG_OPTIONS[opt];
    if (f) {
      if (f[1]) { out.flags |= f[0]; out.cleared &= ~f[0]; } else { out.flags &= ~f[0]; out.cleared |= f[0]; }
      return;
    }
    const p = PROPAGATION[opt];
    if (p !== undefined) { out.propagation = p; return; }
    if (UNSUPPORTED.has(opt)) throw new RtError(`${field}.options[${i}]: "${opt}" is not supported by this version of rt`);
    data.push(opt);
  });
  out.data = data.join(",");
  return out;
}
