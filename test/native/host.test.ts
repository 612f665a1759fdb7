// native/host: the QuickJS host of the `rt` executable and its rt:sys module
// (native/host/SYS.md), built with its own Makefile around a test program
// (test/fixtures/host/sys-cases.js) and run case by case.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const QJS = path.join(REPO, "build/quickjs");
const FIXTURE = path.join(REPO, "test/fixtures/host/sys-cases.js");

let work: string;
let exe: string;

interface Run { status: number | null; stdout: string; stderr: string }

function run(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; stdio?: "pipe"[] } = {}): Run {
  const r = spawnSync(exe, args, { encoding: "utf8", timeout: 10_000, ...opts });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs one case and returns the JSON it printed; the case must exit 0. */
function result<T = any>(name: string, ...args: string[]): T {
  const r = run([name, ...args]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as T;
}

function tmp(): string {
  return fs.mkdtempSync(path.join(work, "case-"));
}

/** The shape every failing binding throws: Node's system errors. */
function sysError(code: string, syscall: string, p?: string, text?: string) {
  const where = `${syscall}${p === undefined ? "" : ` '${p}'`}`;
  return expect.objectContaining({
    isError: true,
    code,
    errno: (os.constants.errno as Record<string, number>)[code],
    syscall,
    ...(p === undefined ? {} : { path: p }),
    hasStack: true,
    message: text === undefined ? expect.stringMatching(new RegExp(`^${code}: [a-z][^,]*, ${where.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`)) : `${code}: ${text}, ${where}`,
  });
}

describe("native/host (rt:sys under QuickJS)", () => {
  beforeAll(() => {
    // Idempotent: fetches and builds QuickJS only when build/quickjs lacks it.
    execFileSync(process.execPath, [path.join(REPO, "scripts/quickjs.mjs")], { stdio: "inherit" });
    work = fs.mkdtempSync(path.join(os.tmpdir(), "rt-host-test-"));
    exe = path.join(work, "sys-cases");
    execFileSync("make", ["-s", "-C", path.join(REPO, "native/host"),
      `BUNDLE=${FIXTURE}`, `OUT=${exe}`, `QJS=${QJS}`, `BUILD=${path.join(work, "obj")}`], { stdio: "inherit" });
  }, 300_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("argv: the arguments after the program name", () => {
    expect(result("argv", "a b", "ü", "")).toEqual(["argv", "a b", "ü", ""]);
  });

  it("readFile reads /proc files (size 0) to EOF, and large files whole, as UTF-8", () => {
    const r = result<{ pid: number; stat: string; status: string }>("procStat");
    expect(r.stat.startsWith(`${r.pid} (`)).toBe(true);
    expect(r.stat.endsWith("\n")).toBe(true);
    expect(r.status).toMatch(new RegExp(`^Pid:\\s+${r.pid}$`, "m"));
    expect(r.status).toMatch(/^VmRSS:/m);

    const dir = tmp();
    const big = "0123456789abcdéf€𝄞\n".repeat(20_000); // > 400 KB, multi-byte on read boundaries
    fs.writeFileSync(path.join(dir, "big"), big);
    expect(result("readFile", path.join(dir, "big"))).toBe(big);
    fs.writeFileSync(path.join(dir, "empty"), "");
    expect(result("readFile", path.join(dir, "empty"))).toBe("");
  });

  it("writeFile: w creates and truncates, a appends, wx fails with EEXIST", () => {
    const dir = tmp();
    const p = path.join(dir, "f");
    const r = result("writeFile", dir);
    expect(r.afterCreate).toBe("one\n");
    expect(r.afterAppend).toBe("one\ntwo\n");
    expect(r.afterTruncate).toBe("thrée\n");
    expect(fs.readFileSync(p, "utf8")).toBe("thrée\n");
    expect(fs.statSync(p).mode & 0o777).toBe(0o640 & ~process.umask()); // the mode of the create
    expect(fs.readFileSync(path.join(dir, "new"), "utf8")).toBe("new");
    expect(r.exists).toEqual(sysError("EEXIST", "open", p, "file exists"));
    expect(r.missingDir).toEqual(sysError("ENOENT", "open", path.join(dir, "no/such"), "no such file or directory"));
    expect(r.badHow).toMatchObject({ isTypeError: true });
  });

  it("mkdir, rename, readdir, lstat/stat, realpath, readlink, unlink, rmdir, and their errors", () => {
    const dir = tmp();
    fs.symlinkSync("d/a", path.join(dir, "link"));
    const r = result("tree", dir);
    const d = path.join(dir, "d");
    expect(r.names).toEqual(["a", "c"]);
    expect(r.dirMode).toBe(fs.constants.S_IFDIR | (0o750 & ~process.umask()));
    expect(r.linkLstatMode & fs.constants.S_IFMT).toBe(fs.constants.S_IFLNK);
    expect(r.linkStatMode & fs.constants.S_IFMT).toBe(fs.constants.S_IFREG);
    expect(r.fileStat).toMatchObject({ size: 1, uid: process.getuid!(), gid: process.getgid!() });
    expect(r.fileStat.mode & fs.constants.S_IFMT).toBe(fs.constants.S_IFREG);
    expect(typeof r.fileStat.ino).toBe("number");
    expect(r.fileStat.dev).toBe(fs.statSync(dir).dev);
    expect(r.realpath).toBe(path.join(fs.realpathSync(dir), "d/a"));
    expect(r.readlink).toBe("d/a");
    expect(r.mkdirExists).toEqual(sysError("EEXIST", "mkdir", d, "file exists"));
    expect(r.rmdirNotEmpty).toEqual(sysError("ENOTEMPTY", "rmdir", d, "directory not empty"));
    expect(r.unlinkMissing).toEqual(sysError("ENOENT", "unlink", `${d}/nope`, "no such file or directory"));
    expect(r.unlinkMissing.message).toBe(`ENOENT: no such file or directory, unlink '${d}/nope'`);
    expect(r.renameMissing).toEqual(expect.objectContaining({ code: "ENOENT", syscall: "rename", path: `${d}/nope`, dest: `${d}/x` }));
    expect(r.renameMissing.message).toBe(`ENOENT: no such file or directory, rename '${d}/nope' -> '${d}/x'`);
    expect(r.lstatMissing).toEqual(sysError("ENOENT", "lstat", `${d}/nope`));
    expect(r.readdirFile).toEqual(sysError("ENOTDIR", "open", `${d}/a`, "not a directory"));
    expect(r.realpathMissing).toEqual(sysError("ENOENT", "realpath", `${d}/nope/x`));
    expect(r.readlinkNotLink).toEqual(sysError("EINVAL", "readlink", `${d}/a`, "invalid argument"));
    expect(r.notADir).toEqual(sysError("ENOTDIR", "open", `${d}/a/x`));
    expect(r.gone).toBe("ENOENT");
    expect(fs.readdirSync(dir)).toEqual(["link"]);
  });

  it("open, write (string, bytes from an offset), read to EOF, close; utf8 both ways; argument errors", () => {
    const dir = tmp();
    const r = result("io", dir);
    expect(r.n1).toBe(Buffer.byteLength("héllo €𝄞"));
    expect(r.n2).toBe(6);
    expect(r.text).toBe("héllo €𝄞456789");
    expect(fs.readFileSync(path.join(dir, "io"), "utf8")).toBe("héllo €𝄞456789");
    expect(fs.statSync(path.join(dir, "io")).mode & 0o777).toBe(0o600 & ~process.umask());
    expect(r.eof).toBe(0);
    expect(r.encoded).toEqual([...Buffer.from("é€𝄞")]);
    expect(r.decoded).toBe("é€𝄞");
    expect(r.isUint8Array).toBe(true);
    expect(r.closeBad).toEqual(sysError("EBADF", "close", undefined, "bad file descriptor"));
    expect(r.openMissing).toEqual(sysError("ENOENT", "open", path.join(dir, "none")));
    expect(r.readBad).toEqual(sysError("EBADF", "read"));
    expect(r.typeError).toMatchObject({ isTypeError: true, message: "path must be a string" });
    expect(r.typeError.code).toBeUndefined();
    expect(r.nulInPath).toMatchObject({ isTypeError: true });
  });

  it("read throws EAGAIN as such on an empty non-blocking fd", () => {
    const fifo = path.join(tmp(), "fifo");
    execFileSync("mkfifo", [fifo]);
    expect(result("eagain", fifo)).toEqual(sysError("EAGAIN", "read", undefined, "resource temporarily unavailable"));
  });

  it("socketpair: a connected pair, both ways, EOF once the other end is closed", () => {
    const r = result("socketpair");
    expect(r).toMatchObject({ got: "ping", back: "pong", eof: 0 });
    expect(r.b).toBe(r.a + 1);
  });

  it("spawn maps a socketpair end to fd 3 of the child", () => {
    expect(result("spawnSocket")).toEqual({ text: "hi\n0\n", status: 0 });
  });

  it("spawn maps fds exactly when sources collide with targets (swap, rotation, stdio)", () => {
    const dir = tmp();
    const r = result("spawnCollide", dir);
    expect(r.fds).toEqual([3, 4, 5]); // so the sources really are targets too
    expect(r).toMatchObject({ swap: 0, rotate: 0, stdio: 0 });
    expect(r.x).toBe("to4\nr4\nout\n");
    expect(r.y).toBe("to3\nr5\nerr\n");
    expect(r.z).toBe("r3\n");
  });

  it("spawn: a source that is its own target stays open; an fd not listed is closed", () => {
    const dir = tmp();
    const r = result("spawnSame", dir);
    expect(r).toMatchObject({ a: 3, b: 4, status: 0, text: "same\n" });
  });

  it("spawn closes fds the host inherited without close-on-exec", () => {
    const r = run(["spawnInherited"], { stdio: ["pipe", "pipe", "pipe", "pipe"] });
    expect(r).toEqual({ status: 0, stdout: 'closed\n{"status":0,"fd3":true}\n', stderr: "" });
  });

  it("SIGPIPE: a write to a closed socket throws EPIPE; a spawned child has the default again", () => {
    const r = result("sigpipe");
    const SIGPIPE_BIT = 1n << 12n;
    expect(r.epipe).toEqual(sysError("EPIPE", "write", undefined, "broken pipe"));
    expect(BigInt(`0x${r.ownSigIgn}`) & SIGPIPE_BIT).toBe(SIGPIPE_BIT);
    expect(BigInt(`0x${r.childSigIgn}`) & SIGPIPE_BIT).toBe(0n);
  });

  it("spawn passes exactly the environment given", () => {
    expect(result("spawnEnv")).toEqual({ text: "A=1\nB=two words\n", status: 0 });
  });

  it("spawn errors: a missing program, a bad fd, a non-string argument", () => {
    const r = result("spawnErrors");
    expect(r.missing).toEqual(sysError("ENOENT", "spawn", "/no/such/program", "no such file or directory"));
    expect(r.badFd).toMatchObject({ code: "EBADF" });
    expect(r.badArgv).toMatchObject({ isTypeError: true });
  });

  it("waitpid statuses (exit code, signal), WNOHANG with nothing to reap, kill, ECHILD, ESRCH", () => {
    const r = result("wait");
    expect(r.exit3).toBe(3 << 8);
    expect(r.term & 0x7f).toBe(15);
    expect(r.running).toEqual([0, 0]);
    expect(r.pidMatches).toBe(true);
    expect(r.killed & 0x7f).toBe(9);
    expect(r.noChild).toEqual(sysError("ECHILD", "waitpid", undefined, "no child processes"));
    expect(r.killSelf0).toBeNull();
    expect(r.killGone).toEqual(sysError("ESRCH", "kill", undefined, "no such process"));
  });

  it("getenv, getcwd, getuid, geteuid", () => {
    const cwd = tmp();
    const r = run(["env"], { env: { RT_HOST_TEST_FOO: "bar baz" }, cwd });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ foo: "bar baz", cwd: fs.realpathSync(cwd), uid: process.getuid!(), euid: process.geteuid!() });
  });

  it("constants are Linux's, signals by name as Node has them", () => {
    const r = result("constants");
    const c = fs.constants;
    expect(r).toMatchObject({
      O_RDONLY: c.O_RDONLY, O_WRONLY: c.O_WRONLY, O_RDWR: c.O_RDWR, O_CREAT: c.O_CREAT, O_EXCL: c.O_EXCL,
      O_TRUNC: c.O_TRUNC, O_APPEND: c.O_APPEND, O_NONBLOCK: c.O_NONBLOCK, O_DIRECTORY: c.O_DIRECTORY,
      O_NOFOLLOW: c.O_NOFOLLOW, S_IFMT: c.S_IFMT, S_IFDIR: c.S_IFDIR, S_IFREG: c.S_IFREG, S_IFIFO: c.S_IFIFO,
      S_IFLNK: c.S_IFLNK, WNOHANG: 1, SIGCHLD: 17,
    });
    expect(r.signals).toEqual(os.constants.signals);
  });

  it("sleep sleeps", () => {
    expect(result<number>("sleep")).toBeGreaterThanOrEqual(60);
  });

  it("exit ends the process at once with the code, timers pending or not", () => {
    expect(run(["exit", "42"])).toEqual({ status: 42, stdout: "bye\n", stderr: "" });
    expect(run(["exit", "0"])).toEqual({ status: 0, stdout: "bye\n", stderr: "" });
  });

  it("runs the event loop (read handlers, timers) and exits 0 when nothing is left", () => {
    expect(run(["loop"])).toEqual({ status: 0, stdout: '["data","timer"]\n', stderr: "" });
  });

  it("an uncaught exception: 'rt: internal error: ' with the stack on stderr, exit 1", () => {
    const r = run(["throw"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^rt: internal error: Error: boom\n {4}at deep\n/);
    expect(run(["throwString"])).toEqual({ status: 1, stdout: "", stderr: "rt: internal error: plain\n" });
    expect(run(["nonexistent-case"])).toMatchObject({ status: 1, stderr: expect.stringMatching(/^rt: internal error: Error: no case nonexistent-case\n/) });
  });

  it("an unhandled rejection ends it the same way; one handled later in the same turn does not", () => {
    const r = run(["reject"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^rt: internal error: Error: async boom\n {4}at /);
    expect(run(["rejectHandledLate"])).toEqual({ status: 0, stdout: '"handled"\n', stderr: "" });
  });

  it("an exception in an event-loop callback ends it too (QuickJS would print it and go on)", () => {
    const r = run(["throwInTimer"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^rt: internal error: Error: timer boom\n/);
  });
});
