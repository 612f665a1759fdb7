// The operating-system calls rt makes, behind one interface with two
// implementations: host-node.ts (the library, in a Node.js service, and the
// tests) and host-quickjs.ts (the `rt` executable, a QuickJS program whose
// start-up costs ≈ 1.5 ms; see native/host/SYS.md). Everything above src/sys
// is host-neutral: it calls host().
//
// Failures are thrown as Node-style system errors: `code` ("ENOENT"),
// `syscall`, `path`, so describeSysError reads both hosts alike.

/** What rt needs of stat/lstat. */
export interface FileInfo {
  isDirectory: boolean;
  /** A regular file (not a device, fifo, socket or directory). */
  isFile: boolean;
  /** st_size in bytes. */
  size: number;
}

export interface LaunchOptions {
  /** The executor; its one argument is the number of the sync socket's fd, 3+passFds. */
  path: string;
  /** fds 3 … 3+passFds-1 of this process are passed on at the same numbers. */
  passFds: number;
  /** Sent over the sync socket. */
  plan: Uint8Array;
  /** Each report line; returns true once the container is ready (throws on failure). */
  onLine(line: string): boolean;
  /** The caller awaits `exited` (the executor stays the init's parent until it exits). */
  watch: boolean;
}

export interface Launched {
  /** The executor's exit status (in mode wait: the container's). */
  exited: Promise<number>;
}

export interface Host {
  /** The command-line arguments after the program. */
  argv(): string[];
  pid(): number;
  env(name: string): string | undefined;
  cwd(): string;
  /** The running executable's path (to find rt-exec beside it). */
  execPath(): string;
  /** The directory of this module's source, when run from a checkout (else undefined). */
  sourceDir(): string | undefined;

  /**
   * The file's text. With maxBytes, only a regular file of at most that many
   * bytes is read (else EINVAL or EFBIG), and a fifo does not block the open.
   */
  readFile(path: string, maxBytes?: number): string;
  /** how: "w" create/truncate, "a" append, "wx" create exclusively. */
  writeFile(path: string, data: string, mode: number, how: "w" | "a" | "wx"): void;
  rename(from: string, to: string): void;
  mkdir(path: string, mode: number): void;
  rmdir(path: string): void;
  unlink(path: string): void;
  lstat(path: string): FileInfo;
  stat(path: string): FileInfo;
  readdir(path: string): string[];
  realpath(path: string): string;
  /** Opens a fifo for writing without blocking (ENXIO if nobody reads), writes data, closes. */
  writeFifoNonblocking(path: string, data: string): void;

  kill(pid: number, signal: number): void;
  sleep(ms: number): void;
  /** Starts native/rt-exec with the plan and follows its reports until ready. */
  launch(opts: LaunchOptions): Promise<Launched>;
  /** Calls handler(signal number) for each of these signals until the returned stop(). */
  onSignals(signals: number[], handler: (signal: number) => void): () => void;

  stdout(text: string): void;
  stderr(text: string): void;
  exit(code: number): never;
}

let installed: Host | undefined;

export function installHost(h: Host): void {
  installed = h;
}

export function host(): Host {
  if (!installed) throw new Error("rt: no host installed (import the package entry, or src/sys/host-node.ts)");
  return installed;
}
