// Device control without root: the rule list a container gets, the v1 model
// it is played through (the lines written to devices.deny/devices.allow), the
// refusals, and the cgroup v2 eBPF program — run here by a small interpreter
// of the instructions it uses and compared with the v1 model's decision.
import { describe, expect, it } from "vitest";
import { ACC, ACC_ALL, ANY, decide, emulate, type DeviceRule, type DeviceState } from "../../src/cgroups/device-rules.ts";
import { BPF, deviceFilterInsns, deviceFilterProgram, type Insn } from "../../src/cgroups/device-filter.ts";
import { expectedV1List, v1Writes } from "../../src/cgroups/v1-devices.ts";
import { containerDeviceState, deviceRuleIssues } from "../../src/linux/device-control.ts";
import { defaultSpec } from "../../src/linux/default-spec.ts";
import { buildPlan, type PlanInput } from "../../src/linux/plan.ts";
import { semanticIssues } from "../../src/bundle/semantic.ts";
import { Op } from "../../src/process/wire.ts";
import type { LinuxDeviceCgroup, Spec } from "../../src/spec/types.ts";

const R = (allow: boolean, type: "a" | "c" | "b", major = ANY, minor = ANY, access = ACC_ALL, field = "t"): DeviceRule => ({ allow, type, major, minor, access, field });
const lines = (s: DeviceState) => v1Writes(s).map((w) => `${w.file} ${w.line}`);
const withRules = (devices: LinuxDeviceCgroup[], edit?: (s: Spec) => void): Spec => {
  const s = defaultSpec(["/bin/true"]);
  s.linux!.resources = { devices };
  edit?.(s);
  return s;
};

// runc's default allow-list, as devices.list shows it.
const DEFAULTS = ["c *:* m", "b *:* m", "c 1:3 rwm", "c 1:8 rwm", "c 1:7 rwm", "c 5:0 rwm", "c 1:5 rwm", "c 1:9 rwm", "c 136:* rwm", "c 5:2 rwm"];

describe("the v1 model of the rule list (in config order)", () => {
  it("rt spec's deny-all rule plus the default allow-list: default-deny, then runc's list, written after an `a` deny", () => {
    const state = containerDeviceState(defaultSpec(["/bin/true"]));
    expect(state.defaultAllow).toBe(false);
    expect(lines(state)).toEqual(["devices.deny a *:* rwm", ...DEFAULTS.map((l) => `devices.allow ${l}`)]);
    expect(expectedV1List(state)).toEqual(DEFAULTS);
    expect(defaultSpec().linux!.resources!.devices).toEqual([{ allow: false, access: "rwm" }]);
  });

  it("no rules at all is still an allow-list (default deny), as the spec intends", () => {
    const s = defaultSpec(["/bin/true"]);
    delete s.linux!.resources;
    expect(containerDeviceState(s).defaultAllow).toBe(false);
  });

  it("`a` on deny sets default-deny and clears what came before", () => {
    expect(emulate([R(true, "c", 1, 3), R(false, "a")])).toEqual({ defaultAllow: false, exceptions: [] });
  });

  it("an allow-all after specific denies wins: default-allow, the denies gone", () => {
    const s = emulate([R(false, "a"), R(false, "c", 1, 3), R(true, "a")]);
    expect(s).toEqual({ defaultAllow: true, exceptions: [] });
    expect(lines(s)).toEqual(["devices.allow a *:* rwm"]);
  });

  it("denies after an allow-all are exceptions written to devices.deny; devices.list can only show the mode", () => {
    const s = emulate([R(true, "a"), R(false, "b", 8, ANY, ACC.READ | ACC.WRITE)]);
    expect(lines(s)).toEqual(["devices.allow a *:* rwm", "devices.deny b 8:* rw"]);
    expect(expectedV1List(s)).toEqual(["a *:* rwm"]);
  });

  it("merges access of one device and removes part of it with a later deny", () => {
    const s = emulate([R(false, "a"), R(true, "c", 1, 3, ACC.READ), R(true, "c", 1, 3, ACC.WRITE | ACC.MKNOD), R(false, "c", 1, 3, ACC.WRITE)]);
    expect(lines(s)).toEqual(["devices.deny a *:* rwm", "devices.allow c 1:3 rm"]);
    expect(emulate([R(false, "a"), R(true, "c", 1, 3), R(false, "c", 1, 3)]).exceptions).toEqual([]);
  });

  it("refuses to punch a hole in a wildcard rule (v1 would ignore it), naming both rules", () => {
    expect(() => emulate([R(false, "a"), R(true, "c", 1, ANY, ACC_ALL, "linux.r1"), R(false, "c", 1, 3, ACC.READ, "linux.r2")]))
      .toThrow(/^linux\.r2: denying c 1:3 r \(linux\.r2\) inside c 1:\* rwm \(allowed by linux\.r1\) cannot be enforced/);
    // Access the wildcard does not cover is fine.
    expect(emulate([R(false, "a"), R(true, "c", 1, ANY, ACC.MKNOD), R(false, "c", 1, 3, ACC.READ)]).exceptions).toHaveLength(1);
  });
});

describe("config rules refused by name (rt validate and create)", () => {
  const issues = (d: LinuxDeviceCgroup[], edit?: (s: Spec) => void) => semanticIssues(withRules(d, edit)).filter((i) => i.path.startsWith("linux.resources") || i.path.startsWith("linux.devices"));

  it("accepts the spec's example rules and wildcards given as -1, as engines write them", () => {
    expect(issues([{ allow: false, access: "rwm" }, { allow: true, type: "c", major: 10, minor: 229, access: "rw" }, { allow: true, type: "b", major: 8, minor: 0, access: "r" }])).toEqual([]);
    expect(issues([{ allow: true, type: "c", major: -1, minor: -1, access: "m" }, { allow: true, type: "a" }])).toEqual([]);
  });

  it("a type-a (or untyped) rule with numbers or partial access, which the kernel would widen to every device", () => {
    expect(issues([{ allow: true, major: 8, minor: 0, access: "rwm" }])).toEqual([
      { path: "linux.resources.devices[0]", message: expect.stringMatching(/type "a" \(every device, as type is unset\) takes no major or minor/) },
    ]);
    expect(issues([{ allow: true, type: "a", access: "r" }])).toEqual([
      { path: "linux.resources.devices[0].access", message: expect.stringMatching(/must be "rwm" \(got "r"\)/) },
    ]);
  });

  it("a c or b rule without access, and numbers out of range", () => {
    expect(issues([{ allow: true, type: "c", major: 1, minor: 3 }]).map((i) => i.path)).toEqual(["linux.resources.devices[0].access"]);
    expect(issues([{ allow: true, type: "c", major: -2, minor: 4294967296, access: "r" }]).map((i) => i.path))
      .toEqual(["linux.resources.devices[0].major", "linux.resources.devices[0].minor"]);
  });

  it("a hole that the default allow-list would punch is blamed on the config rule that made the wildcard", () => {
    expect(issues([{ allow: true, type: "a" }, { allow: false, type: "c", access: "rwm" }])).toEqual([
      { path: "linux.resources.devices[1]", message: expect.stringMatching(/allowing c 1:3 rwm \(the default allow-list \(\/dev\/null\)\) inside c \*:\* rw \(denied by linux\.resources\.devices\[1\]\)/) },
    ]);
  });

  it("linux.devices are allowed rwm (fifos are not device-controlled); one at a default's path replaces that default", () => {
    const s = withRules([{ allow: false, access: "rwm" }], (sp) => {
      sp.linux!.devices = [{ path: "/dev/sda", type: "b", major: 8, minor: 0 }, { path: "/dev/null", type: "c", major: 1, minor: 33 }, { path: "/run/f", type: "p" }, { path: "/dev/uc", type: "u", major: 4, minor: 64 }];
    });
    const list = expectedV1List(containerDeviceState(s));
    expect(list).not.toContain("c 1:3 rwm");
    expect(list.slice(-3).sort()).toEqual(["b 8:0 rwm", "c 1:33 rwm", "c 4:64 rwm"]);
    expect(list).toHaveLength(DEFAULTS.length - 1 + 3);
    expect(deviceRuleIssues(s)).toEqual([]);
    s.linux!.devices![0].major = 2 ** 32;
    expect(deviceRuleIssues(s)).toEqual([{ path: "linux.devices[0].major", message: "must be 0 to 4294967295 (got 4294967296)" }]);
  });
});

describe("the plan", () => {
  const input = (extra: Partial<PlanInput> = {}): PlanInput => ({ spec: defaultSpec(["/bin/true"]), bundle: "/b", rootfs: "/b/rootfs", cgroupDir: "/sys/fs/cgroup/rt-x", fifoPath: "/run/rt/x/exec.fifo", mode: "detach", preserveFds: 0, listenFds: 0, noPivot: false, ...extra });

  it("cgroup v2: DEVICE_FILTER on the container's cgroup, after its CGROUP_JOIN and before CLONE", () => {
    const plan = buildPlan(input({ cgroupIsNew: true }));
    const at = (op: Op) => plan.findIndex((o) => o.op === op);
    const f = plan[at(Op.DEVICE_FILTER)];
    expect(f.args[0]).toBe("/sys/fs/cgroup/rt-x");
    expect(f.args[1]).toEqual(deviceFilterProgram(containerDeviceState(input().spec)));
    expect(f.field).toBe("linux.resources.devices");
    expect(at(Op.CGROUP_JOIN)).toBeLessThan(at(Op.DEVICE_FILTER));
    expect(at(Op.DEVICE_FILTER)).toBeLessThan(at(Op.CLONE));
  });

  it("v1 devices hierarchy: a second CGROUP_JOIN (migrate) of that cgroup, and no eBPF program", () => {
    const plan = buildPlan(input({ cgroupIsNew: true, devicesV1Dir: "/sys/fs/cgroup/devices/rt-x" }));
    const joins = plan.filter((o) => o.op === Op.CGROUP_JOIN).map((o) => o.args);
    expect(joins).toEqual([["/sys/fs/cgroup/rt-x", "born"], ["/sys/fs/cgroup/devices/rt-x", "migrate"]]);
    expect(plan.some((o) => o.op === Op.DEVICE_FILTER)).toBe(false);
  });
});

// --- the eBPF program, run ---

const MASK32 = 0xffffffffn, MASK64 = (1n << 64n) - 1n;
const sext = (imm: number) => BigInt.asUintN(64, BigInt(imm));

/** Runs a program of the instructions device-filter.ts emits on one access; throws on anything a verifier would refuse. */
function runFilter(insns: Insn[], type: "c" | "b", major: number, minor: number, access: number): boolean {
  const ctx = [BigInt((type === "b" ? 1 : 2) | (access << 16)), BigInt(major), BigInt(minor)];
  const reg: (bigint | undefined)[] = [undefined, 0n /* ctx pointer */];
  const get = (r: number) => { const v = reg[r]; if (v === undefined) throw new Error(`r${r} read before it is written`); return v; };
  for (let pc = 0, steps = 0; ; pc++, steps++) {
    if (pc < 0 || pc >= insns.length || steps > 10_000) throw new Error(`pc ${pc} out of the program`);
    const x = insns[pc];
    switch (x.code) {
      case BPF.LDX_MEM_W:
        if (x.src !== 1 || x.off % 4 || x.off > 8) throw new Error(`bad ctx load at ${pc}`);
        reg[x.dst] = ctx[x.off / 4];
        break;
      case BPF.ALU32_AND_K: reg[x.dst] = get(x.dst) & BigInt(x.imm >>> 0) & MASK32; break;
      case BPF.ALU32_RSH_K: reg[x.dst] = (get(x.dst) & MASK32) >> BigInt(x.imm); break;
      case BPF.ALU32_MOV_K: reg[x.dst] = BigInt(x.imm >>> 0); break;
      case BPF.ALU32_MOV_X: reg[x.dst] = get(x.src) & MASK32; break;
      case BPF.JEQ_K: if (get(x.dst) === sext(x.imm)) pc += x.off; break;
      case BPF.JNE_K: if (get(x.dst) !== sext(x.imm)) pc += x.off; break;
      case BPF.JNE_X: if ((get(x.dst) & MASK64) !== get(x.src)) pc += x.off; break;
      case BPF.EXIT: return get(0) === 1n;
      default: throw new Error(`unexpected opcode ${x.code.toString(16)} at ${pc}`);
    }
  }
}

/** Decodes the bytes back into instructions: the encoding is checked, not just the list. */
function decode(bytes: Uint8Array): Insn[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Insn[] = [];
  for (let i = 0; i < bytes.length; i += 8) {
    const regs = v.getUint8(i + 1);
    out.push({ code: v.getUint8(i), dst: regs & 15, src: regs >> 4, off: v.getInt16(i + 2, true), imm: v.getInt32(i + 4, true) });
  }
  return out;
}

describe("the cgroup v2 eBPF program decides as the v1 model does", () => {
  const states: [string, DeviceState][] = [
    ["rt spec's defaults", containerDeviceState(defaultSpec(["/bin/true"]))],
    ["an allow-list with partial access", emulate([R(false, "a"), R(true, "c", 1, 5, ACC.READ), R(true, "b", 8, ANY, ACC.READ | ACC.MKNOD), R(true, "c", ANY, 7, ACC.WRITE)])],
    ["a deny-list", emulate([R(true, "a"), R(false, "b", 254, 0), R(false, "c", 1, ANY, ACC.WRITE), R(false, "c", 10, 200, ACC.READ | ACC.WRITE)])],
    ["numbers above 2^31", emulate([R(false, "a"), R(true, "c", 0x80000001, 0xfffffffe, ACC.READ)])],
    ["allow everything", emulate([R(true, "a")])],
    ["deny everything", emulate([R(false, "a")])],
  ];
  const numbers = [0, 1, 3, 5, 7, 8, 9, 136, 200, 254, 0x80000001, 0xfffffffe, 0xffffffff];
  const accesses = [ACC.READ, ACC.WRITE, ACC.MKNOD, ACC.READ | ACC.WRITE, ACC_ALL];

  for (const [name, state] of states) {
    it(`${name}: every (type, major, minor, access) tried gives the v1 model's answer`, () => {
      const insns = decode(deviceFilterProgram(state));
      expect(insns).toEqual(deviceFilterInsns(state));
      let tried = 0;
      for (const type of ["c", "b"] as const) for (const major of numbers) for (const minor of numbers) for (const access of accesses) {
        const want = decide(state, type, major, minor, access);
        expect([type, major, minor, access, runFilter(insns, type, major, minor, access)]).toEqual([type, major, minor, access, want]);
        tried++;
      }
      expect(tried).toBe(2 * numbers.length ** 2 * accesses.length);
    });
  }

  it("what the model decides is the kernel's v1 behaviour, on cases picked by hand", () => {
    const p = deviceFilterInsns(containerDeviceState(defaultSpec(["/bin/true"])));
    expect(runFilter(p, "c", 1, 3, ACC.READ | ACC.WRITE)).toBe(true); // /dev/null
    expect(runFilter(p, "c", 136, 4, ACC.READ)).toBe(true); // a pts
    expect(runFilter(p, "b", 254, 0, ACC.MKNOD)).toBe(true); // mknod of a disk node …
    expect(runFilter(p, "b", 254, 0, ACC.READ)).toBe(false); // … but no access to it
    expect(runFilter(p, "c", 1, 1, ACC.READ)).toBe(false); // /dev/mem
    const partial = deviceFilterInsns(emulate([R(false, "a"), R(true, "c", 1, 5, ACC.READ)]));
    expect([runFilter(partial, "c", 1, 5, ACC.READ), runFilter(partial, "c", 1, 5, ACC.READ | ACC.WRITE)]).toEqual([true, false]);
    const denyW = deviceFilterInsns(emulate([R(true, "a"), R(false, "c", 1, 5, ACC.WRITE)]));
    // A deny bites on any part of the access: read+write of a write-denied device is refused.
    expect([runFilter(denyW, "c", 1, 5, ACC.READ), runFilter(denyW, "c", 1, 5, ACC.READ | ACC.WRITE)]).toEqual([true, false]);
  });

  it("ends every path with r0 set and EXIT; a rwm rule skips the access test", () => {
    const insns = deviceFilterInsns(emulate([R(false, "a"), R(true, "c", 1, 3)]));
    expect(insns.at(-1)!.code).toBe(BPF.EXIT);
    expect(insns.filter((x) => x.code === BPF.ALU32_MOV_X)).toEqual([]);
    expect(insns).toHaveLength(6 + 5 + 2);
  });
});
