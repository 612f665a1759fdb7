// The host in the `rt` executable: QuickJS with the native module rt:sys
// (native/host/SYS.md). Everything is synchronous but the wait for a `run`
// container, which uses QuickJS's event loop (os.setReadHandler, on the
// executor's socket and on a signalfd).
// Importing this module installs it.
import * as sys from "rt:sys";
import * as os from "qjs:os";
import { installHost, type FileInfo, type Host, type LaunchOptions, type Launched } from "./host.ts";

const S_IFREG = 0o100000;
const info = (st: { mode: number; size: number }): FileInfo => ({
  isDirectory: (st.mode & sys.S_IFMT) === sys.S_IFDIR,
  isFile: (st.mode & sys.S_IFMT) === S_IFREG,
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
    for (let line = lines.next(); line !== null; line = lines.next()) if (o.onLine(line)) break;
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
  writeFifoNonblocking(path, data) {
    const fd = sys.open(path, sys.O_WRONLY | sys.O_NONBLOCK);
    try { writeAll(fd, data); } finally { sys.close(fd); }
  },

  kill: (pid, signal) => sys.kill(pid, signal),
  sleep: (ms) => sys.sleep(ms),
  launch,
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

  stdout: (text) => writeAll(1, text),
  stderr: (text) => writeAll(2, text),
  exit: (code) => sys.exit(code),
};

installHost(quickjsHost);
