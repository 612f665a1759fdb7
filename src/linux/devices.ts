// The devices every container gets (runtime-spec config-linux.md "Default
// Devices") plus linux.devices, and the /dev symlinks.
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
export function resolveDevices(devices: LinuxDevice[] | undefined): DeviceNode[] {
  const byPath = new Map<string, DeviceNode>();
  for (const d of DEFAULT_DEVICES) {
    byPath.set(d.path, { path: d.path, type: "c", major: d.major, minor: d.minor, mode: d.fileMode, uid: 0, gid: 0, field: "default device" });
  }
  (devices ?? []).forEach((d, i) => {
    byPath.set(d.path, {
      path: d.path,
      type: d.type === "u" ? "c" : d.type,
      major: d.major ?? 0,
      minor: d.minor ?? 0,
      mode: d.fileMode ?? 0o666,
      uid: d.uid ?? 0,
      gid: d.gid ?? 0,
      field: `linux.devices[${i}]`,
    });
  });
  return [...byPath.values()];
}
