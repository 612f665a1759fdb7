// Asynchronous file reads for the hottest command paths (state, start, kill).
// In the Bun executable they use Bun.file, which is native and needs no
// node:fs (whose load costs ≈ 2–3 ms of start-up); under Node, fs/promises.
declare const Bun: { file(path: string): { text(): Promise<string>; exists(): Promise<boolean> } } | undefined;

type FsPromises = typeof import("node:fs/promises");
const fsp = (): FsPromises => (process as unknown as { getBuiltinModule(id: string): FsPromises }).getBuiltinModule("node:fs/promises");

/** The file's text, or null if it (or a parent) does not exist. */
export async function readText(path: string): Promise<string | null> {
  try {
    return typeof Bun !== "undefined" ? await Bun.file(path).text() : await fsp().readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "ESRCH") return null;
    throw e;
  }
}

/** Whether a non-directory path exists (regular file, fifo, …). */
export async function exists(path: string): Promise<boolean> {
  if (typeof Bun !== "undefined") return Bun.file(path).exists();
  try {
    await fsp().access(path);
    return true;
  } catch {
    return false;
  }
}
