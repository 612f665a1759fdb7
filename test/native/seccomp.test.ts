// The seccomp ops of native/rt-exec (SECCOMP_INIT, SECCOMP_RULE,
// SECCOMP_LOAD, SECCOMP_LISTENER), driven with hand-made plans: numbers as
// TypeScript would send them, the effect read back by the probe inside.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { encodePlan, Op, parseReport, type Plan, type PlanOp, type Report } from "../../src/process/wire.ts";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const EXEC = path.join(REPO, "native/build/rt-exec");
const PROBE = path.join(REPO, "native/build/probe");
const AGENT = path.join(REPO, "native/build/seccomp-agent");

const MS = { NOSUID: 2, NODEV: 4, NOEXEC: 8, REC: 16384, PRIVATE: 1 << 18 };
const CLONE_NEW = { ns: 0x20000, uts: 0x04000000, ipc: 0x08000000, pid: 0x20000000, net: 0x40000000 };
const RET = { ALLOW: 0x7fff0000, ERRNO: 0x00050000, USER_NOTIF: 0x7fc00000 };
const CMP = { EQ: 4, MASKED_EQ: 7 };
const EXDEV = 18, EINVAL = 22, ENOENT = 2;

const op = (o: Op, ...args: (string | number)[]): PlanOp => ({ op: o, args, field: Op[o] });

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tmp(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** /bin/probe and a writable /tmp. */
function rootfs(): string {
  const root = tmp("rt-seccomp-rootfs-");
  for (const d of ["bin", "proc", "tmp"]) fs.mkdirSync(path.join(root, d));
  fs.copyFileSync(PROBE, path.join(root, "bin/probe"));
  fs.chmodSync(path.join(root, "bin/probe"), 0o755);
  return root;
}

/** A container in new namespaces running args, with the seccomp ops placed as plan.ts does (parent ops before CLONE, the filter before WAIT_START). */
function plan(root: string, args: string[], filter: Plan, parent: Plan = []): Plan {
  return [
    op(Op.MODE, "wait"),
    ...parent,
    op(Op.CLONE, CLONE_NEW.ns | CLONE_NEW.pid | CLONE_NEW.uts | CLONE_NEW.ipc | CLONE_NEW.net),
    op(Op.MAKE_ROOT_PRIVATE, MS.REC | MS.PRIVATE),
    op(Op.BIND_ROOTFS, root),
    op(Op.MOUNT, "proc", "/proc", "proc", MS.NOSUID | MS.NODEV | MS.NOEXEC, "", "", root),
    op(Op.PIVOT_ROOT, root),
    op(Op.ENV, "PATH=/bin"),
    op(Op.ARGS, ...args),
    op(Op.CLOSE_FDS, 3),
    ...filter,
    op(Op.WAIT_START),
    op(Op.EXEC),
  ];
}

/** Runs rt-exec on the plan to its end: its reports and the container's stdout. */
function execute(p: Plan): Promise<{ reports: Report[]; stdout: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(EXEC, ["3"], { stdio: ["ignore", "pipe", "pipe", "pipe"], env: {} });
    const sock = child.stdio[3] as unknown as Socket;
    let stdout = "", lines = "";
    child.stdout!.on("data", (d) => (stdout += d));
    sock.on("data", (d) => (lines += d));
    sock.on("error", () => {});
    sock.write(encodePlan(p));
    child.on("close", (code) => resolve({ reports: lines.split("\n").filter(Boolean).map(parseReport), stdout, code }));
  });
}

const errorOf = (reports: Report[]) => reports.find((r) => r.kind === "ERROR") as Extract<Report, { kind: "ERROR" }> | undefined;

describe.skipIf(process.getuid?.() !== 0)("rt-exec seccomp ops", () => {
  it("SECCOMP_INIT, SECCOMP_RULE and SECCOMP_LOAD: an ERRNO rule, and a rule with conditions, take effect", async () => {
    const root = rootfs();
    const filter = [
      op(Op.SECCOMP_INIT, RET.ALLOW, 0),
      op(Op.SECCOMP_RULE, "getppid", RET.ERRNO + EXDEV, 0, CMP.EQ, 5, 0, 1, CMP.MASKED_EQ, 0xf0, 0x30),
      op(Op.SECCOMP_LOAD),
    ];
    const r = await execute(plan(root, ["probe", "syscall", "getppid", "5", "0x37", "--", "getppid", "5", "0x47", "--", "getppid", "4", "0x37"], filter));
    expect(errorOf(r.reports)).toBeUndefined();
    expect(r.reports.map((x) => x.kind)).toEqual(["PID", "READY", "EXIT"]);
    expect(JSON.parse(r.stdout).map((c: { errno: number }) => c.errno)).toEqual([EXDEV, 0, 0]);
  });

  it("SECCOMP_LISTENER and SECCOMP_LOAD with pieces: the listener gets the notify fd and the pieces joined by the init's host pid", async () => {
    const root = rootfs();
    const dir = tmp("rt-seccomp-agent-");
    const socket = path.join(dir, "s"), stateFile = path.join(dir, "state");
    const agent = spawn(AGENT, [socket, stateFile, String(EXDEV)], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      await new Promise<void>((res) => agent.stdout!.once("data", () => res()));
      const filter = [
        op(Op.SECCOMP_INIT, RET.ALLOW, 0),
        op(Op.SECCOMP_RULE, "mkdir", RET.USER_NOTIF),
        op(Op.SECCOMP_RULE, "mkdirat", RET.USER_NOTIF),
        op(Op.SECCOMP_LOAD, "<", "|", ">"),
      ];
      const r = await execute(plan(root, ["probe", "try", "mkdir", "/tmp/d"], filter, [op(Op.SECCOMP_LISTENER, socket)]));
      expect(errorOf(r.reports)).toBeUndefined();
      const pid = (r.reports.find((x) => x.kind === "PID") as { pid: number }).pid;
      expect(fs.readFileSync(stateFile, "utf8")).toBe(`<${pid}|${pid}>`);
      expect(JSON.parse(r.stdout)[0]).toMatchObject({ result: -1, errno: EXDEV });
      expect(fs.existsSync(path.join(root, "tmp/d"))).toBe(false);
    } finally {
      agent.kill("SIGKILL");
    }
  });

  it("refuses malformed seccomp ops at their index, before the init goes on", async () => {
    const root = rootfs();
    const init = op(Op.SECCOMP_INIT, RET.ALLOW, 0);
    const cases: [Plan, RegExp, number][] = [
      [[op(Op.SECCOMP_RULE, "mkdir", RET.ERRNO + 1), op(Op.SECCOMP_LOAD)], /SECCOMP_RULE without SECCOMP_INIT/, EINVAL],
      [[init, op(Op.SECCOMP_RULE, "no_such_syscall", RET.ERRNO + 1), op(Op.SECCOMP_LOAD)], /does not know the syscall "no_such_syscall"/, EINVAL],
      [[init, op(Op.SECCOMP_RULE, "mkdir", RET.ERRNO + 1, 0, CMP.EQ, 5), op(Op.SECCOMP_LOAD)], /conditions come in fours/, EINVAL],
      [[init, op(Op.SECCOMP_RULE, "mkdir", RET.ERRNO + 1, 6, CMP.EQ, 5, 0), op(Op.SECCOMP_LOAD)], /argument 2 is not a decimal number in \[0, 5\]/, EINVAL],
      [[init, op(Op.SECCOMP_LOAD, "just one")], /one payload piece/, EINVAL],
      [[init, op(Op.SECCOMP_LOAD, "a", "b")], /no SECCOMP_LISTENER/, EINVAL],
      [[op(Op.SECCOMP_INIT, RET.ALLOW, 8), op(Op.SECCOMP_LOAD)], /filter flags 0x8 unknown/, EINVAL],
      [[op(Op.SECCOMP_INIT, RET.ALLOW, 0, 12345), op(Op.SECCOMP_LOAD)], /seccomp_arch_add 0x3039/, EINVAL],
      [[init, init, op(Op.SECCOMP_LOAD)], /already being built/, EINVAL],
    ];
    for (const [filter, message, errno] of cases) {
      const p = plan(root, ["probe", "true"], filter);
      const r = await execute(p);
      const e = errorOf(r.reports);
      expect(e, String(message)).toBeDefined();
      expect(e!.message).toMatch(message);
      expect(e!.errno).toBe(errno);
      // The op index names the op that failed.
      expect([Op.SECCOMP_INIT, Op.SECCOMP_RULE, Op.SECCOMP_LOAD]).toContain(p[e!.op].op);
      expect(r.code).toBe(1);
    }
  });

  it("SECCOMP_LISTENER to a socket nobody listens on fails at that op, in the executor", async () => {
    const root = rootfs();
    const p = plan(root, ["probe", "true"], [op(Op.SECCOMP_INIT, RET.ALLOW, 0), op(Op.SECCOMP_LOAD)], [op(Op.SECCOMP_LISTENER, path.join(tmp("rt-seccomp-"), "none"))]);
    const r = await execute(p);
    const e = errorOf(r.reports)!;
    expect(p[e.op].op).toBe(Op.SECCOMP_LISTENER);
    expect(e.errno).toBe(ENOENT);
    expect(r.reports.map((x) => x.kind)).toEqual(["ERROR"]);
  });
});

describe("rt-exec --seccomp-flags (the features probe)", () => {
  it("prints the SECCOMP_FILTER_FLAG_* bits this kernel takes and no other", async () => {
    const { spawnSync } = await import("node:child_process");
    // TSYNC, LOG, SPEC_ALLOW (Linux ≥ 4.17), and bits no kernel defines
    const r = spawnSync(EXEC, ["--seccomp-flags", "1", "2", "4", String(1 << 20), String(2 ** 31)], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe("1\n2\n4\n");
    const bad = spawnSync(EXEC, ["--seccomp-flags", "x"], { encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("not a number: x");
  });
});
