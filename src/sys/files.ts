// File helpers built on the host's calls: the few shapes rt needs again and again.
import { host } from "./host.ts";
import { join } from "./path.ts";

const code = (e: unknown): string | undefined => (e as { code?: string } | null)?.code;

/** The file's text, or null if it (or a parent) does not exist, or the process behind a /proc path is gone. */
export function readTextOrNull(path: string): string | null {
  try {
    return host().readFile(path);
  } catch (e) {
    const c = code(e);
    // ENODEV: a cgroup (kernfs) file whose cgroup was removed meanwhile.
    if (c === "ENOENT" || c === "ENOTDIR" || c === "ESRCH" || c === "ENODEV") return null;
    throw e;
  }
}

/** Whether anything (file, fifo, directory, dangling link) is at path. */
export function exists(path: string): boolean {
  try {
    host().lstat(path);
    return true;
  } catch {
    return false;
  }
}

export function isDirectory(path: string): boolean {
  try {
    return host().lstat(path).isDirectory;
  } catch {
    return false;
  }
}

/** mkdir -p; a directory that already exists is fine. */
export function mkdirAll(path: string, mode: number): void {
  try {
    host().mkdir(path, mode);
  } catch (e) {
    if (code(e) === "EEXIST") return;
    if (code(e) !== "ENOENT") throw e;
    const parent = path.slice(0, path.lastIndexOf("/"));
    if (!parent || parent === path) throw e;
    mkdirAll(parent, mode);
    mkdirAll(path, mode);
  }
}

/** rm -rf without following symlinks; a missing path is fine. */
export function removeTree(path: string): void {
  let info;
  try {
    info = host().lstat(path);
  } catch (e) {
    if (code(e) === "ENOENT") return;
    throw e;
  }
  if (info.isDirectory) {
    let names: string[];
    try {
      names = host().readdir(path);
    } catch (e) {
      if (code(e) === "ENOENT") return; // removed meanwhile (a concurrent delete)
      throw e;
    }
    for (const name of names) removeTree(join(path, name));
    try { host().rmdir(path); } catch (e) { if (code(e) !== "ENOENT") throw e; }
  } else {
    try { host().unlink(path); } catch (e) { if (code(e) !== "ENOENT") throw e; }
  }
}
