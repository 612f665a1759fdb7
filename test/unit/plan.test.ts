import { afterEach, describe, expect, it, vi } from "vitest";
import { buildPlan, type PlanInput } from "../../src/linux/plan.ts";
import { Op, describePlan, encodePlan, PLAN_MAGIC } from "../../src/process/wire.ts";
import { defaultSpec } from "../../src/linux/default-spec.ts";
import { CLONE_NEW, MS } from "../../src/linux/constants.ts";
import type { Spec } from "../../src/spec/types.ts";
import { host } from "../../src/sys/host.ts";
import { LINUX_CAPABILITIES } from "../../src/linux/capability-names.ts";

function input(edit?: (s: Spec) => void, extra: Partial<PlanInput> = {}): PlanInput {
  const spec = defaultSpec(["/bin/probe", "report"]);
  edit?.(spec);
  return { spec, bundle: "/b", rootfs: "/b/rootfs", cgroupDir: "/sys/fs/cgroup/rt-x", fifoPath: "/run/rt/x/exec.fifo", mode: "detach", preserveFds: 0, listenFds: 0, noPivot: false, ...extra };
}
const ops = (p: ReturnType<typeof buildPlan>) => p.map((o) => o.op);

describe("buildPlan", () => {
  it("clones the configured new namespaces", () => {
    const plan = buildPlan(input());
    const clone = plan.find((o) => o.op === Op.CLONE)!;
    const want = CLONE_NEW.pid | CLONE_NEW.network | CLONE_NEW.ipc | CLONE_NEW.uts | CLONE_NEW.mount | CLONE_NEW.cgroup;
    expect(Number(clone.args[0])).toBe(want);
  });

  it("joins namespaces with a path instead of creating them, user first and mount last", () => {
    const plan = buildPlan(input((s) => {
      s.linux!.namespaces = [{ type: "mount", path: "/proc/1/ns/mnt" }, { type: "network", path: "/run/netns/x" }, { type: "user", path: "/proc/1/ns/user" }, { type: "pid" }];
    }));
    const joins = plan.filter((o) => o.op === Op.NS_JOIN).map((o) => o.args[0]);
    expect(joins).toEqual(["user", "network", "mount"]);
    expect(plan.find((o) => o.op === Op.NS_JOIN && o.args[0] === "network")!.field).toBe("linux.namespaces[1].path");
    expect(Number(plan.find((o) => o.op === Op.CLONE)!.args[0])).toBe(CLONE_NEW.pid);
  });

  it("without a mount namespace mounts nothing: the init only chroots into root.path", () => {
    const plan = buildPlan(input((s) => {
      s.linux!.namespaces = [{ type: "pid" }];
      s.mounts = [];
      s.linux!.maskedPaths = s.linux!.readonlyPaths = [];
      s.root = { path: "rootfs" };
      s.linux!.sysctl = { "kernel.domainname": "x" };
    }));
    const o = ops(plan);
    for (const op of [Op.MAKE_ROOT_PRIVATE, Op.BIND_ROOTFS, Op.MOUNT, Op.PROPAGATE, Op.PIVOT_ROOT, Op.MOVE_ROOT, Op.MKNOD, Op.SYMLINK, Op.MASK, Op.READONLY, Op.REMOUNT_RO]) {
      expect(o, Op[op]).not.toContain(op);
    }
    expect(Number(plan.find((p) => p.op === Op.CLONE)!.args[0]) & CLONE_NEW.mount).toBe(0);
    expect(plan.find((p) => p.op === Op.CHROOT)!.args).toEqual(["/b/rootfs"]);
    expect(o.indexOf(Op.SYSCTL)).toBeLessThan(o.indexOf(Op.CHROOT));
    expect(o.indexOf(Op.CHROOT)).toBeLessThan(o.indexOf(Op.CHDIR));
  });

  it("without a mount namespace, what needs a mount is refused by name", () => {
    expect(() => buildPlan(input((s) => { s.linux!.namespaces = [{ type: "pid" }]; }))).toThrow(/^mounts: needs a mount namespace/);
    expect(() => buildPlan(input((s) => { s.linux!.namespaces = []; s.mounts = []; }))).toThrow(/^linux.maskedPaths: needs a mount namespace/);
  });

  it("rootfsPropagation shared: the mounts are made under rslave, the new root is made shared after pivot_root", () => {
    const plan = buildPlan(input((s) => { s.linux!.rootfsPropagation = "shared"; }));
    const o = ops(plan);
    expect(plan.find((p) => p.op === Op.MAKE_ROOT_PRIVATE)!.args).toEqual([MS.SLAVE | MS.REC]);
    const root = plan.findIndex((p) => p.op === Op.PROPAGATE && p.field === "linux.rootfsPropagation");
    expect(plan[root].args).toEqual(["/", MS.SHARED, "/"]);
    expect(root).toBe(o.indexOf(Op.PIVOT_ROOT) + 1);
    expect(buildPlan(input((s) => { s.linux!.rootfsPropagation = "unbindable"; })).find((p) => p.field === "linux.rootfsPropagation" && p.op === Op.PROPAGATE)!.args[1]).toBe(MS.UNBINDABLE);
  });

  it("rootfsPropagation private and slave are set before any mount, recursively, with nothing after pivot_root", () => {
    for (const [v, flags] of [["private", MS.PRIVATE | MS.REC], ["slave", MS.SLAVE | MS.REC]] as const) {
      const plan = buildPlan(input((s) => { s.linux!.rootfsPropagation = v; }));
      expect(plan.find((p) => p.op === Op.MAKE_ROOT_PRIVATE)!.args, v).toEqual([flags]);
      expect(plan.some((p) => p.op === Op.PROPAGATE && p.field === "linux.rootfsPropagation"), v).toBe(false);
    }
  });

  it("a device fileMode with its file type bits (S_IFCHR|0666) is made with the permission bits", () => {
    const plan = buildPlan(input((s) => { s.linux!.devices = [{ path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 0o20666 }, { path: "/dev/sdz", type: "b", major: 8, minor: 0, fileMode: 0o60640 }]; }));
    expect(plan.find((p) => p.op === Op.MKNOD && p.args[0] === "/dev/fuse")!.args.slice(1, 5)).toEqual(["c", 10, 229, 0o666]);
    expect(plan.find((p) => p.op === Op.MKNOD && p.args[0] === "/dev/sdz")!.args[4]).toBe(0o640);
    expect(() => buildPlan(input((s) => { s.linux!.devices = [{ path: "/dev/x", type: "c", major: 1, minor: 3, fileMode: 0o60666 }]; }))).toThrow('linux.devices[0].fileMode: file type bits 0o60000 do not match device type "c"');
  });

  it("orders host-side steps before clone and the exec last", () => {
    const o = ops(buildPlan(input()));
    expect(o.indexOf(Op.CGROUP_JOIN)).toBeLessThan(o.indexOf(Op.CLONE));
    expect(o.indexOf(Op.OPEN_FIFO)).toBeLessThan(o.indexOf(Op.CLONE));
    expect(o.indexOf(Op.MAKE_ROOT_PRIVATE)).toBeGreaterThan(o.indexOf(Op.CLONE));
    expect(o.indexOf(Op.MAKE_ROOT_PRIVATE)).toBeLessThan(o.indexOf(Op.MOUNT));
    expect(o.lastIndexOf(Op.MOUNT)).toBeLessThan(o.indexOf(Op.PIVOT_ROOT));
    expect(o.indexOf(Op.MKNOD)).toBeGreaterThan(o.indexOf(Op.PIVOT_ROOT));
    expect(o.indexOf(Op.SETUID)).toBeGreaterThan(o.indexOf(Op.SETGID));
    expect(o.slice(-3)).toEqual([Op.CLOSE_FDS, Op.WAIT_START, Op.EXEC]);
  });

  it("turns config mounts into MOUNT ops with their field, flags and data", () => {
    const plan = buildPlan(input());
    const dev = plan.find((o) => o.op === Op.MOUNT && o.args[1] === "/dev")!;
    expect(dev.field).toBe("mounts[1] (/dev)");
    expect(dev.args).toEqual(["tmpfs", "/dev", "tmpfs", MS.NOSUID | MS.STRICTATIME, "mode=755,size=65536k", "dir", "/b/rootfs"]);
  });

  it("a tmpfs with tmpcopyup: TMPCOPYUP open before its MOUNT, TMPCOPYUP copy right after it; without the option, none", () => {
    const plan = buildPlan(input((s) => {
      s.mounts = [{ destination: "/etc", type: "tmpfs", source: "tmpfs", options: ["tmpcopyup", "nosuid", "mode=755"] }, { destination: "/run", type: "tmpfs", source: "tmpfs", options: ["nosuid"] }];
    }));
    const m = plan.filter((o) => o.field === "mounts[0] (/etc)");
    expect(m.map((o) => o.op)).toEqual([Op.TMPCOPYUP, Op.MOUNT, Op.TMPCOPYUP]);
    expect(m[0].args).toEqual(["open", "/etc", "/b/rootfs"]);
    expect(m[1].args).toEqual(["tmpfs", "/etc", "tmpfs", MS.NOSUID, "mode=755", "dir", "/b/rootfs"]);
    expect(m[2].args).toEqual(["copy", "/etc", "/b/rootfs"]);
    expect(plan.indexOf(m[2])).toBe(plan.indexOf(m[1]) + 1);
    expect(plan.filter((o) => o.field === "mounts[1] (/run)").map((o) => o.op)).toEqual([Op.MOUNT]);
    expect(plan.indexOf(m[0])).toBeGreaterThan(plan.findIndex((o) => o.op === Op.BIND_ROOTFS));
    expect(() => encodePlan(plan)).not.toThrow();
  });

  it("bind mounts get a separate remount for their flags, and propagation after", () => {
    const plan = buildPlan(input((s) => { s.mounts = [{ destination: "/data", source: "/tmp", options: ["rbind", "ro", "rprivate"] }]; }));
    const m = plan.filter((o) => o.field === "mounts[0] (/data)");
    expect(m.map((o) => o.op)).toEqual([Op.MOUNT, Op.MOUNT, Op.PROPAGATE]);
    // propagation is set after pivot_root, resolved in the new root
    expect(plan.indexOf(m[2])).toBeGreaterThan(plan.findIndex((o) => o.op === Op.PIVOT_ROOT));
    expect(m[2].args[2]).toBe("/");
    expect(m[0].args.slice(0, 6)).toEqual(["/tmp", "/data", "", MS.BIND | MS.REC, "", "dir"]);
    expect(m[1].args[3]).toBe(MS.REMOUNT | MS.BIND | MS.RDONLY);
    expect(m[2].args[1]).toBe(MS.PRIVATE | MS.REC);
  });

  it("names the mount whose bind source is missing", () => {
    expect(() => buildPlan(input((s) => { s.mounts = [{ destination: "/x", source: "/nonexistent-src", options: ["bind"] }]; }))).toThrow("mounts[0].source: /nonexistent-src does not exist");
  });

  it("maps rlimits to resource numbers, infinity to -1, and names unknown ones", () => {
    const plan = buildPlan(input((s) => { s.process!.rlimits = [{ type: "RLIMIT_NOFILE", soft: 100, hard: 200 }, { type: "RLIMIT_CORE", soft: 18446744073709551615, hard: 18446744073709551615 }]; }));
    const rl = plan.filter((o) => o.op === Op.RLIMIT).map((o) => o.args);
    expect(rl).toEqual([[7, "100", "200"], [4, "-1", "-1"]]);
    expect(() => buildPlan(input((s) => { s.process!.rlimits = [{ type: "RLIMIT_NOFILE", soft: 1, hard: 1 }, { type: "RLIMIT_FOO", soft: 1, hard: 1 }]; }))).toThrow('process.rlimits[1].type: unknown rlimit "RLIMIT_FOO"');
  });

  it("run mode skips the exec fifo; preserved fds move CLOSE_FDS up", () => {
    const plan = buildPlan(input(undefined, { mode: "wait", startImmediately: true, preserveFds: 2, listenFds: 2 }));
    expect(ops(plan)).not.toContain(Op.OPEN_FIFO);
    expect(plan.find((o) => o.op === Op.MODE)!.args).toEqual(["wait"]);
    expect(plan.find((o) => o.op === Op.CLOSE_FDS)!.args).toEqual([5]);
    expect(plan.filter((o) => o.op === Op.ENV).map((o) => o.args[0])).toContain("LISTEN_FDS=2");
  });

  it("root.readonly remounts / read-only; masked and readonly paths follow pivot", () => {
    const plan = buildPlan(input());
    const o = ops(plan);
    expect(plan.find((x) => x.op === Op.REMOUNT_RO)!.args).toEqual(["/"]);
    expect(o.indexOf(Op.MASK)).toBeGreaterThan(o.indexOf(Op.PIVOT_ROOT));
    expect(plan.filter((x) => x.op === Op.MASK).length).toBe(11);
  });

  it("encodes to the wire format", () => {
    const bytes = encodePlan(buildPlan(input()));
    expect(new TextDecoder().decode(bytes.slice(0, 8))).toBe(PLAN_MAGIC);
    const dv = new DataView(bytes.buffer);
    expect(dv.getUint32(8, true)).toBe(Op.MODE);
    expect(dv.getUint32(12, true)).toBe(1);
    expect(describePlan(buildPlan(input()))).toMatch(/^0 MODE "detach"/);
  });
});

describe("capabilities", () => {
  afterEach(() => vi.restoreAllMocks());
  /** The kernel's cap_last_cap as rt reads it; other files read as usual. */
  const kernelLastCap = (n: number) => {
    const real = host().readFile;
    vi.spyOn(host(), "readFile").mockImplementation((p) => (p === "/proc/sys/kernel/cap_last_cap" ? `${n}\n` : real(p)));
  };
  const bit = (...names: string[]) => names.reduce((m, n) => m | (1n << BigInt(LINUX_CAPABILITIES[n])), 0n).toString();
  const capsOf = (p: ReturnType<typeof buildPlan>) => p.filter((o) => o.op === Op.CAPS).map((o) => o.args);
  const build = (edit: (s: Spec) => void, warnings: string[] = []) => buildPlan(input(edit, { warn: (m) => warnings.push(m) }));

  it("turns each set into a u64 mask, in CAPS's order: bounding, effective, permitted, inheritable, ambient", () => {
    kernelLastCap(40);
    const plan = build((s) => {
      s.process!.capabilities = {
        bounding: ["CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_CHECKPOINT_RESTORE", "CAP_MAC_OVERRIDE"],
        effective: ["CAP_KILL"],
        permitted: ["CAP_KILL", "CAP_NET_RAW"],
        inheritable: ["CAP_NET_RAW", "CAP_BPF"],
        ambient: ["CAP_NET_RAW"],
      };
    });
    expect(capsOf(plan)).toEqual([[bit("CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_CHECKPOINT_RESTORE", "CAP_MAC_OVERRIDE"), bit("CAP_KILL"), bit("CAP_KILL", "CAP_NET_RAW"), bit("CAP_NET_RAW", "CAP_BPF"), bit("CAP_NET_RAW")]]);
    // Bits above 31 and up to 40 survive exactly (no 32-bit arithmetic).
    expect(capsOf(plan)[0][0]).toBe(String((1n << 0n) | (1n << 21n) | (1n << 40n) | (1n << 32n)));
  });

  it("the default spec carries runc's three capabilities", () => {
    const three = bit("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
    expect(three).toBe(String(0x20000420));
    expect(capsOf(buildPlan(input()))).toEqual([[three, three, three, "0", "0"]]);
  });

  it("CAPS comes right after SETUID; KEEP_CAPS right before SETGROUPS_IDS, and only for a non-root user", () => {
    const root = ops(buildPlan(input()));
    expect(root).not.toContain(Op.KEEP_CAPS);
    expect(root.slice(root.indexOf(Op.SETGROUPS_IDS), root.indexOf(Op.CAPS) + 1)).toEqual([Op.SETGROUPS_IDS, Op.SETGID, Op.SETUID, Op.CAPS]);

    const userPlan = buildPlan(input((s) => { s.process!.user = { uid: 1000, gid: 1000 }; }));
    const user = ops(userPlan);
    expect(user.slice(user.indexOf(Op.KEEP_CAPS), user.indexOf(Op.CAPS) + 1)).toEqual([Op.KEEP_CAPS, Op.SETGROUPS_IDS, Op.SETGID, Op.SETUID, Op.CAPS]);
    expect(userPlan.find((o) => o.op === Op.KEEP_CAPS)!.args).toEqual(["1"]);
    expect(user.filter((o) => o === Op.KEEP_CAPS || o === Op.CAPS)).toHaveLength(2);
    // uid 0 with another gid still needs no keep-caps.
    expect(ops(buildPlan(input((s) => { s.process!.user = { uid: 0, gid: 1000 }; })))).not.toContain(Op.KEEP_CAPS);
  });

  it("no process.capabilities: every set empty, as runc 1.1.5 has it; KEEP_CAPS still for a non-root user", () => {
    for (const uid of [0, 1000]) {
      const plan = buildPlan(input((s) => { delete s.process!.capabilities; s.process!.user = { uid, gid: uid }; }));
      expect(capsOf(plan)).toEqual([["0", "0", "0", "0", "0"]]);
      expect(ops(plan).includes(Op.KEEP_CAPS)).toBe(uid !== 0);
    }
  });

  it("an absent set is empty: {} drops everything, the bounding set included", () => {
    expect(capsOf(build((s) => { s.process!.capabilities = {}; }))).toEqual([["0", "0", "0", "0", "0"]]);
    expect(capsOf(build((s) => { s.process!.capabilities = { permitted: ["CAP_KILL"] }; }))).toEqual([["0", "0", bit("CAP_KILL"), "0", "0"]]);
  });

  it("leaves out, with one warning each, capabilities above the kernel's cap_last_cap", () => {
    kernelLastCap(38);
    const warnings: string[] = [];
    const plan = build((s) => {
      s.process!.capabilities = { bounding: ["CAP_KILL", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"], effective: ["CAP_BPF"], permitted: ["CAP_BPF", "CAP_KILL"] };
    }, warnings);
    expect(capsOf(plan)).toEqual([[bit("CAP_KILL"), "0", bit("CAP_KILL"), "0", "0"]]);
    expect(warnings).toEqual([
      "process.capabilities: CAP_BPF (39) is not known to this kernel (cap_last_cap 38): left out of bounding, effective, permitted",
      "process.capabilities: CAP_CHECKPOINT_RESTORE (40) is not known to this kernel (cap_last_cap 38): left out of bounding",
    ]);
  });

  it("without a readable cap_last_cap, every capability rt knows is taken", () => {
    const real = host().readFile;
    vi.spyOn(host(), "readFile").mockImplementation((p) => { if (p === "/proc/sys/kernel/cap_last_cap") throw new Error("ENOENT"); return real(p); });
    const warnings: string[] = [];
    expect(capsOf(build((s) => { s.process!.capabilities = { bounding: ["CAP_CHECKPOINT_RESTORE"] }; }, warnings))).toEqual([[bit("CAP_CHECKPOINT_RESTORE"), "0", "0", "0", "0"]]);
    expect(warnings).toEqual([]);
  });

  it("leaves out, with a warning, an ambient capability that is not both permitted and inheritable", () => {
    kernelLastCap(40);
    const warnings: string[] = [];
    const plan = build((s) => {
      s.process!.capabilities = { permitted: ["CAP_KILL", "CAP_CHOWN"], inheritable: ["CAP_KILL", "CAP_NET_RAW"], ambient: ["CAP_KILL", "CAP_CHOWN", "CAP_NET_RAW"] };
    }, warnings);
    expect(capsOf(plan)[0][4]).toBe(bit("CAP_KILL"));
    expect(warnings).toEqual([
      "process.capabilities.ambient[1]: CAP_CHOWN is not in both permitted and inheritable, so the kernel cannot raise it: left out",
      "process.capabilities.ambient[2]: CAP_NET_RAW is not in both permitted and inheritable, so the kernel cannot raise it: left out",
    ]);
  });

  it("refuses a name it does not know, by entry, even without the semantic checks", () => {
    expect(() => build((s) => { s.process!.capabilities = { bounding: ["CAP_KILL", "CAP_CHOWN", "CAP_SETUID", "CAP_FOO"] }; })).toThrow('process.capabilities.bounding[3]: unknown capability "CAP_FOO"');
    // Not an inherited property of a plain object either.
    expect(() => build((s) => { s.process!.capabilities = { effective: ["toString"] }; })).toThrow('process.capabilities.effective[0]: unknown capability "toString"');
  });
});

describe("session keyring (keyring.ts)", () => {
  it("KEYRING _ses.<id> is the init's first op, after the user namespace's ids; --no-new-keyring leaves it out", () => {
    const plan = buildPlan(input((s) => { s.linux!.namespaces!.push({ type: "user" }); s.linux!.uidMappings = s.linux!.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]; }, { containerId: "c1" }));
    const at = plan.findIndex((o) => o.op === Op.KEYRING);
    expect(plan[at].args).toEqual(["_ses.c1", 0x8]);
    expect(plan.slice(plan.findIndex((o) => o.op === Op.CLONE) + 1, at).map((o) => o.op)).toEqual([Op.SETGID, Op.SETUID]);
    expect(buildPlan(input(undefined, { containerId: "c1" })).find((o) => o.op === Op.KEYRING)!.args).toEqual(["_ses.c1", 0x80000]);
    expect(ops(buildPlan(input(undefined, { containerId: "c1", noNewKeyring: true })))).not.toContain(Op.KEYRING);
  });
});

describe("the init's session (SETSID)", () => {
  it("without a terminal the init makes a session of its own, once, before its mounts; with one CONSOLE_SETUP makes it instead", () => {
    const plan = ops(buildPlan(input(undefined, { containerId: "c1" })));
    expect(plan.filter((o) => o === Op.SETSID)).toHaveLength(1);
    expect(plan.indexOf(Op.SETSID)).toBeGreaterThan(plan.indexOf(Op.KEYRING));
    expect(plan.indexOf(Op.SETSID)).toBeLessThan(plan.indexOf(Op.BIND_ROOTFS));
    const tty = ops(buildPlan(input((s) => { s.process!.terminal = true; }, { consoleSocket: "/run/x.sock" })));
    expect(tty).not.toContain(Op.SETSID);
    expect(tty).toContain(Op.CONSOLE_SETUP);
  });
});
