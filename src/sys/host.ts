// The operating-system calls rt makes, behind one interface with two
// implementations: host-node.ts (the library, in a Node.js service, and the
// tests) and host-quickjs.ts (the `rt` executable, a QuickJS program whose
// start-up costs ≈ 1.5 ms; see native/host/SYS.md). Everything above src/sys
// is host-neutral: it calls host().
//
// Failures are thrown as Node-style system errors: `code` ("ENOENT"),
// `syscall`, `path`, so describeSysError reads both hosts alike.

/** What rt needs of stat/lstat: the file's type. */
export interface FileInfo {
  isDirectory: boolean;
  /** A named pipe: the exec fifo must still be one when `start` writes to it. */
  isFifo: boolean;
  /** lstat only: the path is a symlink (state dirs and files must never be). */
  isSymlink: boolean;
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
  /**
   * Each report line; returns true once the container is ready (throws on
   * failure). `send` writes to the executor on the sync socket (the go-ahead
   * after a HOOKS report, native/PLAN.md).
   */
  onLine(line: string, send: (data: string) => void): boolean;
  /** The caller awaits `exited` (the executor stays the init's parent until it exits). */
  watch: boolean;
}

export interface Launched {
  /** The executor's exit status (in mode wait: the container's). */
  exited: Promise<number>;
}

/** A program run to its end (hooks): see Host.runProgram. */
export interface RunOptions {
  path: string;
  /** argv, argv[0] included. */
  argv: string[];
  /** Exactly this environment. */
  env: string[];
  /** Written to its stdin, which is then closed. */
  stdin: string;
  /** Killed (SIGKILL) after this many ms; 0: no limit. */
  timeoutMs: number;
}

export interface RunResult {
  /** As a shell gives it: the exit code, or 128+n for signal n. */
  status: number;
  /** It was killed at its time limit. */
  timedOut: boolean;
}

/** A console socket rt itself listens on (a foreground `rt run` with process.terminal). */
export interface ConsoleListener {
  /** Accepts the executor's connection and returns the pty master it sent (SCM_RIGHTS). */
  receive(): number;
  /** Closes the socket and removes its path. */
  close(): void;
}

/** rt's own stdio joined to a container's pty master (see attachTerminal). */
export interface AttachedTerminal {
  /** Gives the container's terminal rt's window size (the kernel then sends it SIGWINCH). */
  resize(): void;
  /** Once the container has exited: copies what it still wrote, stops copying, restores rt's terminal, closes the master. */
  close(): void;
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
  /** readlink(2): where a symlink (or a /proc magic link) points. */
  readlink(path: string): string;
  /** Opens a fifo for writing without blocking (ENXIO if nobody reads), writes data, closes. */
  writeFifoNonblocking(path: string, data: string): void;

  kill(pid: number, signal: number): void;
  sleep(ms: number): void;
  /** Starts native/rt-exec with the plan and follows its reports until ready. */
  launch(opts: LaunchOptions): Promise<Launched>;
  /**
   * Runs a program to its end: `stdin` on a pipe, rt's stderr as its stdout
   * and stderr, no other fd. Throws (a system error, syscall "spawn") if it
   * cannot be started. Blocks the caller, under Node too (hooks are a step of
   * the operation that waits for them).
   */
  runProgram(o: RunOptions): RunResult;
  /**
   * Reads a fifo until every writer has closed it (the init's HOOK_FIFO):
   * opened without blocking (a fifo nobody holds reads as "" at once), then
   * `opened()` is called (what makes the writer write), then read. Data
   * written before the open would be lost once its writer closes.
   */
  readFifo(path: string, opened?: () => void): string;
  /** Calls handler(signal number) for each of these signals until the returned stop(). */
  onSignals(signals: number[], handler: (signal: number) => void): () => void;

  /**
   * Runs a program (argv[0] included in argv; PATH, LANG and LC_* of rt's
   * environment), stdin rt's, stdout and stderr together captured, and waits
   * for it: `rt ps -- <ps-args>` runs the host's ps. extraFds: rt's fds to
   * put at 3, 4, … in the program (rt restore hands CRIU its stdio so).
   */
  captureOutput(path: string, argv: string[], extraFds?: number[]): { status: number; output: string };

  /** Listens on a new AF_UNIX stream socket at path (mode by umask; rt puts it in its 0700 state root). */
  listenConsole(path: string): ConsoleListener;
  /**
   * Joins rt's stdio to the pty master, as `docker run -it` does: rt's
   * terminal (when stdin is one) in raw mode, so every key (Ctrl-C too)
   * reaches the container's line discipline; the master gets rt's window
   * size; stdin → master and master → stdout copied in the event loop.
   */
  attachTerminal(master: number): AttachedTerminal;

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
