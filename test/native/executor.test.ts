// native/rt-exec, driven directly with hand-written plans (native/PLAN.md):
// real namespaces, mounts, pivot_root and process attributes on a throw-away
// rootfs, read back from inside with the static probe. Runs as root.
//
// Every plan makes the root mount private (MAKE_ROOT_PRIVATE) before any
// mount, in a new mount namespace: nothing here can reach the host's mounts.
import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { encodePlan, Op, parseReport, type Plan, type PlanOp, type Report } from "../../src/process/wire.ts";
import { ACC, ACC_ALL, ANY, emulate, type DeviceRule } from "../../src/cgroups/device-rules.ts";
import { deviceFilterProgram } from "../../src/cgroups/device-filter.ts";
import { unifiedMount } from "../helpers.ts";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const EXEC = path.join(REPO, "native/build/rt-exec");
const PROBE = path.join(REPO, "native/build/probe");

const MS = { RDONLY: 1, NOSUID: 2, NODEV: 4, NOEXEC: 8, REMOUNT: 32, BIND: 4096, REC: 16384, PRIVATE: 1 << 18 };
const CLONE_NEW = { ns: 0x20000, cgroup: 0x02000000, uts: 0x04000000, ipc: 0x08000000, user: 0x10000000, pid: 0x20000000, net: 0x40000000 };
const ALL_BUT_USER = CLONE_NEW.ns | CLONE_NEW.pid | CLONE_NEW.uts | CLONE_NEW.ipc | CLONE_NEW.net;
const RLIMIT_NOFILE = 7;
const ENOENT = 2, EACCES = 13, EINVAL = 22;

const isRoot = process.getuid?.() === 0;

const op = (o: Op, ...args: (string | number | bigint)[]): PlanOp => ({ op: o, args, field: Op[o] });

/** A throw-away rootfs: /bin/probe plus the usual empty mount points. */
function makeRootfs(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "rt-exec-rootfs-"));
  fs.chmodSync(root, 0o755); // user-namespace tests: mapped root must traverse it
  for (const d of ["bin", "proc", "dev", "sys", "tmp", "etc"]) fs.mkdirSync(path.join(root, d));
  fs.chmodSync(path.join(root, "tmp"), 0o1777);
  fs.copyFileSync(PROBE, path.join(root, "bin/probe"));
  fs.chmodSync(path.join(root, "bin/probe"), 0o755);
  return root;
}

interface Options {
  mode?: "wait" | "detach";
  clone?: number;
  /** Ops right after CLONE, before the root is made private (userns: SETGID 0, SETUID 0). */
  start?: Plan;
  /** Ops before CLONE (after MODE). */
  pre?: Plan;
  /** Ops between the proc mount and PIVOT_ROOT. */
  mounts?: Plan;
  /** Ops after PIVOT_ROOT, before ENV/ARGS. */
  post?: Plan;
  env?: string[];
  args: string[];
  closeFrom?: number;
}

/** The usual container: private root, rootfs bound, proc, pivot, then the process. */
function containerPlan(rootfs: string, o: Options): Plan {
  return [
    op(Op.MODE, o.mode ?? "wait"),
    ...(o.pre ?? []),
    op(Op.CLONE, o.clone ?? ALL_BUT_USER),
    ...(o.start ?? []),
    op(Op.MAKE_ROOT_PRIVATE, MS.REC | MS.PRIVATE),
    op(Op.BIND_ROOTFS, rootfs),
    op(Op.MOUNT, "proc", "/proc", "proc", MS.NOSUID | MS.NODEV | MS.NOEXEC, "", "", rootfs),
    ...(o.mounts ?? []),
    op(Op.PIVOT_ROOT, rootfs),
    ...(o.post ?? []),
    ...(o.env ?? ["PATH=/bin"]).map((e) => op(Op.ENV, e)),
    op(Op.ARGS, ...o.args),
    op(Op.CLOSE_FDS, o.closeFrom ?? 3),
    op(Op.WAIT_START),
    op(Op.EXEC),
  ];
}

/** One rt-exec process: the plan goes in on the sync socket, reports come back. */
class Executor {
  readonly child: ChildProcess;
  readonly reports: Report[] = [];
  stdout = "";
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private sock: Socket;
  private waiters: (() => void)[] = [];
  private pending = "";
  private sockClosed = false;

  constructor(plan: Plan | Uint8Array, opts: { syncIndex?: number; stdio?: StdioOptions } = {}) {
    const syncIndex = opts.syncIndex ?? 3;
    const stdio = (opts.stdio ?? ["ignore", "pipe", "pipe", "pipe"]) as unknown[];
    this.child = spawn(EXEC, [String(syncIndex)], { stdio: stdio as StdioOptions, env: {} });
    live.add(this);
    this.child.stdout?.on("data", (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr?.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.child.on("exit", (code, signal) => resolve({ code, signal })));
    this.exited.then(() => live.delete(this));
    this.sock = this.child.stdio[syncIndex] as unknown as Socket;
    this.sock.on("data", (d: Buffer) => {
      this.pending += d.toString();
      let nl: number;
      while ((nl = this.pending.indexOf("\n")) >= 0) {
        const r = parseReport(this.pending.slice(0, nl));
        if (r.kind === "PID") inits.add(r.pid);
        this.reports.push(r);
        this.pending = this.pending.slice(nl + 1);
      }
      this.wake();
    });
    this.sock.on("close", () => ((this.sockClosed = true), this.wake()));
    this.sock.on("error", () => {});
    if (plan instanceof Uint8Array) this.sock.write(plan);
    else this.sock.write(encodePlan(plan));
  }

  private wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves with the first report of that kind (or any ERROR), after timeoutMs fails. */
  async next(kind: Report["kind"], timeoutMs = 15_000): Promise<Report> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const r = this.reports.find((x) => x.kind === kind || x.kind === "ERROR");
      if (r) return r;
      if (this.sockClosed) throw new Error(`socket closed before ${kind}; reports ${JSON.stringify(this.reports)} stderr ${this.stderr}`);
      if (Date.now() > end) throw new Error(`timed out waiting for ${kind}; reports ${JSON.stringify(this.reports)}`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, 50);
        this.waiters.push(() => (clearTimeout(t), res()));
      });
    }
  }

  get pid(): number {
    const r = this.reports.find((x) => x.kind === "PID");
    if (!r || r.kind !== "PID") throw new Error("no PID report");
    return r.pid;
  }

  /** Waits for the executor to exit and for stdout/stderr to drain. */
  async finish(timeoutMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const t = setTimeout(() => this.kill(), timeoutMs);
    const r = await this.exited;
    await Promise.all([this.child.stdout, this.child.stderr].map((s) => (s && !s.readableEnded ? new Promise((res) => s.once("close", res)) : null)));
    clearTimeout(t);
    return r;
  }

  closeSocket() {
    this.sock.destroy();
  }

  /** Writes to the executor on the sync socket (HOOK_PAUSE's go-ahead). */
  send(data: string) {
    this.sock.write(data);
  }

  kill() {
    const pid = this.reports.find((x) => x.kind === "PID") as { pid: number } | undefined;
    if (pid) tryKill(pid.pid, "SIGKILL");
    this.child.kill("SIGKILL");
  }
}

const live = new Set<Executor>();
/** Every container init seen, so a failed test leaves none behind (detached ones included). */
const inits = new Set<number>();
const rootfses: string[] = [];

function tryKill(pid: number, sig: NodeJS.Signals) {
  try {
    process.kill(pid, sig);
  } catch { /* gone */ }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0): look at its state.
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

async function until(cond: () => boolean, what: string, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function rootfs(): string {
  const r = makeRootfs();
  rootfses.push(r);
  return r;
}

/** Runs a plan in mode wait to the end; returns reports, output and exit. */
async function run(plan: Plan, opts?: ConstructorParameters<typeof Executor>[1]) {
  const ex = new Executor(plan, opts);
  const exit = await ex.finish();
  return { ex, exit, reports: ex.reports, stdout: ex.stdout, stderr: ex.stderr };
}

const kinds = (rs: Report[]) => rs.map((r) => r.kind);

describe.skipIf(!isRoot)("rt-exec", () => {
  let hostNs: Record<string, string>;
  beforeAll(() => {
    for (const f of [EXEC, PROBE]) if (!fs.existsSync(f)) throw new Error(`${f} is missing: run make -C native`);
    hostNs = Object.fromEntries(fs.readdirSync("/proc/self/ns").map((n) => [n, fs.readlinkSync(`/proc/self/ns/${n}`)]));
  });
  afterEach(() => {
    for (const ex of live) ex.kill();
    for (const pid of inits) {
      // Only if the pid is still one of ours (the executor's memfd, or the probe).
      let comm = "";
      try {
        comm = fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
      } catch { /* gone */ }
      if (comm === "memfd:rt-exec" || comm === "probe") tryKill(pid, "SIGKILL");
    }
    inits.clear();
  });
  afterAll(() => {
    for (const r of rootfses) fs.rmSync(r, { recursive: true, force: true });
  });

  it("runs a container in new namespaces with proc, pivot_root and the process attributes of the plan", async () => {
    const root = rootfs();
    const plan = containerPlan(root, {
      clone: ALL_BUT_USER,
      mounts: [op(Op.MOUNT, "tmpfs", "/tmp", "tmpfs", MS.NOSUID | MS.NODEV, "mode=1777,size=1m", "", root)],
      post: [
        op(Op.RLIMIT, RLIMIT_NOFILE, 1000, 2000),
        op(Op.UMASK, 0o027),
        op(Op.SETGROUPS_IDS, 10, 20),
        op(Op.SETGID, 1234),
        op(Op.SETUID, 4321),
        op(Op.NO_NEW_PRIVS),
        op(Op.CHDIR, "/tmp"),
      ],
      env: ["PATH=/bin", "FOO=bar baz"],
      args: ["probe", "report"],
    });
    // The UTS names and oom_score_adj come first in the init, right after CLONE.
    const at = plan.findIndex((p) => p.op === Op.CLONE) + 1;
    plan.splice(at, 0, op(Op.SETHOSTNAME, "rt-test-host"), op(Op.SETDOMAINNAME, "rt-test-domain"), op(Op.OOM_SCORE_ADJ, 123));

    // fd 4 is an inherited fd that is not preserved: CLOSE_FDS 3 must close it.
    const { reports, stdout, stderr, exit } = await run(plan, { stdio: ["ignore", "pipe", "pipe", "pipe", "pipe"] });
    expect(kinds(reports), stderr).toEqual(["PID", "READY", "EXIT"]);
    expect(reports[2]).toEqual({ kind: "EXIT", status: 0 });
    expect(exit.code).toBe(0);
    const r = JSON.parse(stdout);
    expect(r.hostname).toBe("rt-test-host");
    expect(r.domainname).toBe("rt-test-domain");
    expect(r.pid).toBe(1);
    expect(r.ppid).toBe(0);
    for (const ns of ["pid", "mnt", "uts", "ipc", "net"]) expect(r.ns[ns], ns).not.toBe(hostNs[ns]);
    expect(r.ns.user).toBe(hostNs.user);
    expect([r.uid, r.euid, r.gid, r.egid]).toEqual([4321, 4321, 1234, 1234]);
    expect(r.groups).toEqual([10, 20]);
    expect(r.rlimits.RLIMIT_NOFILE).toEqual([1000, 2000]);
    expect(r.umask).toBe(0o027);
    expect(r.cwd).toBe("/tmp");
    expect(r.env).toEqual(["PATH=/bin", "FOO=bar baz"]);
    expect(r.no_new_privs).toBe(1);
    expect(r.oom_score_adj).toBe(123);
    expect(r.exe).toBe("/bin/probe");
    expect(r.fds).toEqual([0, 1, 2]);
    // Its own /proc and the tmpfs, at the paths inside the new root.
    const mounts = (r.mountinfo as string).trim().split("\n").map((l) => l.split(" "));
    const fstype = (p: string) => mounts.filter((m) => m[4] === p).map((m) => m[m.indexOf("-") + 1]).at(-1);
    expect(fstype("/proc")).toBe("proc");
    expect(fstype("/tmp")).toBe("tmpfs");
    // The host's mounts are gone after pivot_root: only "/" and what the plan mounted.
    expect(mounts.map((m) => m[4]).sort()).toEqual(["/", "/proc", "/tmp"]);
  });

  it("keeps preserved fds 3..first-1 and closes every other inherited fd", async () => {
    const root = rootfs();
    // fd 3: preserved; fd 4: the sync socket; fd 5: inherited, not preserved.
    const plan = containerPlan(root, { args: ["/bin/probe", "ls-fds"], closeFrom: 4 });
    const { reports, stdout, stderr } = await run(plan, { syncIndex: 4, stdio: ["ignore", "pipe", "pipe", "pipe", "pipe", "pipe"] });
    expect(kinds(reports), stderr).toEqual(["PID", "READY", "EXIT"]);
    expect(JSON.parse(stdout)).toEqual([0, 1, 2, 3]);
  });

  it("reports ERROR at the MOUNT op for a missing target without create, and leaves no child", async () => {
    const root = rootfs();
    const plan = containerPlan(root, {
      mounts: [op(Op.MOUNT, "tmpfs", "/no/such/dir", "tmpfs", 0, "", "", root)],
      args: ["/bin/probe", "true"],
    });
    const idx = plan.findIndex((p) => p.op === Op.MOUNT && p.args[1] === "/no/such/dir");
    const { reports, exit } = await run(plan);
    expect(kinds(reports)).toEqual(["PID", "ERROR"]);
    const e = reports[1] as Extract<Report, { kind: "ERROR" }>;
    expect(e.op).toBe(idx);
    expect(e.errno).toBe(ENOENT);
    expect(e.message).toContain("/no/such/dir");
    expect(e.message).toContain("No such file or directory");
    expect(exit.code).toBe(1);
    expect(alive((reports[0] as { pid: number }).pid)).toBe(false);
  });

  it("creates a missing mount target with create=dir", async () => {
    const root = rootfs();
    const plan = containerPlan(root, {
      mounts: [op(Op.MOUNT, "made", "/a/b/c", "tmpfs", 0, "size=1m", "dir", root)],
      args: ["/bin/probe", "report"],
    });
    const { reports, stdout, stderr } = await run(plan);
    expect(kinds(reports), stderr).toEqual(["PID", "READY", "EXIT"]);
    expect(JSON.parse(stdout).mountinfo).toMatch(/ \/a\/b\/c .* - tmpfs made /);
    expect(fs.statSync(path.join(root, "a/b/c")).mode & 0o777).toBe(0o755);
  });

  it("bind-mounts a host file onto a created file target, source opened first", async () => {
    const root = rootfs();
    const src = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "rt-exec-src-")), "hello.txt");
    fs.writeFileSync(src, "hello from the host\n");
    const plan = containerPlan(root, {
      mounts: [
        op(Op.MOUNT, src, "/etc/hello", "", MS.BIND, "", "file", root),
        op(Op.MOUNT, "", "/etc/hello", "", MS.REMOUNT | MS.BIND | MS.RDONLY, "", "", root),
      ],
      args: ["/bin/probe", "cat", "/etc/hello"],
    });
    const { reports, stdout, stderr } = await run(plan);
    expect(kinds(reports), stderr).toEqual(["PID", "READY", "EXIT"]);
    expect(stdout).toBe("hello from the host\n");
    fs.rmSync(path.dirname(src), { recursive: true, force: true });
  });

  it("reports ERROR at WAIT_START for a program that is missing or not executable", async () => {
    const root = rootfs();
    fs.writeFileSync(path.join(root, "bin/notexec"), "#!/bin/probe\n", { mode: 0o644 });
    for (const [args, errno] of [[["no-such-program"], ENOENT], [["/bin/nope"], ENOENT], [["notexec"], EACCES], [["/bin/notexec"], EACCES]] as const) {
      const plan = containerPlan(root, { args: [...args] });
      const idx = plan.findIndex((p) => p.op === Op.WAIT_START);
      const { reports, exit } = await run(plan);
      expect(kinds(reports), args[0]).toEqual(["PID", "ERROR"]);
      const e = reports[1] as Extract<Report, { kind: "ERROR" }>;
      expect([e.op, e.errno], e.message).toEqual([idx, errno]);
      expect(e.message).toContain(args[0]);
      expect(exit.code).toBe(1);
    }
  });

  it("keeps a mount target that is a symlink out of the host: it resolves inside the rootfs", async () => {
    const root = rootfs();
    const marker = `rt-escape-${process.pid}-${Date.now()}`;
    fs.symlinkSync("/../../etc", path.join(root, "escape-abs"));
    fs.mkdirSync(path.join(root, "var"));
    fs.symlinkSync("../../../../../../var", path.join(root, "escape-rel"));
    const plan = containerPlan(root, {
      mounts: [
        op(Op.MOUNT, "escapetest", "/escape-abs", "tmpfs", 0, "size=1m", "dir", root),
        // Creating through the symlink must create inside the rootfs, not in the host's /etc.
        op(Op.MOUNT, "escapetest2", `/escape-rel/${marker}/sub`, "tmpfs", 0, "size=1m", "dir", root),
      ],
      args: ["/bin/probe", "report"],
    });
    const { reports, stdout, stderr } = await run(plan);
    expect(kinds(reports), stderr).toEqual(["PID", "READY", "EXIT"]);
    expect(fs.existsSync(`/var/${marker}`)).toBe(false);
    expect(fs.existsSync(path.join(root, "var", marker, "sub"))).toBe(true);
    // Inside, the tmpfs sits on the rootfs's /etc (it would be missing had it gone to the host's).
    const mi = JSON.parse(stdout).mountinfo as string;
    expect(mi).toMatch(/ \/etc .* - tmpfs escapetest /);
    expect(mi).toMatch(new RegExp(` /var/${marker}/sub .* - tmpfs escapetest2 `));
  });

  it("runs from a sealed memfd: /proc/<pid>/exe of the waiting init cannot be written", async () => {
    const root = rootfs();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rt-exec-fifo-"));
    const fifo = path.join(dir, "exec.fifo");
    const ex = new Executor(containerPlan(root, { pre: [op(Op.OPEN_FIFO, fifo)], args: ["/bin/probe", "true"] }));
    expect((await ex.next("READY")).kind).toBe("READY");
    for (const pid of [ex.pid, ex.child.pid!]) {
      expect(fs.readlinkSync(`/proc/${pid}/exe`)).toMatch(/^\/memfd:rt-exec/);
      expect(() => fs.openSync(`/proc/${pid}/exe`, "r+")).toThrow();
      expect(() => fs.openSync(`/proc/${pid}/exe`, fs.constants.O_WRONLY)).toThrow();
    }
    // The CVE-2019-5736 move: hold the exe open, let the process go, then write through it.
    const held = fs.openSync(`/proc/${ex.pid}/exe`, "r");
    const before = fs.readFileSync(EXEC);
    fs.writeFileSync(fifo, "x");
    await ex.next("EXIT");
    expect(ex.reports.at(-1)).toEqual({ kind: "EXIT", status: 0 });
    expect(() => {
      const w = fs.openSync(`/proc/self/fd/${held}`, "r+");
      try {
        fs.writeSync(w, "overwritten");
      } finally {
        fs.closeSync(w);
      }
    }).toThrow(/EPERM|ETXTBSY|EACCES/);
    fs.closeSync(held);
    expect(fs.readFileSync(EXEC).equals(before)).toBe(true);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("mode wait reports EXIT with the exit code, or 128+signal", async () => {
    const root = rootfs();
    const { reports, exit } = await run(containerPlan(root, { args: ["/bin/probe", "exit", "7"] }));
    expect(kinds(reports)).toEqual(["PID", "READY", "EXIT"]);
    expect(reports[2]).toEqual({ kind: "EXIT", status: 7 });
    expect(exit.code).toBe(7);

    // rt stops listening after READY (src/process/executor.ts): EXIT then meets a
    // closed socket, and the executor must still exit with the status.
    const quiet = new Executor(containerPlan(root, { args: ["/bin/probe", "exit", "5"] }));
    await quiet.next("READY");
    quiet.closeSocket();
    expect(await quiet.finish()).toEqual({ code: 5, signal: null });

    const ex = new Executor(containerPlan(root, { args: ["/bin/probe", "sleep", "30"] }));
    await ex.next("READY");
    process.kill(ex.pid, "SIGKILL");
    expect(await ex.next("EXIT")).toEqual({ kind: "EXIT", status: 137 });
    expect((await ex.finish()).code).toBe(137);
  });

  it("blocks the init on the exec fifo until a byte arrives, then runs the program", async () => {
    const root = rootfs();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rt-exec-fifo-"));
    const fifo = path.join(dir, "exec.fifo");
    const started = path.join(root, "tmp/started");
    const ex = new Executor(containerPlan(root, { pre: [op(Op.OPEN_FIFO, fifo)], args: ["/bin/probe", "write", "/tmp/started", "yes"] }));
    await ex.next("READY");
    expect(fs.statSync(fifo).isFIFO()).toBe(true);
    // While it waits, the init holds its stdio and the fifo, nothing of the host
    // (no /proc, no sync socket, no pipes to the executor).
    // The init closes its report pipe right after reporting, so READY can reach
    // us a moment before that close: poll briefly rather than race it.
    const heldFds = () => fs.readdirSync(`/proc/${ex.pid}/fd`).map(Number).filter((fd) => fd > 2).map((fd) => fs.readlinkSync(`/proc/${ex.pid}/fd/${fd}`));
    for (let i = 0; i < 200 && heldFds().length !== 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(heldFds()).toEqual([fifo]);
    await new Promise((r) => setTimeout(r, 300));
    expect(fs.existsSync(started)).toBe(false);
    expect(alive(ex.pid)).toBe(true);
    fs.writeFileSync(fifo, "x");
    expect(await ex.next("EXIT")).toEqual({ kind: "EXIT", status: 0 });
    expect(fs.readFileSync(started, "utf8")).toBe("yes");
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a created (waiting) init ends on SIGTERM with 128+15", async () => {
    const root = rootfs();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rt-exec-fifo-"));
    const ex = new Executor(containerPlan(root, { pre: [op(Op.OPEN_FIFO, path.join(dir, "f"))], args: ["/bin/probe", "true"] }));
    await ex.next("READY");
    process.kill(ex.pid, "SIGTERM");
    expect(await ex.next("EXIT")).toEqual({ kind: "EXIT", status: 143 });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("mode detach exits 0 after READY and leaves the init waiting for start", async () => {
    const root = rootfs();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rt-exec-fifo-"));
    const fifo = path.join(dir, "exec.fifo");
    const ex = new Executor(containerPlan(root, { mode: "detach", pre: [op(Op.OPEN_FIFO, fifo)], args: ["/bin/probe", "write", "/tmp/ran", "ok"] }), {
      stdio: ["ignore", "ignore", "ignore", "pipe"],
    });
    await ex.next("READY");
    expect((await ex.finish()).code).toBe(0);
    const pid = ex.pid;
    expect(alive(pid)).toBe(true);
    fs.writeFileSync(fifo, "x");
    await until(() => fs.existsSync(path.join(root, "tmp/ran")), "the detached init to run");
    await until(() => !alive(pid), "the detached init to exit");
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("makes device nodes and /dev symlinks, masks and read-only paths after pivot_root", async () => {
    const root = rootfs();
    fs.mkdirSync(path.join(root, "masked"));
    fs.writeFileSync(path.join(root, "masked/secret"), "s");
    fs.writeFileSync(path.join(root, "dev/null"), "a regular file the image shipped");
    const plan = containerPlan(root, {
      post: [
        op(Op.MKNOD, "/dev/null", "c", 1, 3, 0o666, 0, 0),
        op(Op.MKNOD, "/dev/sub/zero", "c", 1, 5, 0o640, 12, 34),
        op(Op.SYMLINK, "/proc/self/fd", "/dev/fd"),
        op(Op.SYMLINK, "/proc/self/fd", "/dev/fd"), // EEXIST is fine
        op(Op.MASK, "/masked"),
        op(Op.MASK, "/proc/keys"),
        op(Op.MASK, "/does/not/exist"),
        op(Op.READONLY, "/proc/sys"),
        op(Op.READONLY, "/does/not/exist"),
        op(Op.REMOUNT_RO, "/"),
      ],
      args: ["/bin/probe", "report"],
    });
    const { reports, stdout, stderr } = await run(plan);
    expect(kinds(reports), stderr).toEqual(["PID", "READY", "EXIT"]);
    const nul = fs.statSync(path.join(root, "dev/null"));
    expect(nul.isCharacterDevice()).toBe(true);
    expect([nul.rdev, nul.mode & 0o7777]).toEqual([(1 << 8) | 3, 0o666]);
    const zero = fs.statSync(path.join(root, "dev/sub/zero"));
    expect([zero.isCharacterDevice(), zero.mode & 0o7777, zero.uid, zero.gid]).toEqual([true, 0o640, 12, 34]);
    expect(fs.readlinkSync(path.join(root, "dev/fd"))).toBe("/proc/self/fd");
    const mounts = (JSON.parse(stdout).mountinfo as string).trim().split("\n").map((l) => l.split(" "));
    const opts = (p: string) => mounts.filter((m) => m[4] === p).at(-1)?.[5].split(",");
    expect(opts("/")).toContain("ro");
    expect(opts("/masked")).toContain("ro");
    expect(opts("/proc/sys")).toEqual(expect.arrayContaining(["ro", "nosuid", "nodev", "noexec"]));
    expect(opts("/proc/keys")).toBeTruthy();
  });

  it("MOVE_ROOT instead of pivot_root, PROPAGATE on a mount, SYSCTL in the new net namespace", async () => {
    const root = rootfs();
    const plan = containerPlan(root, {
      mounts: [
        op(Op.MOUNT, "shared-tmp", "/tmp", "tmpfs", 0, "size=1m", "", root),
        op(Op.PROPAGATE, "/tmp", MS.REC | (1 << 20) /* MS_SHARED */, root),
      ],
      post: [op(Op.SYSCTL, "net.ipv4.ip_forward", "1")],
      args: ["/bin/probe", "report"],
    });
    plan.splice(plan.findIndex((p) => p.op === Op.PIVOT_ROOT), 1, op(Op.MOVE_ROOT, root));
    const { reports, stdout, stderr } = await run(plan);
    expect(kinds(reports), stderr).toEqual(["PID", "READY", "EXIT"]);
    const r = JSON.parse(stdout);
    expect(r.mountinfo).toMatch(/ \/tmp [^\n]* shared:\d+ [^\n]*- tmpfs shared-tmp /);
    const hostFwd = fs.readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8");
    const { stdout: fwd } = await run(containerPlan(root, { post: [op(Op.SYSCTL, "net.ipv4.ip_forward", "1")], args: ["/bin/probe", "cat", "/proc/sys/net/ipv4/ip_forward"] }));
    expect(fwd).toBe("1\n");
    expect(fs.readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8")).toBe(hostFwd); // the host's own net namespace untouched
  });

  it("gives the init a pty from its own devpts and sends the master to the console socket", async () => {
    const root = rootfs();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rt-exec-console-"));
    const sock = path.join(dir, "console.sock");
    const server = spawn(PROBE, ["console-server", sock], { stdio: ["ignore", "pipe", "inherit"] });
    let console = "";
    server.stdout!.on("data", (d: Buffer) => (console += d.toString()));
    const serverDone = new Promise((r) => server.on("close", r));
    try {
      await until(() => fs.existsSync(sock), "the console socket");
      const plan = containerPlan(root, {
        pre: [op(Op.CONSOLE, sock)],
        mounts: [op(Op.MOUNT, "devpts", "/dev/pts", "devpts", MS.NOSUID | MS.NOEXEC, "newinstance,ptmxmode=0666,mode=0620", "dir", root)],
        post: [op(Op.SYMLINK, "pts/ptmx", "/dev/ptmx"), op(Op.CONSOLE_SETUP, 1234)],
        args: ["/bin/probe", "report"],
      });
      const { reports, stdout, stderr } = await run(plan);
      expect(kinds(reports), stderr).toEqual(["PID", "READY", "EXIT"]);
      expect(stdout).toBe(""); // it all went to the terminal
      await serverDone;
      expect(console).toMatch(/^PTY \/dev\/pts\/0\n/);
      const r = JSON.parse(console.slice(console.indexOf("{")));
      expect(r.stdin_isatty).toBe(true);
      expect(r.stdin_uid).toBe(1234); // the terminal is handed to the process's user
    } finally {
      server.kill("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("maps ids into a new user namespace before the init goes on", async () => {
    const root = rootfs();
    const plan = containerPlan(root, {
      clone: ALL_BUT_USER | CLONE_NEW.user,
      pre: [op(Op.UID_MAP, "0 100000 65536\n"), op(Op.SETGROUPS, "deny"), op(Op.GID_MAP, "0 200000 65536\n")],
      // The init keeps the host ids it was cloned with until it sets the mapped ones.
      post: [op(Op.SETGID, 0), op(Op.SETUID, 0)],
      args: ["/bin/probe", "report"],
    });
    const { reports, stdout, stderr } = await run(plan);
    expect(kinds(reports), stderr).toEqual(["PID", "READY", "EXIT"]);
    const r = JSON.parse(stdout);
    expect([r.uid, r.gid]).toEqual([0, 0]);
    expect(r.ns.user).not.toBe(hostNs.user);
    expect(r.pid).toBe(1);
  });

  it("reports ERROR at the UID_MAP op for a map the kernel refuses", async () => {
    const root = rootfs();
    const plan = containerPlan(root, {
      clone: ALL_BUT_USER | CLONE_NEW.user,
      pre: [op(Op.UID_MAP, "0 100000 65536\n0 100000 65536\n")],
      args: ["/bin/probe", "true"],
    });
    const { reports, exit } = await run(plan);
    expect(kinds(reports)).toEqual(["ERROR"]);
    expect(reports[0]).toMatchObject({ kind: "ERROR", op: 1, errno: EINVAL });
    expect((reports[0] as { message: string }).message).toContain("uid_map");
    expect(exit.code).toBe(1);
  });

  describe("CAPS and KEEP_CAPS", () => {
    const CAP = { CHOWN: 0, KILL: 5, SETPCAP: 8, NET_BIND_SERVICE: 10, NET_RAW: 13, SYS_ADMIN: 21, MKNOD: 27, AUDIT_WRITE: 29, BPF: 39, CHECKPOINT_RESTORE: 40 };
    const EPERM = 1;
    const mask = (...caps: number[]) => caps.reduce((m, c) => m | (1n << BigInt(c)), 0n);
    /** The Cap* lines of /proc/self/status as bigints. */
    const capsOf = (status: string) => Object.fromEntries([...status.matchAll(/^Cap(Inh|Prm|Eff|Bnd|Amb):\t([0-9a-f]{16})$/gm)].map((m) => [m[1], BigInt(`0x${m[2]}`)]));
    const caps = (b: bigint, e: bigint, p: bigint, i: bigint, a: bigint) => op(Op.CAPS, b, e, p, i, a);

    it("sets the five sets exactly for root, bits above 31 included", async () => {
      const root = rootfs();
      const b = mask(CAP.CHOWN, CAP.KILL, CAP.SETPCAP, CAP.NET_RAW, CAP.SYS_ADMIN, CAP.BPF, CAP.CHECKPOINT_RESTORE);
      const plan = containerPlan(root, {
        post: [op(Op.SETGROUPS_IDS), op(Op.SETGID, 0), op(Op.SETUID, 0),
          caps(b, mask(CAP.KILL, CAP.BPF), mask(CAP.KILL, CAP.NET_RAW, CAP.BPF), mask(CAP.NET_RAW, CAP.CHECKPOINT_RESTORE), mask(CAP.NET_RAW))],
        args: ["/bin/probe", "report"],
      });
      const { reports, stdout, stderr } = await run(plan);
      expect(kinds(reports), stderr).toEqual(["PID", "READY", "EXIT"]);
      // Bounding, inheritable and ambient pass execve as set; permitted and
      // effective are the kernel's to recompute: for root (no SECBIT_NOROOT)
      // execve grants the whole bounding set, whatever was set before it.
      expect(capsOf(JSON.parse(stdout).status)).toEqual({ Bnd: b, Inh: mask(CAP.NET_RAW, CAP.CHECKPOINT_RESTORE), Amb: mask(CAP.NET_RAW), Prm: b, Eff: b });
    });

    it("KEEP_CAPS keeps a non-root user's permitted set across SETUID; the ambient set CAPS gives it survives execve", async () => {
      const root = rootfs();
      const a = mask(CAP.KILL, CAP.NET_BIND_SERVICE);
      const plan = containerPlan(root, {
        post: [op(Op.KEEP_CAPS, 1), op(Op.SETGROUPS_IDS), op(Op.SETGID, 1000), op(Op.SETUID, 1000),
          caps(mask(CAP.KILL, CAP.NET_BIND_SERVICE, CAP.SYS_ADMIN), a, a, a, a)],
        args: ["/bin/probe", "report"],
      });
      const { reports, stdout, stderr } = await run(plan);
      expect(kinds(reports), stderr).toEqual(["PID", "READY", "EXIT"]);
      const r = JSON.parse(stdout);
      expect([r.uid, r.euid]).toEqual([1000, 1000]);
      expect(capsOf(r.status)).toEqual({ Bnd: mask(CAP.KILL, CAP.NET_BIND_SERVICE, CAP.SYS_ADMIN), Inh: a, Prm: a, Eff: a, Amb: a });
    });

    it("without KEEP_CAPS a non-root user has nothing left to give: ERROR at CAPS names the capability", async () => {
      const root = rootfs();
      const a = mask(CAP.KILL);
      const plan = containerPlan(root, {
        post: [op(Op.SETGROUPS_IDS), op(Op.SETGID, 1000), op(Op.SETUID, 1000), caps(a, a, a, 0n, 0n)],
        args: ["/bin/probe", "true"],
      });
      const idx = plan.findIndex((p) => p.op === Op.CAPS);
      const { reports, exit } = await run(plan);
      expect(kinds(reports)).toEqual(["PID", "ERROR"]);
      expect(reports[1]).toMatchObject({ kind: "ERROR", op: idx, errno: EPERM });
      expect((reports[1] as { message: string }).message).toMatch(/^CAPS: PR_CAPBSET_DROP capability 0: Operation not permitted$/);
      expect(exit.code).toBe(1);
      expect(alive((reports[0] as { pid: number }).pid)).toBe(false);
    });

    it("names the step and the capability when the kernel refuses a set", async () => {
      const cases: [ReturnType<typeof caps>, RegExp][] = [
        [caps(mask(CAP.KILL, CAP.SYS_ADMIN), mask(CAP.SYS_ADMIN), mask(CAP.KILL), 0n, 0n), /^CAPS: capset \(effective 0x200000, permitted 0x20, inheritable 0\): effective capability 21 is not in permitted: Operation not permitted$/],
        [caps(mask(CAP.KILL), 0n, 0n, mask(CAP.MKNOD), 0n), /^CAPS: capset .*: inheritable capability 27 is not in the bounding set: Operation not permitted$/],
        [caps(mask(CAP.KILL), mask(CAP.KILL), mask(CAP.KILL), 0n, mask(CAP.KILL)), /^CAPS: PR_CAP_AMBIENT_RAISE capability 5: Operation not permitted$/],
      ];
      for (const [capsOp, re] of cases) {
        const root = rootfs();
        const plan = containerPlan(root, { post: [op(Op.SETUID, 0), capsOp], args: ["/bin/probe", "true"] });
        const { reports } = await run(plan);
        expect(kinds(reports)).toEqual(["PID", "ERROR"]);
        expect(reports[1]).toMatchObject({ kind: "ERROR", op: plan.indexOf(capsOp), errno: EPERM });
        expect((reports[1] as { message: string }).message).toMatch(re);
      }
    });

    it("works for root in a new user namespace too", async () => {
      const root = rootfs();
      const b = mask(CAP.KILL, CAP.AUDIT_WRITE, CAP.NET_BIND_SERVICE);
      const plan = containerPlan(root, {
        clone: ALL_BUT_USER | CLONE_NEW.user,
        pre: [op(Op.UID_MAP, "0 100000 65536\n"), op(Op.SETGROUPS, "deny"), op(Op.GID_MAP, "0 200000 65536\n")],
        post: [op(Op.SETGID, 0), op(Op.SETUID, 0), caps(b, b, b, 0n, 0n)],
        args: ["/bin/probe", "report"],
      });
      const { reports, stdout, stderr } = await run(plan);
      expect(kinds(reports), stderr).toEqual(["PID", "READY", "EXIT"]);
      expect(capsOf(JSON.parse(stdout).status)).toEqual({ Bnd: b, Inh: 0n, Prm: b, Eff: b, Amb: 0n });
    });

    it("KEEP_CAPS takes 0 or 1 only", async () => {
      const root = rootfs();
      const plan = containerPlan(root, { post: [op(Op.KEEP_CAPS, 2)], args: ["/bin/probe", "true"] });
      const { reports } = await run(plan);
      expect(reports.at(-1)).toMatchObject({ kind: "ERROR", op: plan.findIndex((p) => p.op === Op.KEEP_CAPS), errno: EINVAL });
    });
  });

  // userns: the init as root of its namespace before any mount, devices bound
  // from the host, idmapped mounts (IDMAP_TREE in the executor, MOUNT_IDMAP in the init).
  describe("user namespaces", () => {
    const USERNS_MAPS = [op(Op.SETGROUPS, "allow"), op(Op.UID_MAP, "0 100000 65536\n"), op(Op.GID_MAP, "0 100000 65536\n")];
    const AS_ROOT = [op(Op.SETGID, 0), op(Op.SETUID, 0)];
    const ENODEV = 19;
    const devMounts = (root: string) => [
      op(Op.MOUNT, "tmpfs", "/dev", "tmpfs", MS.NOSUID, "mode=755", "", root),
      op(Op.MOUNT, "devpts", "/dev/pts", "devpts", MS.NOSUID | MS.NOEXEC, "newinstance,ptmxmode=0666,mode=0620", "dir", root),
      op(Op.BIND_DEVICE, "/dev/null", root, "c", 1, 3, -1, -1, -1),
    ];

    it("the init becomes uid 0 of its namespace first: devpts mounts, and the host's /dev/null is bound and works", async () => {
      const root = rootfs();
      const plan = (args: string[]) => containerPlan(root, { clone: ALL_BUT_USER | CLONE_NEW.user, pre: USERNS_MAPS, start: AS_ROOT, mounts: devMounts(root), args });
      const rep = await run(plan(["/bin/probe", "report"]));
      expect(kinds(rep.reports), rep.stderr).toEqual(["PID", "READY", "EXIT"]);
      const r = JSON.parse(rep.stdout);
      expect([r.uid, r.gid]).toEqual([0, 0]);
      const mounts = (r.mountinfo as string).trim().split("\n").map((l) => l.split(" "));
      expect(mounts.find((m) => m[4] === "/dev/pts")?.slice(-3, -2)).toEqual(["devpts"]);
      const st = await run(plan(["/bin/probe", "stat", "/dev/null"]));
      expect(JSON.parse(st.stdout)).toMatchObject({ rdev_major: 1, rdev_minor: 3, mode: 0o20666 });
      const w = await run(plan(["/bin/probe", "write", "/dev/null", "gone"]));
      expect(w.exit.code, w.stderr).toBe(0);
    });

    it("without SETUID 0 first, mount points made in the namespace fail as the unmapped user (why the op comes first)", async () => {
      const root = rootfs();
      const { reports } = await run(containerPlan(root, { clone: ALL_BUT_USER | CLONE_NEW.user, pre: USERNS_MAPS, mounts: devMounts(root), args: ["/bin/probe", "true"] }));
      expect(reports[reports.length - 1]).toMatchObject({ kind: "ERROR", errno: 75 }); // EOVERFLOW
    });

    it("SETUID 0 where 0 is not mapped names the reason", async () => {
      const root = rootfs();
      const plan = containerPlan(root, { clone: ALL_BUT_USER | CLONE_NEW.user, pre: [op(Op.UID_MAP, "1 100000 10\n")], start: [op(Op.SETUID, 0)], args: ["/bin/probe", "true"] });
      const { reports } = await run(plan);
      expect(reports.at(-1)).toMatchObject({ kind: "ERROR", errno: EINVAL });
      expect((reports.at(-1) as { message: string }).message).toContain("setresuid 0 (not mapped in the user namespace)");
    });

    it("BIND_DEVICE refuses a host node that is not the one asked for", async () => {
      const root = rootfs();
      const mounts = [op(Op.MOUNT, "tmpfs", "/dev", "tmpfs", 0, "", "", root), op(Op.BIND_DEVICE, "/dev/null", root, "c", 1, 5, -1, -1, -1)];
      const { reports } = await run(containerPlan(root, { mounts, args: ["/bin/probe", "true"] }));
      expect(reports.at(-1)).toMatchObject({ kind: "ERROR", op: 6, errno: ENODEV });
      expect((reports.at(-1) as { message: string }).message).toContain("/dev/null on the host is not c 1:5");
      const owner = [op(Op.MOUNT, "tmpfs", "/dev", "tmpfs", 0, "", "", root), op(Op.BIND_DEVICE, "/dev/null", root, "c", 1, 3, 0o600, -1, -1)];
      const r2 = await run(containerPlan(root, { mounts: owner, args: ["/bin/probe", "true"] }));
      expect((r2.reports.at(-1) as { message: string }).message).toMatch(/mode 0666, not 0600/);
    });

    it("an idmapped mount shows files owned by host uid 1234 as the mapped owner, with or without a user namespace for the init", async () => {
      const src = fs.mkdtempSync(path.join(os.tmpdir(), "rt-exec-idmap-"));
      try {
        fs.chmodSync(src, 0o755);
        fs.writeFileSync(path.join(src, "file"), "x");
        fs.chownSync(path.join(src, "file"), 1234, 1234);
        const stat = async (clone: number, pre: Plan, maps: [string, string]) => {
          const root = rootfs();
          fs.mkdirSync(path.join(root, "mnt"));
          const plan = containerPlan(root, {
            clone, pre: [op(Op.USERNS_FD, ...maps), op(Op.IDMAP_TREE, src, 0, 0, 0), ...pre], start: clone & CLONE_NEW.user ? AS_ROOT : [],
            mounts: [op(Op.MOUNT_IDMAP, "/mnt", "", root, 0)], args: ["/bin/probe", "stat", "/mnt/file"],
          });
          const r = await run(plan);
          expect(kinds(r.reports), r.stderr).toEqual(["PID", "READY", "EXIT"]);
          return JSON.parse(r.stdout);
        };
        // on-disk 1234 → host 100007 / 100008 → 7 / 8 in a namespace that maps 0 → 100000
        expect(await stat(ALL_BUT_USER | CLONE_NEW.user, USERNS_MAPS, ["1234 100007 1\n", "1234 100008 1\n"])).toMatchObject({ uid: 7, gid: 8 });
        expect(await stat(ALL_BUT_USER, [], ["1234 5000 1\n", "1234 6000 1\n"])).toMatchObject({ uid: 5000, gid: 6000 });
        // the file itself is untouched
        expect(fs.statSync(path.join(src, "file")).uid).toBe(1234);
      } finally {
        fs.rmSync(src, { recursive: true, force: true });
      }
    });

    it("IDMAP_TREE reports the kernel's refusal (a filesystem without idmapped mounts) at its op", async () => {
      const root = rootfs();
      const plan = containerPlan(root, { pre: [op(Op.USERNS_FD, "0 100000 10\n", "0 100000 10\n"), op(Op.IDMAP_TREE, "/proc", 0, 0, 0)], args: ["/bin/probe", "true"] });
      const { reports } = await run(plan);
      expect(reports).toEqual([expect.objectContaining({ kind: "ERROR", op: 2, errno: EINVAL })]);
      expect((reports[0] as { message: string }).message).toContain("mount_setattr /proc (MOUNT_ATTR_IDMAP)");
    });
  });

  describe("device control: CGROUP_JOIN in two hierarchies, DEVICE_FILTER", () => {
    const made: string[] = [];
    const cgroup = (base: string) => {
      const d = path.join(base, `rt-exec-dev-${process.pid}-${made.length}`);
      fs.mkdirSync(d);
      made.push(d);
      return d;
    };
    afterEach(async () => {
      for (const d of made.splice(0).reverse()) {
        for (let i = 0; i < 100 && fs.existsSync(d); i++) {
          try { fs.rmdirSync(d); } catch { await new Promise((r) => setTimeout(r, 20)); }
        }
      }
    });
    const rule = (allow: boolean, type: "a" | "c" | "b", major: number, minor: number, access: number): DeviceRule => ({ allow, type, major, minor, access, field: "test" });
    // /dev is a fresh tmpfs holding null (1:3), zero (1:5) and full (1:7).
    const devPlan = (root: string, pre: Plan, args: string[]) => containerPlan(root, {
      pre,
      mounts: [op(Op.MOUNT, "tmpfs", "/dev", "tmpfs", MS.NOSUID, "mode=755", "", root)],
      post: [op(Op.MKNOD, "/dev/null", "c", 1, 3, 0o666, 0, 0), op(Op.MKNOD, "/dev/zero", "c", 1, 5, 0o666, 0, 0), op(Op.MKNOD, "/dev/full", "c", 1, 7, 0o666, 0, 0)],
      args,
    });

    it("DEVICE_FILTER attaches the eBPF program before the init runs: what it denies fails with EPERM, what it allows opens", async () => {
      // Default deny; null rwm, zero read-only, full nothing (mknod of any char device, as the default list has).
      const program = deviceFilterProgram(emulate([
        rule(false, "a", ANY, ANY, ACC_ALL), rule(true, "c", ANY, ANY, ACC.MKNOD),
        rule(true, "c", 1, 3, ACC_ALL), rule(true, "c", 1, 5, ACC.READ),
      ]));
      const cases: [string[], string][] = [
        [["open", "/dev/null", "rw"], "ok"], [["open", "/dev/zero", "r"], "ok"],
        [["open", "/dev/zero", "w"], "EPERM 1"], [["open", "/dev/full", "r"], "EPERM 1"],
        [["mknod", "/dev/vda", "b", "254", "0"], "EPERM 1"], [["mknod", "/dev/other", "c", "1", "9"], "ok"],
      ];
      for (const [args, want] of cases) {
        const dir = cgroup(unifiedMount());
        const filter: PlanOp = { op: Op.DEVICE_FILTER, args: [dir, program], field: "linux.resources.devices" };
        const { reports, stdout, stderr } = await run(devPlan(rootfs(), [op(Op.CGROUP_JOIN, dir, "born"), filter], ["/bin/probe", ...args]));
        expect(kinds(reports), stderr).toEqual(["PID", "READY", "EXIT"]);
        expect(`${args.join(" ")}: ${stdout.trim()}`).toBe(`${args.join(" ")}: ${want}`);
      }
    });

    it("DEVICE_FILTER reports the verifier's refusal at its op, and no init is left", async () => {
      const dir = cgroup(unifiedMount());
      const exitOnly = new Uint8Array([0x95, 0, 0, 0, 0, 0, 0, 0]); // returns without setting r0
      const plan = devPlan(rootfs(), [op(Op.CGROUP_JOIN, dir, "born"), { op: Op.DEVICE_FILTER, args: [dir, exitOnly], field: "" }], ["/bin/probe", "true"]);
      const { reports, exit } = await run(plan);
      expect(kinds(reports)).toEqual(["ERROR"]);
      expect(reports[0]).toMatchObject({ kind: "ERROR", op: 2, errno: 13 });
      expect((reports[0] as { message: string }).message).toMatch(/BPF_PROG_LOAD.*verifier: .*R0/);
      expect(exit.code).toBe(1);
      expect(fs.readFileSync(path.join(dir, "cgroup.procs"), "utf8")).toBe("");
    });

    it("a second CGROUP_JOIN puts the init in another hierarchy too (the v1 devices one here), with its rules in force from the start", async () => {
      const unified = cgroup(unifiedMount());
      const v1 = fs.existsSync("/sys/fs/cgroup/devices/devices.list") ? "/sys/fs/cgroup/devices" : null;
      expect(v1, "this test needs the v1 devices hierarchy of a hybrid host").toBeTruthy();
      const devices = cgroup(v1!);
      fs.writeFileSync(path.join(devices, "devices.deny"), "a");
      fs.writeFileSync(path.join(devices, "devices.allow"), "c *:* m"); // MKNOD of the three nodes
      fs.writeFileSync(path.join(devices, "devices.allow"), "c 1:3 rwm");
      const pre = [op(Op.CGROUP_JOIN, unified, "born"), op(Op.CGROUP_JOIN, devices, "migrate")];
      const r1 = await run(devPlan(rootfs(), pre, ["/bin/probe", "report"]));
      expect(kinds(r1.reports), r1.stderr).toEqual(["PID", "READY", "EXIT"]);
      const lines = (JSON.parse(r1.stdout).cgroup as string).split("\n");
      expect(lines).toContain(`0::/${path.relative(unifiedMount(), unified)}`);
      expect(lines.some((l) => /^\d+:devices:/.test(l) && l.endsWith(`:/${path.basename(devices)}`)), lines.join("\n")).toBe(true);
      for (const [file, want] of [["/dev/null", "ok"], ["/dev/zero", "EPERM 1"]]) {
        const r = await run(devPlan(rootfs(), pre, ["/bin/probe", "open", file]));
        expect(`${file}: ${r.stdout.trim()}`).toBe(`${file}: ${want}`);
      }
      // Only the first may be born; an extra one is refused at its index before anything runs.
      const bad = await run(devPlan(rootfs(), [op(Op.CGROUP_JOIN, unified, "migrate"), op(Op.CGROUP_JOIN, devices, "born")], ["/bin/probe", "true"]));
      expect(bad.reports[0]).toMatchObject({ kind: "ERROR", op: 2, errno: EINVAL });
    });
  });

  describe("refuses a malformed plan before running any op", () => {
    const enc = new TextEncoder();
    const u32 = (n: number) => {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, n, true);
      return b;
    };
    const cat = (...parts: Uint8Array[]) => {
      const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let off = 0;
      for (const p of parts) out.set(p, (off += p.length) - p.length);
      return out;
    };
    const firstError = async (plan: Plan | Uint8Array) => {
      const { reports, exit } = await run(plan as Plan);
      expect(exit.code).toBe(1);
      expect(kinds(reports)).toEqual(["ERROR"]);
      return reports[0] as Extract<Report, { kind: "ERROR" }>;
    };

    it("bad magic", async () => {
      const e = await firstError(cat(enc.encode("RTPLAN02"), u32(0), u32(0)));
      expect([e.op, e.errno]).toEqual([-1, EINVAL]);
      expect(e.message).toContain("magic");
    });

    it("more than 4096 args in an op", async () => {
      const e = await firstError(cat(enc.encode("RTPLAN01"), u32(Op.ARGS), u32(4097)));
      expect([e.op, e.errno]).toEqual([-1, EINVAL]);
    });

    it("an arg longer than the 4 MiB plan", async () => {
      const e = await firstError(cat(enc.encode("RTPLAN01"), u32(Op.ENV), u32(1), u32(5 << 20)));
      expect([e.op, e.errno]).toEqual([-1, EINVAL]);
      expect(e.message).toContain("larger than");
    });

    it("a truncated plan whose sender hangs up", async () => {
      const ex = new Executor(cat(enc.encode("RTPLAN01"), u32(Op.MODE)));
      setTimeout(() => ex.closeSocket(), 100);
      expect((await ex.finish()).code).toBe(1);
    });

    it("a child op before CLONE, a non-decimal number, a wrong arg count", async () => {
      const root = rootfs();
      let e = await firstError([op(Op.SETHOSTNAME, "x"), ...containerPlan(root, { args: ["/bin/probe", "true"] })]);
      expect([e.op, e.errno]).toEqual([0, EINVAL]);
      e = await firstError(containerPlan(root, { clone: " 1" as unknown as number, args: ["/bin/probe", "true"] }));
      expect([e.op, e.errno]).toEqual([1, EINVAL]);
      e = await firstError(containerPlan(root, { clone: 0x100 /* CLONE_VM */, args: ["/bin/probe", "true"] }));
      expect([e.op, e.errno]).toEqual([1, EINVAL]);
      const bad = containerPlan(root, { args: ["/bin/probe", "true"] });
      bad.splice(3, 0, op(Op.MOUNT, "a", "b"));
      e = await firstError(bad);
      expect([e.op, e.errno]).toEqual([3, EINVAL]);
      expect(e.message).toContain("MOUNT");
    });
  });
});

// --- process attributes (native/ops_sched.c) and CHROOT ---
describe.skipIf(!isRoot)("rt-exec: process attributes", () => {
  afterEach(() => {
    for (const ex of live) ex.kill();
    inits.clear();
  });
  afterAll(() => {
    for (const r of rootfses.splice(0)) fs.rmSync(r, { recursive: true, force: true });
  });
  const statusLine = (status: string, key: string) => status.split("\n").find((l) => l.startsWith(`${key}:`))!.split(":")[1].trim();
  /** The one ERROR of a run (a child op's comes after PID). */
  const ERROR = (rs: Report[]) => rs.find((r) => r.kind === "ERROR") as Extract<Report, { kind: "ERROR" }>;

  it("PERSONALITY, SCHEDULER, IOPRIO, MEMPOLICY and CPU_AFFINITY in the init are what it runs with", async () => {
    const root = rootfs();
    const plan = containerPlan(root, {
      post: [
        op(Op.CPU_AFFINITY, 0),
        op(Op.PERSONALITY, 8),
        op(Op.SCHEDULER, 2 /* RR */, 1 /* RESET_ON_FORK */, 0, 7, 0, 0, 0),
        op(Op.IOPRIO, 2, 6),
        op(Op.MEMPOLICY, 3 /* INTERLEAVE */, 1 << 15, 0),
      ],
      args: ["probe", "report"],
    });
    const { reports, stdout, stderr } = await run(plan);
    expect(kinds(reports), stderr).toEqual(["PID", "READY", "EXIT"]);
    const r = JSON.parse(stdout);
    expect(r.personality & 0xff).toBe(8);
    expect(r.machine).toMatch(/^i[3-6]86$/);
    expect([r.sched.policy, r.sched.priority, r.sched.flags & 1]).toEqual([2, 7, 1]);
    expect(r.ioprio).toBe((2 << 13) | 6);
    expect(r.mempolicy).toEqual({ mode: 3 | (1 << 15), nodes: 1 });
    expect(statusLine(r.status, "Cpus_allowed_list")).toBe("0");
  });

  it("CPU_AFFINITY before CLONE sets the executor's CPUs, which the init inherits; TIMENS gives it shifted clocks", async () => {
    const root = rootfs();
    const cpu = fs.readFileSync("/sys/devices/system/cpu/online", "utf8").trim() === "0" ? 0 : 1;
    const plan = containerPlan(root, {
      pre: [op(Op.TIMENS, "monotonic 50000 0\nboottime 90000 0\n"), op(Op.CPU_AFFINITY, cpu)],
      args: ["probe", "report"],
    });
    const { reports, stdout, stderr } = await run(plan);
    expect(kinds(reports), stderr).toEqual(["PID", "READY", "EXIT"]);
    const r = JSON.parse(stdout);
    expect(statusLine(r.status, "Cpus_allowed_list")).toBe(String(cpu));
    expect(r.ns.time).not.toBe(fs.readlinkSync("/proc/self/ns/time"));
    const boot = Math.floor(Number(fs.readFileSync("/proc/uptime", "utf8").split(" ")[0]));
    expect(Math.abs(r.clocks.boottime - boot - 90000)).toBeLessThan(5);
    expect(Math.abs(r.clocks.monotonic - Number(process.hrtime.bigint() / 1_000_000_000n) - 50000)).toBeLessThan(5);
  });

  it("a refusal of the kernel is an ERROR at the op with its errno, and names the syscall", async () => {
    const root = rootfs();
    const post = (o: PlanOp) => containerPlan(root, { post: [o], args: ["/bin/probe", "true"] });
    const at = (plan: Plan, o: Op) => plan.findIndex((p) => p.op === o);
    let plan = post(op(Op.SCHEDULER, 6 /* DEADLINE */, 0, 0, 0, 20_000_000, 10_000_000, 30_000_000));
    let { reports } = await run(plan);
    expect(ERROR(reports)).toMatchObject({ kind: "ERROR", op: at(plan, Op.SCHEDULER), errno: EINVAL });
    expect(ERROR(reports).message).toContain("sched_setattr");
    // A realtime policy without the permission for it (CAP_SYS_NICE gone with the uid, RLIMIT_RTPRIO 0): EPERM.
    plan = containerPlan(root, { post: [op(Op.RLIMIT, 14 /* RTPRIO */, 0, 0), op(Op.SETUID, 1000), op(Op.SCHEDULER, 1 /* FIFO */, 0, 0, 10, 0, 0, 0)], args: ["/bin/probe", "true"] });
    ({ reports } = await run(plan));
    expect(ERROR(reports)).toMatchObject({ op: at(plan, Op.SCHEDULER), errno: 1 /* EPERM */ });
    plan = post(op(Op.MEMPOLICY, 2 /* BIND */, 0, 7));
    ({ reports } = await run(plan));
    expect(ERROR(reports)).toMatchObject({ op: at(plan, Op.MEMPOLICY), errno: EINVAL });
    expect(ERROR(reports).message).toContain("set_mempolicy");
    plan = post(op(Op.CPU_AFFINITY, 4000));
    ({ reports } = await run(plan));
    expect(ERROR(reports)).toMatchObject({ op: at(plan, Op.CPU_AFFINITY), errno: EINVAL });
    expect(ERROR(reports).message).toContain("sched_setaffinity");
    plan = containerPlan(root, { pre: [op(Op.TIMENS, "realtime 1 0\n")], args: ["/bin/probe", "true"] });
    ({ reports } = await run(plan));
    expect(ERROR(reports)).toMatchObject({ op: at(plan, Op.TIMENS), errno: EINVAL });
    expect(ERROR(reports).message).toContain("timens_offsets");
  });

  it("checks the numbers: a personality out of range, an I/O class of 8, TIMENS after CLONE", async () => {
    const root = rootfs();
    for (const bad of [op(Op.PERSONALITY, "0xffffffff"), op(Op.IOPRIO, 8, 0), op(Op.SCHEDULER, 0, 0, 20, 0, 0, 0, 0)]) {
      const plan = containerPlan(root, { post: [bad], args: ["/bin/probe", "true"] });
      const { reports } = await run(plan);
      expect(ERROR(reports), Op[bad.op]).toMatchObject({ op: plan.indexOf(bad), errno: EINVAL });
    }
    const plan = containerPlan(root, { post: [op(Op.TIMENS, "")], args: ["/bin/probe", "true"] });
    const { reports } = await run(plan);
    expect(ERROR(reports)).toMatchObject({ errno: EINVAL, message: expect.stringContaining("TIMENS must come before CLONE") });
  });

  it("CHROOT: in the executor's mount namespace the init changes its root and nothing is mounted", async () => {
    const root = rootfs();
    const before = fs.readFileSync("/proc/self/mountinfo", "utf8");
    const plan: Plan = [
      op(Op.MODE, "wait"),
      op(Op.CLONE, CLONE_NEW.pid | CLONE_NEW.uts),
      op(Op.CHROOT, root),
      op(Op.CHDIR, "/bin"),
      op(Op.ENV, "PATH=/bin"),
      op(Op.ARGS, "probe", "stat", "probe"),
      op(Op.CLOSE_FDS, 3),
      op(Op.WAIT_START),
      op(Op.EXEC),
    ];
    const { reports, stdout, stderr } = await run(plan);
    expect(kinds(reports), stderr).toEqual(["PID", "READY", "EXIT"]);
    expect(JSON.parse(stdout).mode & 0o170000).toBe(0o100000); // ./probe, relative to the cwd inside root
    expect(fs.readFileSync("/proc/self/mountinfo", "utf8")).toBe(before);
  });
});

// hooks: HOOK_PAUSE's round trip through the executor, HOOK_RUN in the init.
describe("rt-exec hooks", () => {
  const log = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "rt-exec-hooks-")), "log");
  const entry = (file: string) => JSON.parse(fs.readFileSync(file, "utf8").trim().split("\n").pop()!);

  it("HOOK_PAUSE: the init's HOOKS report comes through the executor; the init waits, before pivot_root, until rt writes 1", async () => {
    const ex = new Executor(containerPlan(rootfs(), { mounts: [op(Op.HOOK_PAUSE, "createRuntime")], args: ["/bin/probe", "true"] }));
    expect(await ex.next("HOOKS")).toEqual({ kind: "HOOKS", hooks: "createRuntime" });
    await new Promise((r) => setTimeout(r, 200));
    expect(ex.reports.map((r) => r.kind)).toEqual(["PID", "HOOKS"]);
    expect(fs.existsSync(`/proc/${ex.pid}/root${EXEC}`), "the init's root is not pivoted yet").toBe(true);
    ex.send("1");
    expect(await ex.next("EXIT")).toEqual({ kind: "EXIT", status: 0 });
    expect(ex.reports.map((r) => r.kind)).toEqual(["PID", "HOOKS", "READY", "EXIT"]);
  });

  it("HOOK_PAUSE: any answer but 1 makes the executor kill and reap the init and exit 1", async () => {
    const ex = new Executor(containerPlan(rootfs(), { mounts: [op(Op.HOOK_PAUSE, "createRuntime")], args: ["/bin/probe", "true"] }));
    await ex.next("HOOKS");
    const pid = ex.pid;
    ex.send("0");
    expect((await ex.finish()).code).toBe(1);
    expect(alive(pid)).toBe(false);
    expect(ex.reports.map((r) => r.kind)).toEqual(["PID", "HOOKS"]);
  });

  it("HOOK_RUN: the hook runs in the init's namespaces with its argv and env, the state around the init's host pid (HOOK_PID) on stdin", async () => {
    const file = log();
    const ex = new Executor(containerPlan(rootfs(), {
      start: [op(Op.HOOK_PID)],
      mounts: [op(Op.HOOK_RUN, PROBE, 0, '{"id":"x","pid":', ',"z":1}', "op", 4, "probe-hook", "hook", file, "t", "E=1", "F=2")],
      args: ["/bin/probe", "sleep", "30"],
    }));
    await ex.next("READY");
    const e = entry(file);
    expect(JSON.parse(e.stdin)).toEqual({ id: "x", pid: ex.pid, z: 1 });
    expect([e.argv0, e.env]).toEqual(["probe-hook", ["E=1", "F=2"]]);
    for (const k of ["mnt", "net", "pid", "uts", "ipc"]) expect(e.self[k], k).toBe(fs.readlinkSync(`/proc/${ex.pid}/ns/${k}`));
    ex.kill();
  });

  it("HOOK_RUN: a hook that exits non-zero, is killed, cannot be executed or outlives its timeout is an ERROR at its op", async () => {
    const cases: [PlanOp, RegExp][] = [
      [op(Op.HOOK_RUN, PROBE, 0, "", "", "op", 3, "probe", "exit", "3"), /^exited with status 3$/],
      [op(Op.HOOK_RUN, "/bin/sh", 0, "", "", "op", 3, "sh", "-c", "kill -KILL $$"), /^killed by signal 9$/],
      [op(Op.HOOK_RUN, "/no/such/hook", 0, "", "", "op", 0), /^execve \/no\/such\/hook: No such file or directory$/],
      [op(Op.HOOK_RUN, PROBE, 1, "", "", "op", 3, "probe", "sleep", "39"), /^timed out after 1 s$/],
    ];
    for (const [hook, want] of cases) {
      const plan = containerPlan(rootfs(), { start: [op(Op.HOOK_PID)], mounts: [hook], args: ["/bin/probe", "true"] });
      const ex = new Executor(plan);
      const r = await ex.next("READY");
      expect(r).toMatchObject({ kind: "ERROR", op: plan.indexOf(hook) });
      expect((r as { message: string }).message).toMatch(want);
      expect((await ex.finish()).code).toBe(1);
    }
  });
});
