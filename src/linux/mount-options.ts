// Turns a config mount's `options` (the mount(8) vocabulary the spec allows)
// into mount(2) flags, propagation flags and the filesystem data string.
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
  /** Recursive attributes (rro, rnosuid, …) for mount_setattr(AT_RECURSIVE); 0/0 if none. */
  attrSet: number;
  attrClr: number;
  /** tmpcopyup (crun's, podman's): a tmpfs that starts with a copy of the directory it covers. */
  tmpcopyup: boolean;
}

// MOUNT_ATTR_* of <linux/mount.h>. Atime modes share one field: changing it
// means clearing the whole field (MOUNT_ATTR__ATIME) and setting one mode.
const ATTR = { RDONLY: 0x1, NOSUID: 0x2, NODEV: 0x4, NOEXEC: 0x8, ATIME: 0x70, RELATIME: 0, NOATIME: 0x10, STRICTATIME: 0x20, NODIRATIME: 0x80, NOSYMFOLLOW: 0x200000 };

// option → [set, clear]
const RECURSIVE: Record<string, [number, number]> = {
  rro: [ATTR.RDONLY, 0], rrw: [0, ATTR.RDONLY],
  rnosuid: [ATTR.NOSUID, 0], rsuid: [0, ATTR.NOSUID],
  rnodev: [ATTR.NODEV, 0], rdev: [0, ATTR.NODEV],
  rnoexec: [ATTR.NOEXEC, 0], rexec: [0, ATTR.NOEXEC],
  rnodiratime: [ATTR.NODIRATIME, 0], rdiratime: [0, ATTR.NODIRATIME],
  rnosymfollow: [ATTR.NOSYMFOLLOW, 0], rsymfollow: [0, ATTR.NOSYMFOLLOW],
  rrelatime: [ATTR.RELATIME, ATTR.ATIME], rnorelatime: [ATTR.RELATIME, ATTR.ATIME],
  ratime: [ATTR.RELATIME, ATTR.ATIME], rnoatime: [ATTR.NOATIME, ATTR.ATIME],
  rstrictatime: [ATTR.STRICTATIME, ATTR.ATIME], rnostrictatime: [ATTR.RELATIME, ATTR.ATIME],
};

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

// Id-mapped mounts: planned by userns.ts (idmapOf), never passed to the filesystem.
const IDMAP = new Set(["idmap", "ridmap"]);

/**
 * Every option name parseMountOptions takes as an option (anything else is
 * filesystem data): what `rt features` reports as mountOptions, less what
 * src/bundle/unsupported.ts refuses.
 */
export const MOUNT_OPTION_NAMES: readonly string[] = [
  "bind", "rbind", "defaults", "tmpcopyup",
  ...Object.keys(FLAG_OPTIONS), ...Object.keys(RECURSIVE), ...Object.keys(PROPAGATION), ...IDMAP,
];

export function parseMountOptions(options: string[] | undefined, type: string | undefined, _field: string): ParsedMountOptions {
  const out: ParsedMountOptions = { flags: 0, cleared: 0, propagation: 0, bind: type === "bind", recursive: false, data: "", attrSet: 0, attrClr: 0, tmpcopyup: false };
  const data: string[] = [];
  (options ?? []).forEach((opt) => {
    if (opt === "bind") { out.bind = true; return; }
    if (opt === "rbind") { out.bind = true; out.recursive = true; return; }
    if (opt === "defaults") return;
    if (opt === "tmpcopyup") { out.tmpcopyup = true; return; } // on a tmpfs only (unsupported.ts refuses it elsewhere)
    const f = FLAG_OPTIONS[opt];
    if (f) {
      if (f[1]) { out.flags |= f[0]; out.cleared &= ~f[0]; } else { out.flags &= ~f[0]; out.cleared |= f[0]; }
      return;
    }
    const r = RECURSIVE[opt];
    if (r) {
      out.attrSet = (out.attrSet & ~r[1]) | r[0];
      out.attrClr = (out.attrClr & ~r[0]) | r[1];
      return;
    }
    const p = PROPAGATION[opt];
    if (p !== undefined) { out.propagation = p; return; }
    if (IDMAP.has(opt)) return;
    data.push(opt);
  });
  out.data = data.join(",");
  return out;
}
