// The exec plan (src/linux/exec-plan.ts), the CLI's --env-file parser and
// the exec environment merge, without root: what is joined, in which order,
// and that the process part is create's.
import { describe, expect, it } from "vitest";
import { buildExecPlan, joinOrder, type ExecPlanInput } from "../../src/linux/exec-plan.ts";
import { buildPlan } from "../../src/linux/plan.ts";
import { Op } from "../../src/process/wire.ts";
import { defaultSpec } from "../../src/linux/default-spec.ts";
import type { Spec } from "../../src/spec/types.ts";
import { parseEnvFile } from "../../src/cli/env-file.ts";
import { mergeEnv } from "../../src/container/exec.ts";

const ALL = ["user", "pid", "uts", "ipc", "network", "cgroup", "time", "mount"].map((type) => ({ type, path: `/proc/9/ns/${type}` }));

function input(edit?: (s: Spec) => void, extra: Partial<ExecPlanInput> = {}): ExecPlanInput {
  const spec = defaultSpec(["/bin/probe", "report"]);
  edit?.(spec);
  return {
    spec, bundle: "/b", rootfs: "/b/rootfs", join: ALL.filter((n) => n.type !== "user" && n.type !== "time"),
    cgroups: [{ dir: "/sys/fs/cgroup/unified/rt-x", field: "linux.cgroupsPath" }, { dir: "/sys/fs/cgroup/devices/rt-x", field: "linux.cgroupsPath (devices)" }],
    setgroupsDenied: false, mode: "wait", preserveFds: 0, ...extra,
  };
}
const ops = (p: { op: Op }[]) => p.map((o) => o.op);

describe("buildExecPlan", () => {
  it("joins each namespace and cgroup, then clones with no new namespace", () => {
    const plan = buildExecPlan(input());
    const clone = plan.findIndex((o) => o.op === Op.CLONE);
    expect(plan[clone].args).toEqual([0]);
    expect(plan.slice(0, clone).filter((o) => o.op === Op.NS_JOIN).map((o) => o.args[0])).toEqual(["pid", "uts", "ipc", "network", "cgroup", "mount"]);
    // migrate, never born: the container's cgroup may have seen cgroup.kill
    expect(plan.filter((o) => o.op === Op.CGROUP_JOIN).map((o) => o.args)).toEqual([["/sys/fs/cgroup/unified/rt-x", "migrate"], ["/sys/fs/cgroup/devices/rt-x", "migrate"]]);
    // nothing of create's container set-up: no fifo, no mounts, no maps, no new time namespace
    for (const op of [Op.OPEN_FIFO, Op.MOUNT, Op.PIVOT_ROOT, Op.UID_MAP, Op.TIMENS, Op.SETHOSTNAME, Op.MKNOD, Op.SYSCTL]) expect(ops(plan)).not.toContain(op);
    expect(plan[0]).toMatchObject({ op: Op.MODE, args: ["wait"] });
    // not dumpable before the first join (CVE-2016-9962)
    expect(ops(plan).indexOf(Op.DUMPABLE)).toBeLessThan(ops(plan).indexOf(Op.NS_JOIN));
    expect(plan.find((o) => o.op === Op.DUMPABLE)!.args).toEqual([0]);
  });

  it("joins the container's session keyring by name, first in the child; none when create kept the caller's", () => {
    const plan = buildExecPlan(input(undefined, { keyring: "_ses.c1" }));
    const at = ops(plan).indexOf(Op.KEYRING);
    expect(at).toBe(ops(plan).indexOf(Op.CLONE) + 1);
    expect(plan[at].args).toEqual(["_ses.c1", 0]);
    expect(ops(buildExecPlan(input()))).not.toContain(Op.KEYRING);
  });

  it("joins the user namespace first, mount last, and a time namespace rt unshared (owned by rt's user namespace) before the user one", () => {
    const spec = defaultSpec(["x"]);
    spec.linux!.namespaces!.push({ type: "user" }, { type: "time" });
    expect(joinOrder(ALL, spec).map((j) => j.type)).toEqual(["time", "user", "pid", "uts", "ipc", "network", "cgroup", "mount"]);
    // namespaces a config joined by path existed before the container's user namespace
    spec.linux!.namespaces = [{ type: "user" }, { type: "network", path: "/run/netns/n" }, { type: "mount" }];
    expect(joinOrder(ALL, spec).map((j) => j.type)).toEqual(["network", "user", "pid", "uts", "ipc", "cgroup", "time", "mount"]);
    // …unless the user namespace was joined by path too: then they may be its own
    spec.linux!.namespaces = [{ type: "user", path: "/proc/1/ns/user" }, { type: "network", path: "/run/netns/n" }, { type: "mount" }];
    expect(joinOrder(ALL, spec).map((j) => j.type)).toEqual(["user", "pid", "uts", "ipc", "network", "cgroup", "time", "mount"]);
  });

  it("the process part is create's: the same ops from the terminal to EXEC", () => {
    const edit = (s: Spec) => {
      s.process!.rlimits = [{ type: "RLIMIT_NOFILE", soft: 10, hard: 20 }];
      s.process!.user = { uid: 1000, gid: 1000, additionalGids: [5] };
      s.process!.noNewPrivileges = true;
    };
    const exec = buildExecPlan(input(edit));
    const create = buildPlan({ spec: input(edit).spec, bundle: "/b", rootfs: "/b/rootfs", cgroupDir: "", fifoPath: "/f", mode: "detach", preserveFds: 0, listenFds: 0, noPivot: false });
    const tail = (p: { op: Op; args: unknown[] }[]) => p.slice(p.findIndex((o) => o.op === Op.RLIMIT)).map((o) => [Op[o.op], o.args]);
    expect(tail(exec)).toEqual(tail(create));
    expect(ops(exec).slice(-2)).toEqual([Op.WAIT_START, Op.EXEC]);
  });

  it("resolves the cwd in the container's root: chdir / after the mount namespace, or chroot into root.path without one", () => {
    let plan = buildExecPlan(input());
    const clone = plan.findIndex((o) => o.op === Op.CLONE);
    expect(plan.slice(clone + 1).findIndex((o) => o.op === Op.CHDIR && o.args[0] === "/")).toBeGreaterThanOrEqual(0);
    plan = buildExecPlan(input(undefined, { join: ALL.filter((n) => n.type === "pid") }));
    expect(plan.find((o) => o.op === Op.CHROOT)?.args).toEqual(["/b/rootfs"]);
    expect(() => buildExecPlan(input((s) => { s.process!.cwd = "tmp"; }))).toThrow(/process\.cwd: must be an absolute path/);
  });

  it("skips setgroups where the user namespace denies it, and refuses additional gids there by name", () => {
    expect(ops(buildExecPlan(input(undefined, { setgroupsDenied: true })))).not.toContain(Op.SETGROUPS_IDS);
    expect(() => buildExecPlan(input((s) => { s.process!.user.additionalGids = [4]; }, { setgroupsDenied: true }))).toThrow(/process\.user\.additionalGids: .*denies setgroups/);
  });

  it("a terminal: CONSOLE before the joins (a host path), CONSOLE_SETUP in the process; preserved fds survive CLOSE_FDS", () => {
    const plan = buildExecPlan(input((s) => { s.process!.terminal = true; }, { consoleSocket: "/run/c.sock", preserveFds: 2 }));
    const i = ops(plan);
    expect(i.indexOf(Op.CONSOLE)).toBeLessThan(i.indexOf(Op.NS_JOIN));
    expect(i.indexOf(Op.CONSOLE_SETUP)).toBeGreaterThan(i.indexOf(Op.CLONE));
    expect(plan.find((o) => o.op === Op.CLOSE_FDS)!.args).toEqual([5]);
  });
});

describe("--env-file (Docker's format)", () => {
  const caller = (n: string) => ({ HOME: "/home/me" } as Record<string, string>)[n];
  it("KEY=VALUE literally, comments and blank lines skipped, a bare KEY from the caller or left out", () => {
    expect(parseEnvFile("\uFEFF# c\nA=1\n\n  B= x \nHOME\nNOPE\nC=a=b\r\n   # indented comment\nD=\"q\"\n", "f", caller))
      .toEqual(["A=1", "B= x ", "HOME=/home/me", "C=a=b", 'D="q"']);
  });
  it("a name with blanks or none is an error naming file and line", () => {
    expect(() => parseEnvFile("A=1\nB C=2\n", "/e", caller)).toThrow("--env-file /e:2: variable name \"B C\" contains blanks");
    expect(() => parseEnvFile("=2\n", "/e", caller)).toThrow("--env-file /e:1: no variable name");
  });
});

describe("mergeEnv", () => {
  it("replaces an entry of the same name in place and appends new ones", () => {
    expect(mergeEnv(["PATH=/bin", "HOME=/"], ["HOME=/root", "A=1", "A=2"])).toEqual(["PATH=/bin", "HOME=/root", "A=2"]);
  });
});
