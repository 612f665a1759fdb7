// The state directory: <root>/<id>/ holds state.json and, until `start`,
// exec.fifo. Nothing else keeps state between rt invocations (no daemon).
import { host } from "../sys/host.ts";
import { isDirectory, mkdirAll, removeTree } from "../sys/files.ts";
import * as path from "../sys/path.ts";
import { RtError, describeSysError } from "../errors.ts";
import { validateId } from "./id.ts";

export const DEFAULT_ROOT = "/run/rt";
export const STATE_FILE = "state.json";
/** state.json is read whole: a regular file of at most this (it holds the config's annotations, themselves under config.json's 1 MiB). */
export const STATE_MAX_BYTES = 2 * 1024 * 1024;
export const FIFO_FILE = "exec.fifo";

/** What rt records about a container; `rt state` derives status from it. */
export interface ContainerRecord {
  ociVersion: string;
  id: string;
  pid: number;
  /** /proc/<pid>/stat field 22 at create time: tells a reused pid from ours. */
  pidStartTime: string;
  bundle: string;
  rootfs: string;
  annotations?: Record<string, string>;
  created: string;
  /** Absolute path of the container's cgroup directory, or "" if none. */
  cgroupDir: string;
  /** Cgroup directories rt created (deepest last), removed on delete. */
  cgroupCreated: string[];
  /** The container's cgroup in the v1 devices hierarchy (hybrid hosts), if any. */
  devicesV1Dir?: string;
  /** The v1 devices directories rt created (deepest last), removed on delete. */
  devicesV1Created?: string[];
  /** Hooks and other config needed after create (poststart, poststop). */
  config?: unknown;
}

export class StateStore {
  readonly root: string;

  constructor(root = DEFAULT_ROOT) {
    this.root = path.resolve(root);
  }

  dir(id: string): string {
    return path.join(this.root, validateId(id));
  }

  fifoPath(id: string): string {
    return path.join(this.dir(id), FIFO_FILE);
  }

  /**
   * Claims the id atomically: mkdir fails with EEXIST for the loser of two
   * concurrent creates. The root itself is created 0700 if missing.
   */
  claim(id: string): string {
    const dir = this.dir(id);
    try {
      mkdirAll(this.root, 0o700);
    } catch (e) {
      throw new RtError(`state root ${this.root}: ${describeSysError(e)}`);
    }
    this.assertRootIsDirectory();
    try {
      host().mkdir(dir, 0o700);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") throw new RtError(`container "${id}" already exists`);
      throw new RtError(`state dir ${dir}: ${describeSysError(e)}`);
    }
    return dir;
  }

  /** The state root must be a real directory, never a symlink that leads elsewhere. */
  private assertRootIsDirectory(): void {
    if (!isDirectory(this.root)) throw new RtError(`state root ${this.root} is not a directory`);
  }

  /** Reads the record; null while the container is still being created (its dir exists, state.json not yet). */
  read(id: string): ContainerRecord | null {
    const dir = this.dir(id);
    const file = path.join(dir, STATE_FILE);
    let text: string;
    try {
      text = host().readFile(file, STATE_MAX_BYTES);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" && isDirectory(dir)) return null;
      if (code === "ENOENT" || code === "ENOTDIR") throw new RtError(`container "${id}" does not exist`);
      // host readFile's refusal of a device, fifo or oversized file (src/sys/host.ts).
      if (code === "EINVAL" || code === "EFBIG") throw new RtError(`state of "${id}" is corrupt (${file}: not a regular file of at most ${STATE_MAX_BYTES} bytes)`);
      throw new RtError(`reading state of "${id}": ${describeSysError(e)}`);
    }
    try {
      return JSON.parse(text) as ContainerRecord;
    } catch {
      throw new RtError(`state of "${id}" is corrupt (${file})`);
    }
  }

  /** Writes state.json atomically (tmp + rename): a reader sees the old or the new file. */
  write(record: ContainerRecord): void {
    const dir = this.dir(record.id);
    const tmp = path.join(dir, `.${STATE_FILE}.tmp`);
    host().writeFile(tmp, JSON.stringify(record), 0o600, "w");
    host().rename(tmp, path.join(dir, STATE_FILE));
  }

  remove(id: string): void {
    removeTree(this.dir(id));
  }

  /** Ids of every container under the root (for `rt list`). */
  list(): string[] {
    try {
      return host().readdir(this.root).filter((n) => !n.startsWith(".")).sort();
    } catch {
      return [];
    }
  }
}

/** Writes a file atomically next to its destination (pid files). */
export function writeFileAtomic(file: string, data: string): void {
  const abs = path.resolve(file);
  const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.${host().pid()}.tmp`);
  try {
    host().writeFile(tmp, data, 0o644, "w");
    host().rename(tmp, abs);
  } catch (e) {
    try { host().unlink(tmp); } catch { /* nothing to undo */ }
    throw new RtError(`writing ${abs}: ${describeSysError(e)}`);
  }
}
