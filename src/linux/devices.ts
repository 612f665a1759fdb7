// The devices every container gets (runtime-spec config-linux.md "Default
// Devices") plus linux.devices, and the /dev symlinks.
import { RtError } from "../errors.ts";
import type { LinuxDevice } from "../spec/types.ts";

export const DEFAULT_DEVICES: Required<Pick<LinuxDevice, "path" | "type" | "major" | "minor" | "fileMode">>[] = [
  { path: "/dev/null", type: "c", major: 1, minor: 3, fileMode: 0o666 },
  { path: "/dev/zero", type: "c", major: 1, minor: 5, fileMode: 0o666 },
  { path: "/dev/full", type: "c", major: 1, minor: 7, fileMode: 0o666 },
  { path: "/dev/random", type: "c", major: 1, minor: 8, fileMode: 0o666 },
  { path: "/dev/urandom", type: "c", major: 1, minor: 9, fileMode: 0o666 },
  { path: "/dev/tty", type: "c", major: 5, minor: 0, fileMode: 0o666 },
];

export const DEV_SYMLINKS: [target: string, link: string][] = [
  ["/proc/self/fd", "/dev/fd"],
  ["/proc/self/fd/0", "/dev/stdin"],
  ["/proc/self/fd/1", "/dev/stdout"],
  ["/proc/self/fd/2", "/dev/stderr"],
  ["pts/ptmx", "/dev/ptmx"],
];

export interface DeviceNode {
  path: string;
  type: "c" | "b" | "p";
  major: number;
  minor: number;
  mode: number;
  uid: number;
  gid: number;
  field: string;
}

/** Config devices override defaults with the same path. `u` is mknod's alias of `c`. */
const TYPE_BITS: Record<string, number> = { c: 0o020000, u: 0o020000, b: 0o060000, p: 0o010000 };

export function resolveDevices(devices: LinuxDevice[] | undefined): DeviceNode[] {
  const byPath = new Map<string, DeviceNode>();
  for (const d of DEFAULT_DEVICES) {
    byPath.set(d.path, { path: d.path, type: "c", major: d.major, minor: d.minor, mode: d.fileMode, uid: 0, gid: 0, field: "default device" });
  }
  (devices ?? []).forEach((d, i) => {
    const typeBits = (d.fileMode ?? 0) & 0o170000;
    if (typeBits && typeBits !== TYPE_BITS[d.type]) {
      throw new RtError(`linux.devices[${i}].fileMode: file type bits 0o${typeBits.toString(8)} do not match device type "${d.type}"`);
    }
    byPath.set(d.path, {
      path: d.path,
      type: d.type === "u" ? "c" : d.type,
      major: d.major ?? 0,
      minor: d.minor ?? 0,
      // Engines may send the file type bits too (podman: S_IFCHR|0666):
      // mknod gets the type from `type`, the mode from the permission bits.
      mode: (d.fileMode ?? 0o666) & 0o7777,
      uid: d.uid ?? 0,
      gid: d.gid ?? 0,
      field: `linux.devices[${i}]`,
    });
  });
  return [...byPath.values()];
}
