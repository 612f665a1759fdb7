// The user-namespace part of the plan (src/linux/userns.ts, placed by
// plan.ts): id maps before clone, the init becoming the namespace's root
// before any mount, devices bound from the host, idmapped mounts prepared by
// the executor and moved into place by the init. No root needed.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildPlan, type PlanInput } from "../../src/linux/plan.ts";
import { Op, type Plan } from "../../src/process/wire.ts";
import { defaultSpec } from "../../src/linux/default-spec.ts";
import { CLONE_NEW, MS } from "../../src/linux/constants.ts";
import type { Spec } from "../../src/spec/types.ts";
import { rootlessSpec } from "../../src/linux/rootless.ts";

const src = fs.mkdtempSync(path.join(os.tmpdir(), "rt-userns-src-"));
fs.writeFileSync(path.join(src, "file"), "x");
afterAll(() => fs.rmSync(src, { recursive: true, force: true }));

const MAP = [{ containerID: 0, hostID: 100000, size: 65536 }];

function plan(edit?: (s: Spec) => void, caller = { uid: 0, gid: 0 }): Plan {
  const spec = defaultSpec(["/bin/probe", "report"]);
  edit?.(spec);
  const input: PlanInput = { spec, bundle: "/b", rootfs: "/b/rootfs", cgroupDir: "/sys/fs/cgroup/rt-x", fifoPath: "/run/rt/x/exec.fifo", mode: "detach", preserveFds: 0, listenFds: 0, noPivot: false, caller };
  return buildPlan(input);
}
const withUserns = (s: Spec) => {
  s.linux!.namespaces!.push({ type: "user" });
  s.linux!.uidMappings = MAP;
  s.linux!.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
};
const at = (p: Plan, op: Op) => p.findIndex((o) => o.op === op);

describe("user namespace plan", () => {
  it("writes setgroups allow, uid_map and gid_map of a new user namespace before clone", () => {
    const p = plan(withUserns);
    const clone = at(p, Op.CLONE);
    expect(Number(p[clone].args[0]) & CLONE_NEW.user).toBe(CLONE_NEW.user);
    const maps = p.slice(0, clone).filter((o) => [Op.SETGROUPS, Op.UID_MAP, Op.GID_MAP].includes(o.op));
    expect(maps.map((o) => [Op[o.op], o.args[0], o.field])).toEqual([
      ["SETGROUPS", "allow", "linux.gidMappings"],
      ["UID_MAP", "0 100000 65536\n", "linux.uidMappings"],
      ["GID_MAP", "0 200000 65536\n", "linux.gidMappings"],
    ]);
  });

  it("the init's first ops are SETGID 0 and SETUID 0, before any hostname, mount or device", () => {
    const p = plan(withUserns);
    const clone = at(p, Op.CLONE);
    expect(p.slice(clone + 1, clone + 3).map((o) => [Op[o.op], o.args[0]])).toEqual([["SETGID", 0], ["SETUID", 0]]);
    expect(at(p, Op.SETHOSTNAME)).toBeGreaterThan(clone + 2);
    expect(at(p, Op.MAKE_ROOT_PRIVATE)).toBeGreaterThan(clone + 2);
    // and process.user is still applied at the end
    expect(p.filter((o) => o.op === Op.SETUID).map((o) => o.field)).toEqual(["linux.uidMappings", "process.user.uid"]);
  });

  it("joining a user namespace by path: no maps written, the init still becomes its root first", () => {
    const p = plan((s) => { s.linux!.namespaces!.push({ type: "user", path: "/proc/42/ns/user" }); });
    expect(p.some((o) => o.op === Op.UID_MAP || o.op === Op.GID_MAP || o.op === Op.SETGROUPS)).toBe(false);
    const join = p.find((o) => o.op === Op.NS_JOIN)!;
    expect(join.args).toEqual(["user", "/proc/42/ns/user"]);
    const clone = at(p, Op.CLONE);
    expect(Number(p[clone].args[0]) & CLONE_NEW.user).toBe(0);
    expect(p.slice(clone + 1, clone + 3).map((o) => [Op[o.op], o.args[0], o.field])).toEqual([
      ["SETGID", 0, "linux.namespaces[6].path"],
      ["SETUID", 0, "linux.namespaces[6].path"],
    ]);
  });

  it("without a user namespace: no SETUID 0 up front, devices made with mknod", () => {
    const p = plan();
    expect(p[at(p, Op.CLONE) + 1].op).not.toBe(Op.SETGID);
    expect(p.filter((o) => o.op === Op.MKNOD)).toHaveLength(6);
    expect(p.some((o) => o.op === Op.BIND_DEVICE)).toBe(false);
  });

  it("a new user namespace without mappings is refused by name", () => {
    expect(() => plan((s) => { s.linux!.namespaces!.push({ type: "user" }); })).toThrow(/linux.uidMappings: a new user namespace needs/);
  });

  it("in a user namespace, character and block devices are bound from the host before pivot_root; fifos still made", () => {
    const p = plan((s) => {
      withUserns(s);
      s.linux!.devices = [
        { path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 },
        { path: "/dev/ctl", type: "p" },
      ];
    });
    const binds = p.filter((o) => o.op === Op.BIND_DEVICE);
    expect(binds.map((o) => o.args[0])).toEqual(["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/fuse"]);
    // default devices: type and numbers checked only; configured ones: mode and owner too, as host ids
    expect(binds[0].args).toEqual(["/dev/null", "/b/rootfs", "c", 1, 3, -1, -1, -1]);
    expect(binds[6]).toMatchObject({ field: "linux.devices[0]", args: ["/dev/fuse", "/b/rootfs", "c", 10, 229, 0o666, 100000, 200000] });
    const pivot = at(p, Op.PIVOT_ROOT);
    expect(p.lastIndexOf(binds[6])).toBeLessThan(pivot);
    expect(p.indexOf(binds[0])).toBeGreaterThan(p.map((o) => o.op).lastIndexOf(Op.MOUNT));
    expect(p.filter((o) => o.op === Op.MKNOD).map((o) => o.args.slice(0, 2))).toEqual([["/dev/ctl", "p"]]);
  });
});

describe("idmapped mounts", () => {
  const idmapped = (options: string[], own = true) => (s: Spec) => {
    withUserns(s);
    s.mounts!.push({
      destination: "/data", type: "bind", source: src, options,
      ...(own ? { uidMappings: [{ containerID: 1234, hostID: 100007, size: 1 }], gidMappings: [{ containerID: 1234, hostID: 200008, size: 1 }] } : {}),
    });
  };

  it("prepares the tree in the executor before any NS_JOIN and moves it in place of the bind", () => {
    const p = plan((s) => { idmapped(["rbind", "ridmap", "ro"])(s); s.linux!.namespaces!.find((n) => n.type === "network")!.path = "/run/netns/x"; });
    const ops = p.map((o) => o.op);
    const field = "mounts[8] (/data)";
    expect(p.find((o) => o.op === Op.USERNS_FD)).toMatchObject({ field: "mounts[8].uidMappings", args: ["1234 100007 1\n", "1234 200008 1\n"] });
    expect(p.find((o) => o.op === Op.IDMAP_TREE)).toMatchObject({ field, args: [src, 0, 1, 1] });
    expect(ops.indexOf(Op.USERNS_FD)).toBeLessThan(ops.indexOf(Op.IDMAP_TREE));
    expect(ops.indexOf(Op.IDMAP_TREE)).toBeLessThan(ops.indexOf(Op.NS_JOIN));
    const mine = p.filter((o) => o.field === field && ops.indexOf(o.op) > ops.indexOf(Op.CLONE));
    expect(mine.map((o) => Op[o.op])).toEqual(["MOUNT_IDMAP", "MOUNT"]);
    expect(mine[0].args).toEqual(["/data", "dir", "/b/rootfs", 0]);
    expect(mine[1].args[3]).toBe(MS.REMOUNT | MS.BIND | MS.RDONLY);
    expect(p.indexOf(mine[0])).toBeLessThan(at(p, Op.PIVOT_ROOT));
  });

  it("idmap maps the top mount only, ridmap every mount; bind vs rbind is the tree", () => {
    const tree = (options: string[]) => plan(idmapped(options)).find((o) => o.op === Op.IDMAP_TREE)!.args.slice(2);
    expect(tree(["rbind", "idmap"])).toEqual([1, 0]);
    expect(tree(["rbind", "ridmap"])).toEqual([1, 1]);
    expect(tree(["bind", "idmap"])).toEqual([0, 0]);
    // mappings without the option still make an idmapped mount (config.md: MUST use them)
    expect(tree(["bind"])).toEqual([0, 0]);
  });

  it("without its own mappings, uses the container's; one user namespace per distinct mapping", () => {
    const p = plan((s) => {
      idmapped(["rbind", "idmap"], false)(s);
      s.mounts!.push({ destination: "/data2", type: "bind", source: path.join(src, "file"), options: ["bind", "idmap"] });
    });
    const userns = p.filter((o) => o.op === Op.USERNS_FD);
    expect(userns).toHaveLength(1);
    expect(userns[0]).toMatchObject({ field: "linux.uidMappings", args: ["0 100000 65536\n", "0 200000 65536\n"] });
    const trees = p.filter((o) => o.op === Op.IDMAP_TREE);
    expect(trees.map((o) => o.args[1])).toEqual([0, 0]);
    const moves = p.filter((o) => o.op === Op.MOUNT_IDMAP);
    expect(moves.map((o) => [o.args[0], o.args[1], o.args[3]])).toEqual([["/data", "dir", 0], ["/data2", "file", 1]]);
  });

  it("works without a user namespace for the container (the mount's own mappings)", () => {
    const p = plan((s) => { s.mounts!.push({ destination: "/data", source: src, options: ["bind", "idmap"], uidMappings: MAP, gidMappings: MAP }); });
    expect(p.filter((o) => o.op === Op.USERNS_FD)).toHaveLength(1);
    expect(p.some((o) => o.op === Op.MOUNT_IDMAP)).toBe(true);
    expect(p.some((o) => o.op === Op.UID_MAP)).toBe(false);
  });

  it("refuses what it cannot build, by name", () => {
    expect(() => plan((s) => { s.mounts!.push({ destination: "/d", type: "tmpfs", source: "tmpfs", options: ["idmap"], uidMappings: MAP, gidMappings: MAP }); })).toThrow(/mounts\[8\]\.options: idmapped mounts must be bind mounts/);
    expect(() => plan((s) => { s.mounts!.push({ destination: "/d", source: src, options: ["bind", "idmap"] }); })).toThrow(/mounts\[8\]\.options: idmap without the mount's own/);
  });
});

describe("rootless plan (caller not root)", () => {
  const me = { uid: 1500, gid: 1600 };
  const rootless = (s: Spec) => { rootlessSpec(s, me); };

  it("rootlessSpec: a user namespace mapping the caller alone, no network namespace, /sys bound, no cgroup mount", () => {
    const s = defaultSpec(["sh"]);
    rootlessSpec(s, me);
    expect(s.linux!.uidMappings).toEqual([{ containerID: 0, hostID: 1500, size: 1 }]);
    expect(s.linux!.gidMappings).toEqual([{ containerID: 0, hostID: 1600, size: 1 }]);
    expect(s.linux!.namespaces!.map((n) => n.type).sort()).toEqual(["cgroup", "ipc", "mount", "pid", "user", "uts"]);
    expect(s.mounts!.find((m) => m.destination === "/sys")).toEqual({ destination: "/sys", type: "none", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"] });
    expect(s.mounts!.some((m) => m.destination === "/sys/fs/cgroup")).toBe(false);
  });

  it("its own ids: maps written directly, setgroups denied first, no SETGROUPS_IDS", () => {
    const p = plan(rootless, me);
    const pre = p.slice(0, at(p, Op.CLONE)).filter((o) => [Op.SETGROUPS, Op.UID_MAP, Op.GID_MAP].includes(o.op));
    expect(pre.map((o) => [Op[o.op], ...o.args])).toEqual([["UID_MAP", "0 1500 1\n"], ["SETGROUPS", "deny"], ["GID_MAP", "0 1600 1\n"]]);
    expect(p.some((o) => o.op === Op.SETGROUPS_IDS)).toBe(false);
  });

  it("refuses by name what cannot work without root", () => {
    expect(() => plan(undefined, me)).toThrow(/linux.namespaces: rt run by uid 1500 \(not root\) needs a user namespace/);
    expect(() => plan((s) => { rootless(s); s.process!.user.additionalGids = [1]; }, me)).toThrow(/process.user.additionalGids: cannot be set/);
    expect(() => plan((s) => { rootless(s); s.mounts!.push({ destination: "/d", source: src, options: ["bind", "idmap"] }); }, me)).toThrow(/idmapped mounts need root/);
  });
});
