// The process-attribute ops (src/linux/process-attrs.ts) and where plan.ts
// puts them; the name → number tables against the kernel headers in /usr/include.
import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import { buildPlan, type PlanInput } from "../../src/linux/plan.ts";
import { Op } from "../../src/process/wire.ts";
import { defaultSpec } from "../../src/linux/default-spec.ts";
import { CLONE_NEW } from "../../src/linux/constants.ts";
import {
  IOPRIO_CLASSES, MPOL_FLAGS, MPOL_MODES, PERSONALITY_DOMAINS, SCHED_FLAGS, SCHED_POLICIES, parseIdList, timeOffsets,
} from "../../src/linux/process-attrs.ts";
import type { Spec } from "../../src/spec/types.ts";

function input(edit?: (s: Spec) => void): PlanInput {
  const spec = defaultSpec(["/bin/probe", "report"]);
  edit?.(spec);
  return { spec, bundle: "/b", rootfs: "/b/rootfs", cgroupDir: "/sys/fs/cgroup/rt-x", fifoPath: "/run/rt/x/exec.fifo", mode: "detach", preserveFds: 0, listenFds: 0, noPivot: false };
}
const at = (plan: ReturnType<typeof buildPlan>, op: Op) => plan.findIndex((o) => o.op === op);

const everything = (s: Spec) => {
  s.linux!.personality = { domain: "LINUX32" };
  s.process!.scheduler = { policy: "SCHED_FIFO", priority: 10, flags: ["SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_KEEP_PARAMS"] };
  s.process!.ioPriority = { class: "IOPRIO_CLASS_IDLE", priority: 3 };
  s.process!.execCPUAffinity = { initial: "1", final: "0-1" };
  s.linux!.memoryPolicy = { mode: "MPOL_INTERLEAVE", nodes: "0,2-3", flags: ["MPOL_F_RELATIVE_NODES"] };
  s.linux!.namespaces!.push({ type: "time" });
  s.linux!.timeOffsets = { boottime: { secs: -5, nanosecs: 7 }, monotonic: { secs: 3600 } };
  s.process!.rlimits = [{ type: "RLIMIT_NOFILE", soft: 10, hard: 10 }];
};

describe("process attribute ops", () => {
  it("turn names into the kernel's numbers", () => {
    const plan = buildPlan(input(everything));
    const args = (op: Op) => plan.filter((o) => o.op === op).map((o) => o.args.map(String));
    expect(args(Op.PERSONALITY)).toEqual([["8"]]);
    expect(args(Op.SCHEDULER)).toEqual([["1", String(0x01 | 0x10), "0", "10", "0", "0", "0"]]);
    expect(args(Op.IOPRIO)).toEqual([["3", "3"]]);
    expect(args(Op.MEMPOLICY)).toEqual([["3", String(1 << 14), "0", "2", "3"]]);
    expect(args(Op.CPU_AFFINITY)).toEqual([["1"], ["0", "1"]]);
    expect(args(Op.TIMENS)).toEqual([["monotonic 3600 0\nboottime -5 7\n"]]);
  });

  it("are placed in their slots: TIMENS and the initial CPUs before CLONE, the final CPUs first in the init, the rest after RLIMIT and before the ids", () => {
    const plan = buildPlan(input(everything));
    const clone = at(plan, Op.CLONE);
    expect(at(plan, Op.TIMENS)).toBeLessThan(clone);
    expect(plan.findIndex((o) => o.field === "process.execCPUAffinity.initial")).toBe(clone - 1);
    expect(plan.findIndex((o) => o.field === "process.execCPUAffinity.final")).toBe(clone + 1);
    for (const op of [Op.PERSONALITY, Op.SCHEDULER, Op.IOPRIO, Op.MEMPOLICY]) {
      expect(at(plan, op), Op[op]).toBeGreaterThan(at(plan, Op.RLIMIT));
      expect(at(plan, op), Op[op]).toBeLessThan(at(plan, Op.UMASK));
      expect(at(plan, op), Op[op]).toBeLessThan(at(plan, Op.SETUID));
    }
  });

  it("a new time namespace is unshared by the executor, so CLONE leaves CLONE_NEWTIME out", () => {
    const plan = buildPlan(input((s) => { s.linux!.namespaces!.push({ type: "time" }); }));
    expect(Number(plan[at(plan, Op.CLONE)].args[0]) & CLONE_NEW.time).toBe(0);
    expect(plan[at(plan, Op.TIMENS)].args).toEqual([""]);
    const joined = buildPlan(input((s) => { s.linux!.namespaces!.push({ type: "time", path: "/proc/1/ns/time" }); }));
    expect(at(joined, Op.TIMENS)).toBe(-1);
    expect(joined.some((o) => o.op === Op.NS_JOIN && o.args[0] === "time")).toBe(true);
  });

  it("nothing is planned for what the config leaves out", () => {
    const plan = buildPlan(input((s) => { s.process!.execCPUAffinity = { final: "" }; }));
    for (const op of [Op.PERSONALITY, Op.SCHEDULER, Op.IOPRIO, Op.CPU_AFFINITY, Op.MEMPOLICY, Op.TIMENS]) expect(at(plan, op), Op[op]).toBe(-1);
  });

  it("unknown names are refused by field", () => {
    expect(() => buildPlan(input((s) => { s.process!.scheduler = { policy: "SCHED_ISO" }; }))).toThrow('process.scheduler.policy: unsupported value "SCHED_ISO"');
    expect(() => buildPlan(input((s) => { s.process!.scheduler = { policy: "SCHED_OTHER", flags: ["SCHED_FLAG_UTIL_CLAMP_MIN"] }; }))).toThrow('process.scheduler.flags[0]: unsupported flag "SCHED_FLAG_UTIL_CLAMP_MIN"');
    expect(() => buildPlan(input((s) => { s.linux!.personality = { domain: "LINUX", flags: ["X"] }; }))).toThrow("linux.personality.flags: not supported");
  });
});

describe("parseIdList", () => {
  it("reads numbers, ranges and strides", () => {
    expect(parseIdList("0-3,7", "f")).toEqual([0, 1, 2, 3, 7]);
    expect(parseIdList(" 7 , 1,1 ", "f")).toEqual([1, 7]);
    expect(parseIdList("0-7:2/4", "f")).toEqual([0, 1, 4, 5]);
    expect(parseIdList("", "f")).toEqual([]);
  });
  it("names what it cannot read", () => {
    expect(() => parseIdList("3-1", "x.y")).toThrow('x.y: range "3-1" ends before it starts');
    expect(() => parseIdList("a", "x.y")).toThrow('x.y: "a" is not a number');
    expect(() => parseIdList("9000", "x.y")).toThrow("x.y: 9000 is above 8191");
  });
  it("timeOffsets writes only the clocks given", () => {
    expect(timeOffsets({ boottime: { secs: 2 } })).toBe("boottime 2 0\n");
    expect(timeOffsets(undefined)).toBe("");
  });
});

describe("the tables agree with the kernel headers in /usr/include", () => {
  const header = (f: string) => fs.readFileSync(`/usr/include/${f}`, "utf8");
  /** `NAME = value` from a #define or an enum (counting implicit enum values). */
  function valueOf(text: string, name: string): number | undefined {
    const def = new RegExp(`#define\\s+${name}\\s+([^\\n]*?)\\s*(?:/\\*.*)?$`, "m").exec(text);
    // Only plain integer expressions: (1 << 15), 0x08, 0x01 | 0x02.
    if (def && /^[\dxa-fA-F\s<|()]+$/.test(def[1])) return Number(new Function(`return ${def[1]}`)());
    const assigned = new RegExp(`\\b${name}\\s*=\\s*(0x[0-9a-fA-F]+|\\d+)`).exec(text);
    if (assigned) return Number(assigned[1]);
    // An implicit enum member: its position after the last explicit value in the same enum.
    for (const body of text.matchAll(/enum\s*\w*\s*\{([^}]*)\}/g)) {
      const members = body[1].replace(/\/\*[\s\S]*?\*\//g, "").split(",").map((m) => m.trim()).filter(Boolean);
      let v = -1;
      for (const m of members) {
        const [n, e] = m.split("=").map((x) => x.trim());
        v = e !== undefined ? Number(e) : v + 1;
        if (n === name) return v;
      }
    }
    return undefined;
  }
  const check = (file: string, table: Record<string, number>, rename: (n: string) => string = (n) => n, newer: string[] = []) => {
    const text = header(file);
    for (const [name, value] of Object.entries(table)) {
      const found = valueOf(text, rename(name));
      if (found === undefined && newer.includes(name)) continue;
      expect(found, `${name} in ${file}`).toBe(value);
    }
  };

  it("personality domains (linux/personality.h)", () => check("linux/personality.h", PERSONALITY_DOMAINS, (n) => `PER_${n}`));
  it("scheduling policies and flags (linux/sched.h)", () => {
    check("linux/sched.h", SCHED_POLICIES, (n) => (n === "SCHED_OTHER" ? "SCHED_NORMAL" : n));
    check("linux/sched.h", SCHED_FLAGS);
  });
  it("I/O priority classes (linux/ioprio.h)", () => check("linux/ioprio.h", IOPRIO_CLASSES));
  it("memory policy modes and flags (linux/mempolicy.h)", () => {
    check("linux/mempolicy.h", MPOL_MODES, undefined, ["MPOL_WEIGHTED_INTERLEAVE"]);
    check("linux/mempolicy.h", MPOL_FLAGS);
  });
});
