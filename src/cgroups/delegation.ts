// Rootless cgroups: a user other than root gets a cgroup of its own only
// where the hierarchy is delegated to it (systemd's user@.service, or an
// admin's chown). Elsewhere the container runs in the caller's cgroup, with
// a warning: `kill --all` then reaches the init only, and there is nothing
// to remove at delete.
import { RtError } from "../errors.ts";
import { createCgroup } from "./manager.ts";

/** The cgroup rt made (and its created dirs), or none when rootless and not delegated. */
export function createCgroupFor(dir: string, mount: string, uid: number, warn?: (m: string) => void): { dir: string; created: string[] } {
  try {
    return { dir, created: createCgroup(dir, mount) };
  } catch (e) {
    if (uid === 0 || !(e instanceof RtError) || !/\((EACCES|EPERM|EROFS)\)$/.test(e.message)) throw e;
    warn?.(`linux.cgroupsPath: ${dir} is not delegated to uid ${uid}: the container runs without a cgroup of its own, and kill --all reaches its init only (mkdir: ${e.message.replace(/^.*: /, "")})`);
    return { dir: "", created: [] };
  }
}
