// The host under Node.js: the library API inside a service, and the tests.
// Importing this module installs it. The executor's reports are read with
// events, so a service's event loop never blocks on a create.
import * as fs from "node:fs";
import { spawn } from "node:child_process";
import { constants as osConstants } from "node:os";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { Socket } from "node:net";
import { installHost, type FileInfo, type Host, type LaunchOptions, type Launched } from "./host.ts";

const info = (st: fs.Stats): FileInfo => ({ isDirectory: st.isDirectory(), isFile: st.isFile(), size: st.size });

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
  writeFifoNonblocking(path, data) {
    const fd = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    try { fs.writeSync(fd, data); } finally { fs.closeSync(fd); }
  },

  kill: (pid, signal) => void process.kill(pid, signal),
  sleep: (ms) => void Atomics.wait(sleepCell, 0, 0, ms),
  launch,
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

  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  exit: (code) => process.exit(code),
};

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
            if (o.onLine(line)) return resolve();
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

installHost(nodeHost);
