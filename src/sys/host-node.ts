// The host under Node.js: the library API inside a service, and the tests.
// Importing this module installs it. The executor's reports are read with
// events, so a service's event loop never blocks on a create.
import * as fs from "node:fs";
import { spawn, spawnSync } from "node:child_process";
import { constants as osConstants } from "node:os";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { Socket } from "node:net";
import { installHost, type FileInfo, type Host, type LaunchOptions, type Launched, type RunOptions, type RunResult } from "./host.ts";

const info = (st: fs.Stats): FileInfo => ({ isDirectory: st.isDirectory(), isFifo: st.isFIFO(), isSymlink: st.isSymbolicLink(), isFile: st.isFile(), size: st.size });

/** A Node-shaped system error, as the QuickJS host throws them. */
function sysError(code: string, errno: number, text: string, syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${text}, ${syscall} '${path}'`), { code, errno, syscall, path });
}

/** readFile with maxBytes: a regular file of at most maxBytes (as sys_readFile in native/host/sys_files.c). */
function readBounded(path: string, maxBytes: number): string {
  const fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw sysError("EINVAL", 22, "invalid argument", "read", path);
    if (st.size > maxBytes) throw sysError("EFBIG", 27, "file too large", "read", path);
    const buf = Buffer.alloc(maxBytes + 1);
    let len = 0;
    for (let n; len <= maxBytes && (n = fs.readSync(fd, buf, len, maxBytes + 1 - len, null)) > 0;) len += n;
    if (len > maxBytes) throw sysError("EFBIG", 27, "file too large", "read", path);
    return buf.subarray(0, len).toString("utf8");
  } finally {
    fs.closeSync(fd);
  }
}
const FLAGS = { w: "w", a: "a", wx: "wx" } as const;
const sleepCell = new Int32Array(new SharedArrayBuffer(4));
const signalName = (n: number) => Object.entries(osConstants.signals).find(([, v]) => v === n)?.[0] as NodeJS.Signals | undefined;

export const nodeHost: Host = {
  argv: () => process.argv.slice(2),
  pid: () => process.pid,
  env: (name) => process.env[name],
  cwd: () => process.cwd(),
  execPath: () => process.execPath,
  sourceDir: () => (import.meta.url.startsWith("file:") ? dirname(fileURLToPath(import.meta.url)) : undefined),

  readFile: (path, maxBytes) => (maxBytes === undefined ? fs.readFileSync(path, "utf8") : readBounded(path, maxBytes)),
  writeFile: (path, data, mode, how) => fs.writeFileSync(path, data, { mode, flag: FLAGS[how] }),
  rename: (from, to) => fs.renameSync(from, to),
  mkdir: (path, mode) => fs.mkdirSync(path, { mode }),
  rmdir: (path) => fs.rmdirSync(path),
  unlink: (path) => fs.unlinkSync(path),
  lstat: (path) => info(fs.lstatSync(path)),
  stat: (path) => info(fs.statSync(path)),
  readdir: (path) => fs.readdirSync(path),
  realpath: (path) => fs.realpathSync(path),
  readlink: (path) => fs.readlinkSync(path),
  writeFifoNonblocking(path, data) {
    const fd = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    try { fs.writeSync(fd, data); } finally { fs.closeSync(fd); }
  },

  kill: (pid, signal) => void process.kill(pid, signal),
  sleep: (ms) => void Atomics.wait(sleepCell, 0, 0, ms),
  launch,
  runProgram,
  readFifo(path, opened) {
    const fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    let text = "";
    const buf = Buffer.alloc(4096);
    try {
      opened?.();
      for (;;) {
        let n: number;
        try {
          n = fs.readSync(fd, buf);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
          Atomics.wait(sleepCell, 0, 0, 1); // a writer holds it, nothing written yet
          continue;
        }
        if (n === 0) return text;
        text += buf.toString("utf8", 0, n);
      }
    } finally {
      fs.closeSync(fd);
    }
  },
  onSignals(signals, handler) {
    const hs = signals.flatMap((n) => {
      const name = signalName(n);
      if (!name) return [];
      const h = () => handler(n);
      process.on(name, h);
      return [[name, h] as const];
    });
    return () => hs.forEach(([name, h]) => process.off(name, h));
  },

  captureOutput(path, argv, extraFds = []) {
    const r = spawnSync(path, argv.slice(1), { argv0: argv[0], env: passedEnv(), stdio: ["inherit", "pipe", "pipe", ...extraFds], encoding: "utf8" });
    if (r.error) throw r.error;
    return { status: r.status ?? 128 + (r.signal ? osConstants.signals[r.signal] : 0), output: r.stdout + r.stderr };
  },

  // Node cannot receive a file descriptor over a socket (no SCM_RIGHTS in
  // node:net): the library's caller passes a console socket of its own.
  listenConsole: () => { throw new Error(NO_TERMINAL); },
  attachTerminal: () => { throw new Error(NO_TERMINAL); },

  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  exit: (code) => process.exit(code),
};

const NO_TERMINAL = "a foreground run with process.terminal and no console socket needs the rt executable: under Node, pass consoleSocket";

/** What a program rt runs for the user gets of rt's environment (captureOutput). */
function passedEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined && (k === "PATH" || k === "LANG" || k.startsWith("LC_")))) as Record<string, string>;
}

async function launch(o: LaunchOptions): Promise<Launched> {
  const syncIndex = 3 + o.passFds;
  const passed = Array.from({ length: o.passFds }, (_, i) => 3 + i);
  const child = spawn(o.path, [String(syncIndex)], { stdio: ["inherit", "inherit", "inherit", ...passed, "pipe"], env: {} });
  const exited = new Promise<number>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? 128 + (signal ? osConstants.signals[signal] : 0)));
  });
  const sock = child.stdio[syncIndex] as unknown as Socket;
  try {
    await new Promise<void>((resolve, reject) => {
      let pending = "";
      sock.on("data", (d: Buffer) => {
        pending += d.toString("utf8");
        let nl: number;
        try {
          while ((nl = pending.indexOf("\n")) >= 0) {
            const line = pending.slice(0, nl);
            pending = pending.slice(nl + 1);
            if (o.onLine(line, (data) => void sock.write(data))) return resolve();
          }
        } catch (e) {
          reject(e);
        }
      });
      sock.on("end", () => resolve());
      sock.on("error", reject);
      child.on("error", reject);
      sock.write(o.plan);
    });
    if (!o.watch) child.unref();
    return { exited };
  } catch (e) {
    try { child.kill("SIGKILL"); } catch { /* gone */ }
    throw e;
  } finally {
    sock.destroy();
  }
}

function runProgram(o: RunOptions): RunResult {
  const env = Object.fromEntries(o.env.map((e) => { const i = e.indexOf("="); return i < 0 ? [e, ""] : [e.slice(0, i), e.slice(i + 1)]; }));
  const r = spawnSync(o.path, o.argv.slice(1), {
    argv0: o.argv[0] ?? o.path,
    env,
    input: o.stdin,
    stdio: ["pipe", 2, 2],
    timeout: o.timeoutMs || undefined,
    killSignal: "SIGKILL",
  });
  const err = r.error as NodeJS.ErrnoException | undefined;
  if (err && err.code === "ETIMEDOUT") return { status: 128 + 9, timedOut: true };
  if (err && err.code !== "EPIPE") throw Object.assign(err, { syscall: "spawn", path: o.path });
  return { status: r.status ?? 128 + (r.signal ? osConstants.signals[r.signal] : 0), timedOut: false };
}

installHost(nodeHost);
