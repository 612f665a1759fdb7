// NETDEV (native/PLAN.md) driven straight through native/rt-exec, with
// hand-written plans. The executor runs inside a private network namespace
// (test/netns.ts) that stands for the runtime's: veth pairs are made there,
// and what the executor moved is read back with ip(8) inside the waiting
// init's namespace. The host's network namespace is never touched.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { encodePlan, Op, parseReport, type Plan, type PlanOp, type Report } from "../../src/process/wire.ts";
import { TestNetns, addrsOf, linksAt } from "../netns.ts";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const EXEC = path.join(REPO, "native/build/rt-exec");
const PROBE = path.join(REPO, "native/build/probe");
const MS = { NOSUID: 2, NODEV: 4, NOEXEC: 8, REC: 16384, PRIVATE: 1 << 18 };
const CLONE_NEW = { ns: 0x20000, uts: 0x04000000, ipc: 0x08000000, pid: 0x20000000, net: 0x40000000 };
const ENODEV = 19, EEXIST = 17, EINVAL = 22;

const op = (o: Op, ...args: (string | number)[]): PlanOp => ({ op: o, args, field: Op[o] });
const isRoot = process.getuid?.() === 0;

const cleanups: (() => void | Promise<void>)[] = [];

function rootfs(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "rt-netdev-rootfs-"));
  for (const d of ["bin", "proc"]) fs.mkdirSync(path.join(root, d));
  fs.copyFileSync(PROBE, path.join(root, "bin/probe"));
  fs.chmodSync(path.join(root, "bin/probe"), 0o755);
  cleanups.push(() => fs.rmSync(root, { recursive: true, force: true }));
  return root;
}

/** A container that waits on an exec fifo (mode wait), so its namespace can be read while it lives. */
function waitingPlan(opts: { netdevs: [string, string][]; fifo: string; root: string; clone?: number; joinNet?: string }): Plan {
  return [
    op(Op.MODE, "wait"),
    ...opts.netdevs.map(([h, c]) => op(Op.NETDEV, h, c)),
    op(Op.OPEN_FIFO, opts.fifo),
    ...(opts.joinNet ? [op(Op.NS_JOIN, "network", opts.joinNet)] : []),
    op(Op.CLONE, opts.clone ?? (CLONE_NEW.ns | CLONE_NEW.pid | CLONE_NEW.uts | CLONE_NEW.ipc | CLONE_NEW.net)),
    op(Op.MAKE_ROOT_PRIVATE, MS.REC | MS.PRIVATE),
    op(Op.BIND_ROOTFS, opts.root),
    op(Op.MOUNT, "proc", "/proc", "proc", MS.NOSUID | MS.NODEV | MS.NOEXEC, "", "", opts.root),
    op(Op.PIVOT_ROOT, opts.root),
    op(Op.ENV, "PATH=/bin"),
    op(Op.ARGS, "/bin/probe", "true"),
    op(Op.CLOSE_FDS, 3),
    op(Op.WAIT_START),
    op(Op.EXEC),
  ];
}

/** rt-exec started inside ns, the plan written to its sync socket, reports collected. */
class Exec {
  readonly reports: Report[] = [];
  readonly exited: Promise<number | null>;
  private buf = "";
  constructor(ns: TestNetns, plan: Plan) {
    const child = spawn("nsenter", [`--net=${ns.path}`, "--", EXEC, "3"], { stdio: ["ignore", "ignore", "pipe", "pipe"], env: {} });
    const sock = child.stdio[3] as unknown as Socket;
    // Exited, and every report read: the socket's last data can come after the exit event.
    const closed = new Promise((r) => sock.once("close", r));
    this.exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code))).then(async (code) => (await closed, code));
    sock.on("data", (d: Buffer) => {
      this.buf += d.toString();
      for (let nl; (nl = this.buf.indexOf("\n")) >= 0; this.buf = this.buf.slice(nl + 1)) this.reports.push(parseReport(this.buf.slice(0, nl)));
    });
    sock.on("error", () => {});
    sock.write(encodePlan(plan));
    cleanups.push(async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // The executor is alive, so its init is not reaped yet: the pid is still ours.
      const pid = this.reports.find((r) => r.kind === "PID") as { pid: number } | undefined;
      if (pid) try { process.kill(pid.pid, "SIGKILL"); } catch { /* gone */ }
      child.kill("SIGKILL");
      await this.exited;
    });
  }
  /** The first READY or ERROR. */
  async settled(): Promise<Report> {
    const end = Date.now() + 15_000;
    for (;;) {
      const r = this.reports.find((x) => x.kind === "READY" || x.kind === "ERROR");
      if (r) return r;
      if (Date.now() > end) throw new Error(`no READY/ERROR; reports ${JSON.stringify(this.reports)}`);
      await new Promise((res) => setTimeout(res, 20));
    }
  }
  get pid(): number {
    const r = this.reports.find((x) => x.kind === "PID");
    if (!r || r.kind !== "PID") throw new Error("no PID report");
    return r.pid;
  }
}

/** Releases the init waiting on the fifo; it runs `probe true` and the executor reports EXIT. */
async function release(ex: Exec, fifo: string): Promise<void> {
  fs.writeFileSync(fifo, "1");
  expect(await ex.exited).toBe(0);
  expect(ex.reports.map((r) => r.kind)).toEqual(["PID", "READY", "EXIT"]);
}

function fifoPath(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rt-netdev-fifo-"));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, "exec.fifo");
}

describe.skipIf(!isRoot)("rt-exec NETDEV", () => {
  let ns: TestNetns;
  beforeAll(() => {
    for (const f of [EXEC, PROBE]) if (!fs.existsSync(f)) throw new Error(`${f} is missing: run make -C native`);
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await ns?.drop();
  });

  it("moves a veth end into the new network namespace renamed, with its permanent global addresses, up", async () => {
    ns = await TestNetns.make();
    ns.ip("link", "add", "rtv-a", "type", "veth", "peer", "name", "rtv-b");
    ns.ip("addr", "add", "10.77.0.1/24", "dev", "rtv-a", "metric", "50");
    ns.ip("addr", "add", "fd00:77::1/64", "dev", "rtv-a", "nodad");
    // Not permanent (a lifetime) and not global (link scope): both stay behind.
    ns.ip("addr", "add", "10.78.0.1/24", "dev", "rtv-a", "valid_lft", "100", "preferred_lft", "100");
    ns.ip("addr", "add", "169.254.9.9/16", "dev", "rtv-a", "scope", "link");
    const fifo = fifoPath();
    const ex = new Exec(ns, waitingPlan({ netdevs: [["rtv-a", "ctr0"]], fifo, root: rootfs() }));
    expect(await ex.settled()).toEqual({ kind: "READY" });

    const inside = linksAt(`/proc/${ex.pid}/ns/net`);
    expect([...inside.keys()].sort()).toEqual(["ctr0", "lo"]);
    // The executor's netlink socket in the runtime's namespace never reaches the init.
    // (fds 0-2 are the test's stdio; the waiting init keeps only its exec fifo beyond them.)
    const fds = fs.readdirSync(`/proc/${ex.pid}/fd`).filter((f) => Number(f) > 2).map((f) => fs.readlinkSync(`/proc/${ex.pid}/fd/${f}`));
    expect(fds.filter((l) => l.startsWith("socket:"))).toEqual([]);
    const ctr0 = inside.get("ctr0")!;
    expect(ctr0.flags).toContain("UP");
    expect(addrsOf(ctr0).filter((a) => !a.startsWith("fe80:")).sort()).toEqual(["10.77.0.1/24", "fd00:77::1/64"]);
    expect(ctr0.addr_info!.find((a) => a.local === "10.77.0.1")?.metric).toBe(50);
    // The runtime's namespace lost it; its peer stayed, now pointing into another namespace.
    const host = ns.links();
    expect(host.has("rtv-a")).toBe(false);
    expect(host.get("rtv-b")?.link_netnsid).toBeTypeOf("number");
    await release(ex, fifo);
  });

  it("a %d template takes the kernel's name; two devices move in plan order", async () => {
    ns = await TestNetns.make();
    ns.ip("link", "add", "rtv-a", "type", "veth", "peer", "name", "rtv-b");
    ns.ip("addr", "add", "10.77.0.2/24", "dev", "rtv-b");
    const fifo = fifoPath();
    const ex = new Exec(ns, waitingPlan({ netdevs: [["rtv-a", "ctr%d"], ["rtv-b", "ctr%d"]], fifo, root: rootfs() }));
    expect(await ex.settled()).toEqual({ kind: "READY" });
    const inside = linksAt(`/proc/${ex.pid}/ns/net`);
    expect([...inside.keys()].sort()).toEqual(["ctr0", "ctr1", "lo"]);
    expect(addrsOf(inside.get("ctr1")).filter((a) => !a.startsWith("fe80:"))).toEqual(["10.77.0.2/24"]);
    expect(inside.get("ctr0")!.flags).toContain("UP");
    expect(inside.get("ctr1")!.flags).toContain("UP");
    expect([...ns.links().keys()]).toEqual(["lo"]);
    await release(ex, fifo);
  });

  it("a missing device is ENODEV at its NETDEV op, before anything is cloned", async () => {
    ns = await TestNetns.make();
    ns.ip("link", "add", "rtv-a", "type", "veth", "peer", "name", "rtv-b");
    const fifo = fifoPath();
    const ex = new Exec(ns, waitingPlan({ netdevs: [["rtv-a", "ctr0"], ["rtv-nope", "ctr1"]], fifo, root: rootfs() }));
    const e = await ex.settled();
    expect(e).toMatchObject({ kind: "ERROR", op: 2, errno: ENODEV });
    expect((e as { message: string }).message).toBe("device rtv-nope: not found in the runtime's network namespace (RTM_GETLINK): No such device");
    expect(ex.reports.map((r) => r.kind)).toEqual(["ERROR"]); // no PID: no init was made
    expect(await ex.exited).toBe(1);
    expect([...ns.links().keys()].sort()).toEqual(["lo", "rtv-a", "rtv-b"]);
  });

  it("moves into a joined network namespace (NETDEV before NS_JOIN), where the device stays after the container", async () => {
    ns = await TestNetns.make();
    const target = await TestNetns.make();
    cleanups.push(() => target.drop());
    // The joined namespace already uses the indices the device has here, so
    // the kernel gives it a new one: the executor learns it from the move.
    target.ip("link", "add", "pre0", "type", "veth", "peer", "name", "pre1");
    ns.ip("link", "add", "rtv-a", "type", "veth", "peer", "name", "rtv-b");
    ns.ip("addr", "add", "10.77.0.1/24", "dev", "rtv-a");
    const hostIndex = ns.links().get("rtv-a")!.ifindex;
    expect([...target.links().values()].map((l) => l.ifindex)).toContain(hostIndex);
    const fifo = fifoPath();
    const ex = new Exec(ns, waitingPlan({ netdevs: [["rtv-a", "ctr%d"]], fifo, root: rootfs(), joinNet: target.path, clone: CLONE_NEW.ns | CLONE_NEW.pid }));
    expect(await ex.settled()).toEqual({ kind: "READY" });
    expect(fs.readlinkSync(`/proc/${ex.pid}/ns/net`)).toBe(fs.readlinkSync(target.path));
    await release(ex, fifo);
    // The container is gone, its namespace is not: nothing moved the device back.
    const there = target.links();
    expect(there.get("ctr0")?.flags).toContain("UP");
    expect(there.get("ctr0")?.ifindex).not.toBe(hostIndex);
    expect(addrsOf(linksAt(target.path).get("ctr0")).filter((a) => !a.startsWith("fe80:"))).toEqual(["10.77.0.1/24"]);
    expect(ns.links().has("rtv-a")).toBe(false);
  });

  it("a name the container's namespace already has is EEXIST, and the device has not moved", async () => {
    ns = await TestNetns.make();
    const target = await TestNetns.make();
    cleanups.push(() => target.drop());
    ns.ip("link", "add", "rtv-a", "type", "veth", "peer", "name", "rtv-b");
    target.ip("link", "add", "ctr0", "type", "veth", "peer", "name", "other0");
    const ex = new Exec(ns, waitingPlan({ netdevs: [["rtv-a", "ctr0"]], fifo: fifoPath(), root: rootfs(), joinNet: target.path, clone: CLONE_NEW.ns | CLONE_NEW.pid }));
    const e = await ex.settled();
    expect(e).toMatchObject({ kind: "ERROR", op: 1, errno: EEXIST });
    expect((e as { message: string }).message).toMatch(/^device rtv-a: the container's network namespace already has a device named ctr0/);
    expect(await ex.exited).toBe(1);
    expect(ns.links().has("rtv-a")).toBe(true);
  });

  it("refuses a container that shares the runtime's network namespace (EINVAL), moving nothing", async () => {
    ns = await TestNetns.make();
    ns.ip("link", "add", "rtv-a", "type", "veth", "peer", "name", "rtv-b");
    const ex = new Exec(ns, waitingPlan({ netdevs: [["rtv-a", "ctr0"]], fifo: fifoPath(), root: rootfs(), clone: CLONE_NEW.ns | CLONE_NEW.pid }));
    const e = await ex.settled();
    expect(e).toMatchObject({ kind: "ERROR", op: 1, errno: EINVAL });
    expect((e as { message: string }).message).toMatch(/runtime's own/);
    expect(await ex.exited).toBe(1);
    expect([...ns.links().keys()].sort()).toEqual(["lo", "rtv-a", "rtv-b"]);
  });

  it("a device the kernel keeps in its namespace (a bridge) fails at the move with the kernel's reason, and stays", async () => {
    ns = await TestNetns.make();
    ns.ip("link", "add", "rtbr0", "type", "bridge");
    const ex = new Exec(ns, waitingPlan({ netdevs: [["rtbr0", "ctr0"]], fifo: fifoPath(), root: rootfs() }));
    const e = await ex.settled();
    expect(e).toMatchObject({ kind: "ERROR", op: 1, errno: EINVAL });
    expect((e as { message: string }).message).toMatch(/^device rtbr0: RTM_NEWLINK \(move into the container's network namespace as ctr0\) \(kernel: [^)]+\): Invalid argument$/);
    expect(await ex.exited).toBe(1);
    expect(ns.links().has("rtbr0")).toBe(true);
  });

  it("refuses a name that is not an interface name before looking for it", async () => {
    ns = await TestNetns.make();
    const ex = new Exec(ns, waitingPlan({ netdevs: [["rtv-a", "x".repeat(16)]], fifo: fifoPath(), root: rootfs() }));
    expect(await ex.settled()).toMatchObject({ kind: "ERROR", op: 1, errno: EINVAL });
    expect(await ex.exited).toBe(1);
  });
});
