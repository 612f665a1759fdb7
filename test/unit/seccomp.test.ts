// linux.seccomp → plan (src/linux/seccomp.ts, placed by plan.ts), without
// root: the numbers against what libseccomp's own seccomp.h says (the tables
// the build generated from it), and the ops, their order and their fields.
import { describe, expect, it } from "vitest";
import { buildPlan, type PlanInput } from "../../src/linux/plan.ts";
import { SCMP_CMP, SECCOMP_ARCHS, SECCOMP_FLAGS, conditionGroups, seccompAction } from "../../src/linux/seccomp.ts";
import { defaultSpec } from "../../src/linux/default-spec.ts";
import { LIBSECCOMP_ACTIONS, LIBSECCOMP_ARCHS, LIBSECCOMP_CMP, LIBSECCOMP_SYSCALLS, NATIVE_ARCH } from "../../src/bundle/generated/seccomp.js";
import { Op, type Plan } from "../../src/process/wire.ts";
import type { LinuxSeccomp, SeccompAction, Spec } from "../../src/spec/types.ts";

function input(sc: LinuxSeccomp | undefined, edit?: (s: Spec) => void, warnings: string[] = []): PlanInput {
  const spec = defaultSpec(["/bin/probe", "report"]);
  if (sc) spec.linux!.seccomp = sc;
  edit?.(spec);
  return {
    spec, id: "c1", bundle: "/b", rootfs: "/b/rootfs", cgroupDir: "", fifoPath: "/run/rt/c1/exec.fifo", mode: "detach",
    preserveFds: 0, listenFds: 0, noPivot: false, warn: (m) => warnings.push(m),
  };
}
const seccompOpsOf = (p: Plan) => p.filter((o) => [Op.SECCOMP_INIT, Op.SECCOMP_RULE, Op.SECCOMP_LOAD, Op.SECCOMP_LISTENER].includes(o.op));
const rules = (p: Plan) => p.filter((o) => o.op === Op.SECCOMP_RULE).map((o) => o.args.map(String));
const ALL_ACTIONS: SeccompAction[] = [
  "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO",
  "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY",
];

describe("seccomp numbers", () => {
  it("every action is the kernel's SECCOMP_RET_* value that libseccomp's SCMP_ACT_* is", () => {
    for (const a of ALL_ACTIONS) expect(seccompAction(a, 0), a).toBe(LIBSECCOMP_ACTIONS[a]);
  });

  it("ERRNO and TRACE carry errnoRet in their data, EPERM when absent; other actions carry none", () => {
    expect(seccompAction("SCMP_ACT_ERRNO", undefined)).toBe(0x00050001);
    expect(seccompAction("SCMP_ACT_ERRNO", 28)).toBe(0x0005001c);
    expect(seccompAction("SCMP_ACT_ERRNO", 0)).toBe(0x00050000);
    expect(seccompAction("SCMP_ACT_TRACE", undefined)).toBe(0x7ff00001);
    expect(seccompAction("SCMP_ACT_TRACE", 4000)).toBe(0x7ff00fa0);
    expect(seccompAction("SCMP_ACT_KILL_PROCESS", undefined)).toBe(0x80000000);
    expect(seccompAction("SCMP_ACT_ALLOW", undefined)).toBe(0x7fff0000);
  });

  it("every arch this libseccomp knows has rt's AUDIT_ARCH value, and the native one is among them", () => {
    expect(Object.keys(LIBSECCOMP_ARCHS).length).toBeGreaterThan(10);
    for (const [name, token] of Object.entries(LIBSECCOMP_ARCHS)) expect(SECCOMP_ARCHS[name], name).toBe(token);
    expect(Object.values(LIBSECCOMP_ARCHS)).toContain(NATIVE_ARCH);
  });

  it("operators are seccomp.h's enum scmp_compare", () => {
    expect(SCMP_CMP).toEqual(LIBSECCOMP_CMP);
  });

  it("the generated syscall list is libseccomp's: it has the usual names and not made-up ones", () => {
    for (const n of ["read", "write", "mkdir", "mkdirat", "clone3", "openat2", "socketcall"]) expect(LIBSECCOMP_SYSCALLS, n).toContain(n);
    expect(LIBSECCOMP_SYSCALLS).not.toContain("no_such_syscall");
  });
});

describe("seccompOps", () => {
  it("without linux.seccomp: no seccomp op", () => {
    expect(seccompOpsOf(buildPlan(input(undefined)))).toEqual([]);
  });

  it("SECCOMP_INIT has the default action with defaultErrnoRet, the flag mask and the arch tokens", () => {
    const p = buildPlan(input({
      defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 38,
      flags: ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
      architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    }));
    const init = p.find((o) => o.op === Op.SECCOMP_INIT)!;
    expect(init.args.map(String)).toEqual([String(0x50000 + 38), "7", "3221225534", "1073741827", "1073741886"]);
    expect(init.field).toBe("linux.seccomp.defaultAction");
    expect(SECCOMP_FLAGS.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV).toBe(32);
    expect(p.find((o) => o.op === Op.SECCOMP_LOAD)!.args).toEqual([]);
  });

  it("one SECCOMP_RULE per known name, with the rule's action and its field", () => {
    const p = buildPlan(input({
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 13 }, { names: ["reboot"], action: "SCMP_ACT_KILL_PROCESS" }],
    }));
    expect(rules(p)).toEqual([["mkdir", String(0x5000d)], ["mkdirat", String(0x5000d)], ["reboot", "2147483648"]]);
    expect(p.filter((o) => o.op === Op.SECCOMP_RULE).map((o) => o.field)).toEqual([
      "linux.seccomp.syscalls[0] (mkdir)", "linux.seccomp.syscalls[0] (mkdirat)", "linux.seccomp.syscalls[1] (reboot)",
    ]);
  });

  it("conditions on different arguments go in one rule (ANDed); two on one argument make one rule each (ORed), as runc", () => {
    expect(conditionGroups([
      { index: 0, op: "SCMP_CMP_EQ", value: 5 },
      { index: 1, op: "SCMP_CMP_MASKED_EQ", value: 0xff, valueTwo: 0x12 },
      { index: 2, op: "SCMP_CMP_GT", value: 10, valueTwo: 99 }, // valueTwo only means something to MASKED_EQ
    ])).toEqual([[[0, 4, "5", "0"], [1, 7, "255", "18"], [2, 6, "10", "0"]]]);
    expect(conditionGroups([{ index: 0, op: "SCMP_CMP_LT", value: 3 }, { index: 0, op: "SCMP_CMP_GE", value: 100 }, { index: 1, op: "SCMP_CMP_NE", value: 1 }]))
      .toEqual([[[0, 2, "3", "0"]], [[0, 5, "100", "0"]], [[1, 1, "1", "0"]]]);
    const p = buildPlan(input({
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [{ names: ["personality"], action: "SCMP_ACT_ERRNO", args: [{ index: 0, op: "SCMP_CMP_LE", value: 2 ** 40 }, { index: 0, op: "SCMP_CMP_NE", value: 8 }] }],
    }));
    expect(rules(p)).toEqual([["personality", "327681", "0", "3", "1099511627776", "0"], ["personality", "327681", "0", "1", "8", "0"]]);
  });

  it("skips rules whose action is the default action, errno included", () => {
    const p = buildPlan(input({
      defaultAction: "SCMP_ACT_ERRNO",
      syscalls: [
        { names: ["read"], action: "SCMP_ACT_ERRNO" }, // EPERM, like the default: skipped
        { names: ["write"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }, // skipped too
        { names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 2 },
        { names: ["getpid"], action: "SCMP_ACT_ALLOW" },
      ],
    }));
    expect(rules(p).map((r) => r[0])).toEqual(["mkdir", "getpid"]);
  });

  it("warns about names libseccomp does not know and skips them, as runc does", () => {
    const warnings: string[] = [];
    const p = buildPlan(input({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir", "frobnicate"], action: "SCMP_ACT_ERRNO" }] }, undefined, warnings));
    expect(rules(p).map((r) => r[0])).toEqual(["mkdir"]);
    expect(warnings).toEqual([expect.stringMatching(/^linux\.seccomp\.syscalls\[0\]\.names\[1\]: unknown syscall "frobnicate" skipped \(libseccomp [\d.]+ does not know it\)$/)]);
  });

  it("places the filter just before WAIT_START with noNewPrivileges, after NO_NEW_PRIVS and CLOSE_FDS", () => {
    const o = buildPlan(input({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO" }] })).map((x) => x.op);
    expect(o.slice(-6)).toEqual([Op.CLOSE_FDS, Op.SECCOMP_INIT, Op.SECCOMP_RULE, Op.SECCOMP_LOAD, Op.WAIT_START, Op.EXEC]);
    expect(o.indexOf(Op.NO_NEW_PRIVS)).toBeLessThan(o.indexOf(Op.SECCOMP_INIT));
  });

  it("places the filter before the uid switch without noNewPrivileges (loading then needs CAP_SYS_ADMIN)", () => {
    const o = buildPlan(input({ defaultAction: "SCMP_ACT_ALLOW" }, (s) => { s.process!.noNewPrivileges = false; s.process!.user = { uid: 1000, gid: 1000 }; })).map((x) => x.op);
    expect(o.indexOf(Op.SECCOMP_LOAD)).toBeLessThan(o.indexOf(Op.SETGROUPS_IDS));
    expect(o.indexOf(Op.SECCOMP_LOAD)).toBeLessThan(o.indexOf(Op.SETUID));
    expect(o.indexOf(Op.SECCOMP_INIT)).toBeGreaterThan(o.indexOf(Op.PIVOT_ROOT));
    expect(o).not.toContain(Op.NO_NEW_PRIVS);
  });

  it("SCMP_ACT_NOTIFY: SECCOMP_LISTENER before CLONE and any NS_JOIN, and the process state in pieces around the pid", () => {
    const sc: LinuxSeccomp = {
      defaultAction: "SCMP_ACT_ALLOW", listenerPath: "/run/agent.sock", listenerMetadata: "m=1",
      syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_NOTIFY" }],
    };
    const p = buildPlan(input(sc, (s) => {
      s.annotations = { a: "b" };
      s.linux!.namespaces!.push({ type: "time", path: "/proc/1/ns/time" });
    }));
    const o = p.map((x) => x.op);
    const listener = p.find((x) => x.op === Op.SECCOMP_LISTENER)!;
    expect(listener.args).toEqual(["/run/agent.sock"]);
    expect(listener.field).toBe("linux.seccomp.listenerPath");
    expect(o.indexOf(Op.SECCOMP_LISTENER)).toBeLessThan(o.indexOf(Op.NS_JOIN));
    expect(o.indexOf(Op.SECCOMP_LISTENER)).toBeLessThan(o.indexOf(Op.CLONE));
    const load = p.find((x) => x.op === Op.SECCOMP_LOAD)!;
    expect(load.args).toHaveLength(3);
    expect(JSON.parse(load.args.join("4242"))).toEqual({
      ociVersion: "1.3.0", fds: ["seccompFd"], pid: 4242, metadata: "m=1",
      state: { ociVersion: "1.3.0", id: "c1", status: "creating", pid: 4242, bundle: "/b", annotations: { a: "b" } },
    });
  });

  it("the process state leaves out metadata and annotations that are not there", () => {
    const p = buildPlan(input({ defaultAction: "SCMP_ACT_ERRNO", listenerPath: "/s", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_NOTIFY" }] }));
    const load = p.find((x) => x.op === Op.SECCOMP_LOAD)!;
    expect(JSON.parse(load.args.join("7"))).toEqual({
      ociVersion: "1.3.0", fds: ["seccompFd"], pid: 7, state: { ociVersion: "1.3.0", id: "c1", status: "creating", pid: 7, bundle: "/b" },
    });
  });

  it("no listener when every NOTIFY rule was skipped (nothing to notify)", () => {
    const p = buildPlan(input({ defaultAction: "SCMP_ACT_ALLOW", listenerPath: "/s", syscalls: [{ names: ["frobnicate"], action: "SCMP_ACT_NOTIFY" }] }));
    expect(seccompOpsOf(p).map((x) => x.op)).toEqual([Op.SECCOMP_INIT, Op.SECCOMP_LOAD]);
    expect(p.find((x) => x.op === Op.SECCOMP_LOAD)!.args).toEqual([]);
  });
});
