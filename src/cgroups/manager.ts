// Creates, signals and removes a container's cgroup in the unified hierarchy.
// Resource limits belong to a later layer; here the cgroup exists so that
// `kill --all` and `delete` can reach every process of the container.
import { host } from "../sys/host.ts";
import { childCgroups } from "./children.ts";
import { exists, readTextOrNull } from "../sys/files.ts";
import * as path from "../sys/path.ts";
import { RtError, describeSysError } from "../errors.ts";

/** mkdir -p that returns the directories it created, outermost first. */
export function createCgroup(dir: string, mount: string): string[] {
  const created: string[] = [];
  const rel = path.relative(mount, dir).split("/");
  let cur = mount;
  for (const part of rel) {
    cur = path.join(cur, part);
    try {
      host().mkdir(cur, 0o755);
      created.push(cur);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") {
        removeCgroups(created);
        throw new RtError(`linux.cgroupsPath: mkdir ${cur}: ${describeSysError(e)}`);
      }
    }
  }
  return created;
}

export function cgroupPids(dir: string): number[] {
  try {
    return (readTextOrNull(path.join(dir, "cgroup.procs")) ?? "").split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The pids of the cgroup and of every cgroup below it (rt ps), ascending. */
export function cgroupTreePids(dir: string): number[] {
  const pids: number[] = [];
  for (const d of walk(dir)) pids.push(...cgroupPids(d));
  return pids.sort((a, b) => a - b);
}

/** Sends sig to every process in the cgroup (and below it). */
export function signalCgroup(dir: string, signal: number): void {
  if (signal === 9 && writeIfExists(path.join(dir, "cgroup.kill"), "1")) return;
  // Freeze first so that no process forks a child we would miss.
  const froze = writeIfExists(path.join(dir, "cgroup.freeze"), "1");
  try {
    for (const d of walk(dir)) {
      for (const pid of cgroupPids(d)) {
        try { host().kill(pid, signal); } catch { /* already gone */ }
      }
    }
  } finally {
    if (froze) writeIfExists(path.join(dir, "cgroup.freeze"), "0");
  }
}

function* walk(dir: string): Generator<string> {
  yield dir;
  for (const sub of childCgroups(dir)) yield* walk(sub);
}

function writeIfExists(file: string, value: string): boolean {
  try {
    host().writeFile(file, value, 0o644, "w");
    return true;
  } catch {
    return false;
  }
}

export function isPopulated(dir: string): boolean {
  const events = readTextOrNull(path.join(dir, "cgroup.events"));
  return events !== null ? /^populated 1$/m.test(events) : cgroupPids(dir).length > 0;
}

/**
 * Kills what is left and removes the cgroup dirs (deepest first), waiting up
 * to timeoutMs for exits — only for a cgroup rt created (dir in `created`):
 * in a cgroup it joined, processes rt never started may live, and rt neither
 * signals them nor removes what they made.
 */
export function destroyCgroup(dir: string, created: string[], timeoutMs = 5000): void {
  if (!created.includes(dir)) {
    removeParents(created);
    return;
  }
  if (exists(dir) && isPopulated(dir)) {
    signalCgroup(dir, 9);
    const deadline = Date.now() + timeoutMs;
    while (isPopulated(dir) && Date.now() < deadline) host().sleep(5);
  }
  // Remove nested children a container may have made, then our own dirs.
  // Nearly always there are none: one rmdir, and no walk of the dir's
  // control files (delete goes through every hierarchy the container is in).
  if (!removedAtOnce(dir)) removeCgroups([...walk(dir)].reverse().filter((d) => d !== dir));
  removeCgroups(created.slice(created.indexOf(dir)));
  removeParents(created.slice(0, created.indexOf(dir)));
}

/**
 * The parents rt made on the way to a container's cgroup: another
 * container's cgroup may have been made in one since, so a busy parent
 * (and those above it) stays, without failing the delete.
 */
export function removeParents(dirs: string[]): void {
  for (const d of [...dirs].reverse()) {
    try {
      host().rmdir(d);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") continue;
      if (code === "EBUSY" || code === "ENOTEMPTY") return;
      throw new RtError(`removing cgroup ${d}: ${describeSysError(e)}`);
    }
  }
}

/** rmdir of a cgroup that has no child and no process left: true when it is gone. */
export function removedAtOnce(dir: string): boolean {
  try {
    host().rmdir(dir);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ENOENT";
  }
}

export function removeCgroups(dirs: string[]): void {
  for (const d of [...dirs].reverse()) {
    for (let i = 0; i < 100; i++) {
      try {
        host().rmdir(d);
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT") break;
        if (code !== "EBUSY" || i === 99) throw new RtError(`removing cgroup ${d}: ${describeSysError(e)}`);
        host().sleep(10);
      }
    }
  }
}

