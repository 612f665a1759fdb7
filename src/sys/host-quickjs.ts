// The host in the `rt` executable: QuickJS with the native module rt:sys
// (native/host/SYS.md). Everything is synchronous but the wait for a `run`
// container, which uses QuickJS's event loop (os.setReadHandler, on the
// executor's socket and on a signalfd).
// Importing this module installs it.
import * as sys from "rt:sys";
import * as os from "qjs:os";
import { installHost, type AttachedTerminal, type ConsoleListener, type FileInfo, type Host, type LaunchOptions, type Launched } from "./host.ts";

// S_IFMT bits (stat(2)): the host's stat returns the raw mode.
const type = (mode: number): number => mode & 0o170000;
const info = (st: { mode: number; size: number }): FileInfo => ({
  isDirectory: type(st.mode) === 0o040000,
  isFifo: type(st.mode) === 0o010000,
  isSymlink: type(st.mode) === 0o120000,
  isFile: type(st.mode) === 0o100000,
  size: st.size,
});

/** waitpid status → a shell's exit status (128+n for a signal). */
const shellStatus = (status: number): number => ((status & 0x7f) === 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f));

const code = (e: unknown): string | undefined => (e as { code?: string } | null)?.code;

function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? sys.utf8Encode(data) : data;
  for (let off = 0; off < bytes.length;) {
    try {
      off += sys.write(fd, bytes, off);
    } catch (e) {
      if (code(e) === "EAGAIN" || code(e) === "EINTR") { sys.sleep(1); continue; }
      throw e;
    }
  }
}

/** Splits what a blocking fd delivers into lines (the executor's reports). */
class LineReader {
  private pending = "";
  private eof = false;
  constructor(private readonly fd: number) {}

  /** The next whole line, or null at EOF (a last unterminated line is returned first). */
  next(): string | null {
    for (;;) {
      const nl = this.pending.indexOf("\n");
      if (nl >= 0) {
        const line = this.pending.slice(0, nl);
        this.pending = this.pending.slice(nl + 1);
        return line;
      }
      if (this.eof) {
        const rest = this.pending;
        this.pending = "";
        return rest ? rest : null;
      }
      this.fill();
    }
  }

  /** One read; false once the writer has hung up. */
  fill(): boolean {
    let chunk: Uint8Array;
    try {
      chunk = sys.read(this.fd, 4096);
    } catch (e) {
      if (code(e) === "EINTR") return true;
      throw e;
    }
    if (chunk.length === 0) this.eof = true;
    else this.pending += sys.utf8Decode(chunk);
    return !this.eof;
  }
}

function reap(pid: number): number {
  for (;;) {
    try {
      return shellStatus(sys.waitpid(pid, 0)[1]);
    } catch (e) {
      if (code(e) !== "EINTR") return 1;
    }
  }
}

async function launch(o: LaunchOptions): Promise<Launched> {
  const [mine, theirs] = sys.socketpair();
  const passed = Array.from({ length: o.passFds }, (_, i) => 3 + i);
  let pid: number;
  try {
    pid = sys.spawn(o.path, [o.path, String(3 + o.passFds)], [], [0, 1, 2, ...passed, theirs]);
  } catch (e) {
    sys.close(mine);
    throw e;
  } finally {
    sys.close(theirs);
  }
  const lines = new LineReader(mine);
  try {
    writeAll(mine, o.plan);
    const send = (data: string) => writeAll(mine, data);
    for (let line = lines.next(); line !== null; line = lines.next()) if (o.onLine(line, send)) break;
  } catch (e) {
    try { sys.kill(pid, 9); } catch { /* gone */ }
    reap(pid);
    sys.close(mine);
    throw e;
  }
  if (!o.watch) {
    // Detached, the executor exits right after READY: reap it now.
    sys.close(mine);
    return { exited: Promise.resolve(reap(pid)) };
  }
  // Mode wait: the executor reports EXIT and exits when the container does.
  const exited = new Promise<number>((resolve) => {
    os.setReadHandler(mine, () => {
      if (lines.fill()) return;
      os.setReadHandler(mine, null);
      sys.close(mine);
      resolve(reap(pid));
    });
  });
  return { exited };
}

/** A program's stdout and stderr together, through one end of a socketpair, then its status. */
function captureOutput(path: string, argv: string[], extraFds: number[] = []): { status: number; output: string } {
  // Only these of rt's environment (sys has getenv, not environ): enough for
  // ps to find its way and speak the caller's language.
  const env = ["PATH", "LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "LC_NUMERIC", "LC_TIME"]
    .flatMap((k) => { const v = sys.getenv(k); return v === undefined ? [] : [`${k}=${v}`]; });
  const [mine, theirs] = sys.socketpair();
  let pid: number;
  try {
    pid = sys.spawn(path, argv, env, [0, theirs, theirs, ...extraFds]);
  } catch (e) {
    sys.close(mine);
    throw e;
  } finally {
    sys.close(theirs);
  }
  const chunks: string[] = [];
  try {
    for (const r = new LineReader(mine); ;) {
      const line = r.next();
      if (line === null) break;
      chunks.push(line + "\n");
    }
  } finally {
    sys.close(mine);
  }
  return { status: reap(pid), output: chunks.join("") };
}

function listenConsole(path: string): ConsoleListener {
  const fd = sys.unixListen(path);
  let open = true;
  return {
    receive: () => sys.recvFd(fd),
    close() {
      if (!open) return;
      open = false;
      sys.close(fd);
      try { sys.unlink(path); } catch { /* gone */ }
    },
  };
}

/** One read of fd; null at EOF, or on EIO (a pty master whose slave is closed everywhere). */
function readSome(fd: number): Uint8Array | null {
  for (;;) {
    try {
      const b = sys.read(fd, 16384);
      return b.length ? b : null;
    } catch (e) {
      if (code(e) === "EINTR") continue;
      if (code(e) === "EIO") return null;
      throw e;
    }
  }
}

function attachTerminal(master: number): AttachedTerminal {
  let saved: Uint8Array | null = null;
  try { saved = sys.ttyMakeRaw(0); } catch { /* stdin is no terminal: copy it as it comes */ }
  const resize = () => {
    const size = sys.ttyGetSize(0) ?? sys.ttyGetSize(1);
    if (size) sys.ttySetSize(master, size[0], size[1]);
  };
  resize();
  let reading = true;
  os.setReadHandler(0, () => {
    const b = readSome(0);
    if (b) writeAll(master, b);
    else os.setReadHandler(0, null); // EOF on stdin: the container keeps its terminal
  });
  os.setReadHandler(master, () => {
    const b = readSome(master);
    if (b) writeAll(1, b);
    else { os.setReadHandler(master, null); reading = false; }
  });
  return {
    resize,
    close() {
      os.setReadHandler(0, null);
      if (reading) {
        os.setReadHandler(master, null);
        // What the container wrote just before it exited is still in the pty.
        sys.setNonblock(master, true);
        for (;;) {
          let b: Uint8Array | null;
          try { b = readSome(master); } catch { break; } // EAGAIN: nothing left
          if (!b) break;
          writeAll(1, b);
        }
      }
      sys.close(master);
      if (saved) { try { sys.ttyRestore(0, saved); } catch { /* rt's terminal went away */ } }
    },
  };
}

export const quickjsHost: Host = {
  argv: () => sys.argv,
  pid: () => sys.getpid(),
  env: (name) => sys.getenv(name),
  cwd: () => sys.getcwd(),
  execPath: () => sys.readlink("/proc/self/exe"),
  sourceDir: () => undefined,

  readFile: (path, maxBytes) => sys.readFile(path, maxBytes),
  writeFile: (path, data, mode, how) => sys.writeFile(path, data, mode, how),
  rename: (from, to) => sys.rename(from, to),
  mkdir: (path, mode) => sys.mkdir(path, mode),
  rmdir: (path) => sys.rmdir(path),
  unlink: (path) => sys.unlink(path),
  lstat: (path) => info(sys.lstat(path)),
  stat: (path) => info(sys.stat(path)),
  readdir: (path) => sys.readdir(path),
  realpath: (path) => sys.realpath(path),
  readlink: (path) => sys.readlink(path),
  writeFifoNonblocking(path, data) {
    const fd = sys.open(path, sys.O_WRONLY | sys.O_NONBLOCK);
    try { writeAll(fd, data); } finally { sys.close(fd); }
  },

  kill: (pid, signal) => sys.kill(pid, signal),
  sleep: (ms) => sys.sleep(ms),
  launch,
  runProgram(o) {
    const [status, timedOut] = sys.run(o.path, o.argv, o.env, o.stdin, o.timeoutMs);
    return { status: timedOut ? 128 + 9 : shellStatus(status), timedOut };
  },
  readFifo(path, opened) {
    const fd = sys.open(path, sys.O_RDONLY | sys.O_NONBLOCK);
    let text = "";
    try {
      opened?.();
      for (;;) {
        let chunk: Uint8Array;
        try {
          chunk = sys.read(fd, 4096);
        } catch (e) {
          if (code(e) !== "EAGAIN" && code(e) !== "EINTR") throw e;
          sys.sleep(1); // a writer holds it, nothing written yet
          continue;
        }
        if (chunk.length === 0) return text;
        text += sys.utf8Decode(chunk);
      }
    } finally {
      sys.close(fd);
    }
  },
  onSignals(signals, handler) {
    // Blocked and read from a signalfd, not os.signal: QuickJS's event loop
    // checks for signals and then blocks in select() (no pselect), so one
    // that arrives in between would wait for the next fd event, for `run`
    // perhaps the container's exit. A signalfd is readable whenever one is
    // pending.
    let fd = sys.signalfd(signals);
    os.setReadHandler(fd, () => {
      for (let s; fd >= 0 && (s = sys.readSignal(fd));) handler(s);
    });
    return () => {
      if (fd < 0) return;
      os.setReadHandler(fd, null);
      // Drop what came since the last read: still blocked, it would be
      // delivered on unblocking with its default action (TERM would end rt
      // before `run` deletes the container). Whatever comes later has its
      // default action again, as on Node after process.off.
      while (sys.readSignal(fd));
      sys.close(fd);
      fd = -1;
      sys.unblockSignals(signals);
    };
  },

  captureOutput,
  listenConsole,
  attachTerminal,

  stdout: (text) => writeAll(1, text),
  stderr: (text) => writeAll(2, text),
  exit: (code) => sys.exit(code),
};

installHost(quickjsHost);
