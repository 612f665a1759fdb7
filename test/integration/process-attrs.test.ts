// The Linux process attributes (personality, scheduler, ioPriority,
// execCPUAffinity, memoryPolicy, timeOffsets), read back from inside real
// containers by the probe: what the kernel reports to the container's process.
import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import type { Spec } from "../../src/spec/types.ts";
import { RT, cleanupRoot, makeBundle, rt, stateRoot, testSpec, uniqueId } from "../helpers.ts";

const root = stateRoot();
afterAll(() => cleanupRoot(root));

interface Report {
  personality: number; machine: string; status: string; ioprio: number;
  sched: { policy: number; flags: number; nice: number; priority: number; runtime: number; deadline: number; period: number };
  mempolicy: { mode: number; nodes: number } | { errno: number };
  clocks: { monotonic: number; boottime: number };
}

function run(edit: (s: Spec) => void): { code: number; stderr: string; report?: Report } {
  const r = rt(root, ["run", "--bundle", makeBundle(testSpec(["/bin/probe", "report"], edit)), uniqueId()]);
  return { code: r.code, stderr: r.stderr, report: r.code === 0 ? JSON.parse(r.stdout) : undefined };
}

function report(edit: (s: Spec) => void): Report {
  const r = run(edit);
  if (!r.report) throw new Error(`rt run failed (${r.code}): ${r.stderr}`);
  return r.report;
}

const statusLine = (status: string, key: string) => status.split("\n").find((l) => l.startsWith(`${key}:`))!.split(":")[1].trim();
/** The host's clocks in whole seconds: Node's hrtime is CLOCK_MONOTONIC, /proc/uptime CLOCK_BOOTTIME. */
const hostClock = (which: "monotonic" | "boottime") =>
  which === "monotonic" ? Number(process.hrtime.bigint() / 1_000_000_000n) : Math.floor(Number(fs.readFileSync("/proc/uptime", "utf8").split(" ")[0]));
const ONLINE_CPUS = fs.readFileSync("/sys/devices/system/cpu/online", "utf8").trim();
const HOST = report(() => {});

describe("linux.personality", () => {
  it("LINUX32 makes uname report a 32-bit machine, and personality() PER_LINUX32", () => {
    const r = report((s) => { s.linux!.personality = { domain: "LINUX32" }; });
    expect(r.personality & 0xff).toBe(0x0008);
    expect(r.machine).toMatch(/^i[3-6]86$/);
  });

  it("LINUX resets a 32-bit persona that rt itself was started with (setarch linux32)", () => {
    const under32 = (edit: (s: Spec) => void) => {
      const bundle = makeBundle(testSpec(["/bin/probe", "report"], edit));
      const r = spawnSync("setarch", ["linux32", RT, "--root", root, "run", "--bundle", bundle, uniqueId()], { encoding: "utf8", timeout: 20_000 });
      if (r.status !== 0) throw new Error(`rt run failed (${r.status}): ${r.stderr}`);
      return JSON.parse(r.stdout) as Report;
    };
    expect(under32(() => {}).machine).toMatch(/^i[3-6]86$/); // inherited when the config says nothing
    const r = under32((s) => { s.linux!.personality = { domain: "LINUX" }; });
    expect(r.personality).toBe(0);
    expect(r.machine).toBe(HOST.machine);
  });
});

describe("process.scheduler", () => {
  it("SCHED_BATCH with a nice value", () => {
    const r = report((s) => { s.process!.scheduler = { policy: "SCHED_BATCH", nice: 7 }; });
    expect([r.sched.policy, r.sched.nice]).toEqual([3, 7]);
  });

  it("SCHED_FIFO with a priority and SCHED_FLAG_RESET_ON_FORK", () => {
    // The container has its own v1 cpu cgroup here (as with runc), whose realtime budget starts at 0: it needs one to run SCHED_FIFO.
    const r = report((s) => { s.process!.scheduler = { policy: "SCHED_FIFO", priority: 12, flags: ["SCHED_FLAG_RESET_ON_FORK"] }; s.linux!.resources = { ...s.linux!.resources, cpu: { realtimePeriod: 100000, realtimeRuntime: 10000 } }; });
    expect([r.sched.policy, r.sched.priority, r.sched.flags & 1]).toEqual([1, 12, 1]);
  });

  it("SCHED_DEADLINE with runtime, deadline and period", () => {
    const r = report((s) => { s.process!.scheduler = { policy: "SCHED_DEADLINE", runtime: 1_000_000, deadline: 10_000_000, period: 20_000_000 }; });
    expect([r.sched.policy, r.sched.runtime, r.sched.deadline, r.sched.period]).toEqual([6, 1_000_000, 10_000_000, 20_000_000]);
  });

  it("SCHED_IDLE", () => {
    expect(report((s) => { s.process!.scheduler = { policy: "SCHED_IDLE" }; }).sched.policy).toBe(5);
  });

  it("a refusal of the kernel names the field, the syscall and the errno", () => {
    // runtime > deadline: sched_setattr refuses SCHED_DEADLINE with EINVAL.
    const r = run((s) => { s.process!.scheduler = { policy: "SCHED_DEADLINE", runtime: 20_000_000, deadline: 10_000_000, period: 30_000_000 }; });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/process\.scheduler.*sched_setattr.*Invalid argument/);
  });
});

describe("process.ioPriority", () => {
  it("sets the class and level (ioprio_get reads the class shifted by 13, plus the level)", () => {
    expect(report((s) => { s.process!.ioPriority = { class: "IOPRIO_CLASS_BE", priority: 5 }; }).ioprio).toBe((2 << 13) | 5);
    expect(report((s) => { s.process!.ioPriority = { class: "IOPRIO_CLASS_RT", priority: 1 }; }).ioprio).toBe((1 << 13) | 1);
    expect(report((s) => { s.process!.ioPriority = { class: "IOPRIO_CLASS_IDLE", priority: 0 }; }).ioprio >> 13).toBe(3);
  });
});

describe.runIf(ONLINE_CPUS !== "0")("process.execCPUAffinity", () => {
  it("initial alone is what the init keeps (it inherits the executor's CPUs)", () => {
    const r = report((s) => { s.process!.execCPUAffinity = { initial: "1" }; });
    expect(statusLine(r.status, "Cpus_allowed_list")).toBe("1");
  });

  it("final is the init's once it is in its cgroup", () => {
    const r = report((s) => { s.process!.execCPUAffinity = { initial: "1", final: "0" }; });
    expect(statusLine(r.status, "Cpus_allowed_list")).toBe("0");
    expect(statusLine(report((s) => { s.process!.execCPUAffinity = { final: "0-1" }; }).status, "Cpus_allowed_list")).toBe("0-1");
  });

  it("a CPU that does not exist is the kernel's EINVAL, named by field", () => {
    const r = run((s) => { s.process!.execCPUAffinity = { final: "4000" }; });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/process\.execCPUAffinity\.final.*sched_setaffinity.*Invalid argument/);
  });
});

describe("linux.memoryPolicy", () => {
  it("MPOL_BIND to node 0 with MPOL_F_STATIC_NODES", () => {
    const r = report((s) => { s.linux!.memoryPolicy = { mode: "MPOL_BIND", nodes: "0", flags: ["MPOL_F_STATIC_NODES"] }; });
    expect(r.mempolicy).toEqual({ mode: 2 | (1 << 15), nodes: 1 });
  });

  it("MPOL_PREFERRED to node 0, MPOL_LOCAL without nodes", () => {
    expect(report((s) => { s.linux!.memoryPolicy = { mode: "MPOL_PREFERRED", nodes: "0" }; }).mempolicy).toEqual({ mode: 1, nodes: 1 });
    expect(report((s) => { s.linux!.memoryPolicy = { mode: "MPOL_LOCAL" }; }).mempolicy).toMatchObject({ mode: 4 });
  });

  it("a node the machine lacks is the kernel's refusal, named by field", () => {
    const r = run((s) => { s.linux!.memoryPolicy = { mode: "MPOL_BIND", nodes: "7" }; });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/linux\.memoryPolicy.*set_mempolicy.*Invalid argument/);
  });
});

describe("linux.timeOffsets", () => {
  it("a new time namespace shifts CLOCK_MONOTONIC and CLOCK_BOOTTIME by the offsets", () => {
    const r = report((s) => {
      s.linux!.namespaces!.push({ type: "time" });
      s.linux!.timeOffsets = { monotonic: { secs: 100_000 }, boottime: { secs: 200_000, nanosecs: 5 } };
    });
    expect(Math.abs(r.clocks.monotonic - hostClock("monotonic") - 100_000)).toBeLessThan(5);
    expect(Math.abs(r.clocks.boottime - hostClock("boottime") - 200_000)).toBeLessThan(5);
  });

  it("a new time namespace without offsets has the host's clocks, in a namespace of its own", () => {
    const r = report((s) => { s.linux!.namespaces!.push({ type: "time" }); }) as Report & { ns: Record<string, string> };
    expect(r.ns.time).not.toBe(fs.readlinkSync("/proc/self/ns/time"));
    expect(Math.abs(r.clocks.boottime - hostClock("boottime"))).toBeLessThan(5);
  });
});
