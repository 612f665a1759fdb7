// The state directory: <root>/<id>/ holds state.json, cgroups.json (the
// anchor, see below) and, until `start`, exec.fifo. Nothing else keeps state
// between rt invocations (no daemon).
//
// The state root is never followed through a symlink (README): its path must
// be canonical, for every command alike. A container's dir and files must be
// real (never symlinks): a dir linked to another container's would otherwise
// let `delete --force` kill that one.
import { host } from "../sys/host.ts";
import { exists, mkdirAll, readTextOrNull, removeTree } from "../sys/files.ts";
import * as path from "../sys/path.ts";
import { RtError, describeSysError } from "../errors.ts";
import { validateId } from "./id.ts";
import { checkRecord, type Anchor } from "./record.ts";

export const DEFAULT_ROOT = "/run/rt";
export const STATE_FILE = "state.json";
/** state.json is read whole: a regular file of at most this (it holds the config's annotations, themselves under config.json's 1 MiB). */
export const STATE_MAX_BYTES = 2 * 1024 * 1024;
export const FIFO_FILE = "exec.fifo";
/** What `start` renames the exec fifo to once it has released the init: the record of that release. */
export const STARTED_FILE = "exec.fifo.started";
/**
 * Written once, before rt makes anything for the container (cgroup dirs), and
 * never rewritten: if state.json is lost or damaged, `delete --force` still
 * finds the cgroups to empty and remove.
 */
export const ANCHOR_FILE = "cgroups.json";
export type { Anchor } from "./record.ts";
/** <root>/.claim.<pid>.<random>: a claim being prepared (list skips dot names). */
const CLAIM_PREFIX = ".claim.";

/** state.json (or the state dir) is unreadable as a record: `state` reports it, `delete --force` clears it through the anchor. */
export class DamagedStateError extends RtError {
  constructor(readonly id: string, readonly reason: string) {
    super(`state of container "${id}" is damaged: ${reason} (rt delete --force removes it)`);
    this.name = "DamagedStateError";
  }
}

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
  /** The container's cgroups in the other v1 hierarchies (cgroups/v1.ts), each with the dirs rt made. */
  v1Cgroups?: { hierarchy: string; dir: string; created: string[] }[];
  /** linux.resources as changed by `rt update` (the members given; the config holds the rest). */
  resources?: Record<string, unknown>;
  /** create --no-new-keyring: the init kept the caller's session keyring, so exec does not join the container's. */
  noNewKeyring?: boolean;
  /** Hooks and other config needed after create (poststart, poststop). */
  config?: unknown;
  /**
   * Set until create has finished: the pid (as soon as the executor reports
   * it) and the cgroup dirs (before they are made) are recorded while it is.
   */
  creating?: boolean;
  /** The rt process doing the create (pid and start time): a dead one means the create was interrupted. */
  creator?: { pid: number; startTime: string };
}

/** The container has no state dir: it was never created, or is deleted. */
export class NoSuchContainerError extends RtError {
  constructor(readonly id: string) {
    super(`container "${id}" does not exist`);
    this.name = "NoSuchContainerError";
  }
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

  startedPath(id: string): string {
    return path.join(this.dir(id), STARTED_FILE);
  }

  /**
   * Claims the id atomically, with its first record and the anchor already in
   * place: both are written in a private dir that is then renamed to <id>.
   * rename fails (EEXIST/ENOTEMPTY) for the loser of two concurrent creates,
   * as every claimed dir holds state.json; no rt killed at any point leaves a
   * state dir that does not say what it is. The root is created 0700 if missing.
   */
  claim(record: ContainerRecord, anchor: Anchor): string {
    const id = record.id;
    const dir = this.dir(id);
    try {
      mkdirAll(this.root, 0o700);
    } catch (e) {
      throw new RtError(`state root ${this.root}: ${describeSysError(e)}`);
    }
    this.assertRootIsCanonical();
    this.removeStaleClaims();
    if (exists(dir)) throw new RtError(`container "${id}" already exists`);
    const tmp = path.join(this.root, `${CLAIM_PREFIX}${host().pid()}.${Math.random().toString(36).slice(2, 10)}`);
    try {
      host().mkdir(tmp, 0o700);
      this.writeIn(tmp, STATE_FILE, JSON.stringify(record));
      this.writeIn(tmp, ANCHOR_FILE, JSON.stringify(anchor));
    } catch (e) {
      try { removeTree(tmp); } catch { /* the error below matters more */ }
      throw e instanceof RtError ? e : new RtError(`state dir ${tmp}: ${describeSysError(e)}`);
    }
    try {
      host().rename(tmp, dir);
    } catch (e) {
      try { removeTree(tmp); } catch { /* likewise */ }
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EEXIST" || code === "ENOTEMPTY") throw new RtError(`container "${id}" already exists`);
      throw new RtError(`state dir ${dir}: ${describeSysError(e)}`);
    }
    return dir;
  }

  private writeIn(dir: string, name: string, text: string): void {
    const file = path.join(dir, name);
    try {
      host().writeFile(file, text, 0o600, "wx");
    } catch (e) {
      throw new RtError(aboutFile(file, e));
    }
  }

  /** Claim dirs of rt processes killed before their rename (a dead pid, or one started after the dir was made). */
  private removeStaleClaims(): void {
    let names: string[] = [];
    try { names = host().readdir(this.root); } catch { return; }
    for (const n of names) {
      if (!n.startsWith(CLAIM_PREFIX)) continue;
      const pid = Number(n.slice(CLAIM_PREFIX.length).split(".")[0]);
      if (pid > 0 && pid !== host().pid() && readTextOrNull(`/proc/${pid}/stat`) !== null) continue;
      try { removeTree(path.join(this.root, n)); } catch { /* another rt did */ }
    }
  }

  /**
   * The rule for every command: the root must be a directory reached without
   * any symlink (in it or in a parent). A missing root is fine (nothing there).
   */
  assertRootIsCanonical(): void {
    let info;
    try {
      info = host().lstat(this.root);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw new RtError(`state root ${this.root}: ${describeSysError(e)}`);
    }
    if (info.isSymlink) throw new RtError(`state root ${this.root} is a symlink: give the directory itself (rt never follows the state root through a symlink)`);
    if (!info.isDirectory) throw new RtError(`state root ${this.root} is not a directory`);
    let real: string;
    try {
      real = host().realpath(this.root);
    } catch (e) {
      throw new RtError(`state root ${this.root}: ${describeSysError(e)}`);
    }
    if (real !== this.root) throw new RtError(`state root ${this.root} is reached through a symlink (it is ${real}): give that path (rt never follows the state root through a symlink)`);
  }

  /**
   * Reads the record. Every state dir holds one from its claim on, so a
   * missing, unreadable or mistyped state.json throws DamagedStateError.
   */
  read(id: string): ContainerRecord {
    const dir = this.realDir(id);
    const file = path.join(dir, STATE_FILE);
    const text = this.readOwnFile(id, file);
    if (text === null) throw new DamagedStateError(id, `${file} is missing`);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new DamagedStateError(id, `${file} is not valid JSON`);
    }
    const wrong = checkRecord(value, id);
    if (wrong) throw new DamagedStateError(id, `${file}: ${wrong}`);
    return value as ContainerRecord;
  }

  /** The anchor (what create was about to make), or null if there is none or it cannot be trusted. */
  readAnchor(id: string): Anchor | null {
    const file = path.join(this.realDir(id), ANCHOR_FILE);
    let text: string | null;
    try {
      text = this.readOwnFile(id, file);
    } catch {
      return null;
    }
    if (text === null) return null;
    try {
      const a = JSON.parse(text) as Anchor;
      if (a && typeof a === "object" && a.id === id && typeof a.cgroupDir === "string" && Array.isArray(a.cgroupCreated)) return a;
    } catch { /* damaged too */ }
    return null;
  }

  /** The container's state dir; throws DamagedStateError if it is not a real directory, and "does not exist" if absent. */
  realDir(id: string): string {
    const dir = this.dir(id);
    this.assertRootIsCanonical();
    let info;
    try {
      info = host().lstat(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") throw new NoSuchContainerError(id);
      throw new RtError(`state dir ${dir}: ${describeSysError(e)}`);
    }
    if (info.isSymlink) throw new DamagedStateError(id, `${dir} is a symlink, not a state directory`);
    if (!info.isDirectory) throw new DamagedStateError(id, `${dir} is not a directory`);
    return dir;
  }

  /** A regular file of the state dir (never a symlink), or null if absent. */
  private readOwnFile(id: string, file: string): string | null {
    try {
      const info = host().lstat(file);
      if (!info.isFile) throw new DamagedStateError(id, `${file} is not a regular file`);
      return host().readFile(file, STATE_MAX_BYTES);
    } catch (e) {
      if (e instanceof RtError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return null;
      // host readFile's refusal of a device, fifo or oversized file (src/sys/host.ts).
      if (code === "EINVAL" || code === "EFBIG") throw new DamagedStateError(id, `${file} is not a regular file of at most ${STATE_MAX_BYTES} bytes`);
      throw new RtError(`reading state of "${id}": ${describeSysError(e)}`);
    }
  }

  /** Writes state.json atomically (tmp + rename): a reader sees the old or the new file. */
  write(record: ContainerRecord): void {
    const dir = this.dir(record.id);
    const tmp = path.join(dir, `.${STATE_FILE}.tmp`);
    const file = path.join(dir, STATE_FILE);
    try {
      host().writeFile(tmp, JSON.stringify(record), 0o600, "w");
      host().rename(tmp, file);
    } catch (e) {
      // e.g. ENOENT: a `delete --force` removed the dir of a create under way.
      try { host().unlink(tmp); } catch { /* nothing to undo */ }
      throw new RtError(aboutFile(file, e));
    }
  }

  /** Removes the state dir; a symlink in its place is unlinked, never followed. */
  remove(id: string): void {
    removeTree(this.dir(id));
  }

  /** Ids of every container under the root (for `rt list`). */
  list(): string[] {
    this.assertRootIsCanonical();
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
    throw new RtError(aboutFile(abs, e));
  }
}

/** A failed write, one line: the call, the file and the errno (the host's error names the file itself). */
function aboutFile(file: string, e: unknown): string {
  const text = describeSysError(e);
  return text.includes(file) || text.includes(`${path.dirname(file)}/.`) ? text : `writing ${file}: ${text}`;
}
