// What the config asks for, read back from inside a real container by the
// static probe (native/probe.c), run with `rt run` in the foreground.
import { afterAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Spec } from "../../src/spec/types.ts";
import { HAS_BUSYBOX, ROOTFS, cleanupRoot, makeBundle, rt, rtDetached, stateRoot, testSpec, tmpDir, uniqueId } from "../helpers.ts";

const root = stateRoot();
afterAll(() => cleanupRoot(root));

interface Report {
  hostname: string; domainname: string; uid: number; gid: number; euid: number; egid: number; groups: number[];
  cwd: string; umask: number; rlimits: Record<string, [number, number]>; env: string[]; mountinfo: string;
  ns: Record<string, string>; fds: number[]; no_new_privs: number; oom_score_adj: number | null; pid: number; cgroup: string | null;
}

function report(edit?: (s: Spec) => void): Report {
  const bundle = makeBundle(testSpec(["/bin/probe", "report"], edit));
  const r = rt(root, ["run", "--bundle", bundle, uniqueId()]);
  if (r.code !== 0) throw new Error(`rt run failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** mountinfo line for a mount point: [mount options, fs type, super options]. */
function mountOf(info: string, target: string): { opts: string[]; type: string; super: string[] } | undefined {
  const line = info.split("\n").reverse().find((l) => l.split(" ")[4] === target);
  if (!line) return undefined;
  const f = line.split(" ");
  const sep = f.indexOf("-");
  return { opts: f[5].split(","), type: f[sep + 1], super: (f[sep + 3] ?? "").split(",") };
}

const hostNs = (t: string) => fs.readlinkSync(`/proc/self/ns/${t}`);

describe("the container as configured", () => {
  it("has the hostname and domainname", () => {
    const r = report((s) => { s.hostname = "box-1"; s.domainname = "example.test"; });
    expect(r.hostname).toBe("box-1");
    expect(r.domainname).toBe("example.test");
  });

  it("runs in new pid, mount, uts, ipc, network and cgroup namespaces", () => {
    const r = report();
    expect(r.pid).toBe(1);
    for (const [t, host] of [["pid", "pid"], ["mnt", "mnt"], ["uts", "uts"], ["ipc", "ipc"], ["net", "net"], ["cgroup", "cgroup"]]) {
      expect(r.ns[t], t).not.toBe(hostNs(host));
    }
    expect(r.ns.user).toBe(hostNs("user"));
  });

  it("shares a namespace that is not listed", () => {
    const r = report((s) => { s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== "network"); });
    expect(r.ns.net).toBe(hostNs("net"));
  });

  it("joins a namespace given by path", () => {
    // A first container owns a uts namespace with its own hostname; the second joins it.
    const first = uniqueId();
    const b1 = makeBundle(testSpec(["/bin/probe", "sleep", "30"], (s) => { s.hostname = "owner-of-uts"; }));
    expect(rtDetached(root, ["create", "--bundle", b1, first]).code).toBe(0);
    const pid = JSON.parse(rt(root, ["state", first]).stdout).pid;
    const path = `/proc/${pid}/ns/uts`;
    const r = report((s) => { s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === "uts" ? { type: "uts", path } : n)); delete s.hostname; });
    expect(r.ns.uts).toBe(fs.readlinkSync(path));
    expect(r.hostname).toBe("owner-of-uts");
    rt(root, ["delete", "--force", first]);
  });

  it("runs as the configured uid, gid and additional gids, with the umask", () => {
    const r = report((s) => { s.process!.user = { uid: 1000, gid: 1001, additionalGids: [5, 7], umask: 0o027 }; s.process!.cwd = "/tmp"; });
    expect([r.uid, r.euid, r.gid, r.egid]).toEqual([1000, 1000, 1001, 1001]);
    expect(r.groups.sort()).toEqual([5, 7]);
    expect(r.umask).toBe(0o027);
  });

  it("has the cwd and exactly the configured environment", () => {
    const r = report((s) => { s.process!.cwd = "/tmp"; s.process!.env = ["PATH=/bin", "A=1", "B=two words"]; });
    expect(r.cwd).toBe("/tmp");
    expect(r.env).toEqual(["PATH=/bin", "A=1", "B=two words"]);
  });

  it("applies rlimits, noNewPrivileges and oomScoreAdj", () => {
    const r = report((s) => {
      s.process!.rlimits = [{ type: "RLIMIT_NOFILE", soft: 321, hard: 654 }, { type: "RLIMIT_CORE", soft: 0, hard: 0 }];
      s.process!.noNewPrivileges = true;
      s.process!.oomScoreAdj = 123;
    });
    expect(r.rlimits.RLIMIT_NOFILE).toEqual([321, 654]);
    expect(r.rlimits.RLIMIT_CORE).toEqual([0, 0]);
    expect(r.no_new_privs).toBe(1);
    expect(r.oom_score_adj).toBe(123);
  });

  it("mounts config mounts with their flags and data", () => {
    const r = report((s) => { s.mounts!.push({ destination: "/mnt/scratch", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "noexec", "size=1m", "mode=700"] }); });
    const m = mountOf(r.mountinfo, "/mnt/scratch")!;
    expect(m.type).toBe("tmpfs");
    expect(m.opts).toEqual(expect.arrayContaining(["nosuid", "nodev", "noexec"]));
    expect(m.super).toEqual(expect.arrayContaining(["size=1024k", "mode=700"]));
    expect(mountOf(r.mountinfo, "/proc")!.type).toBe("proc");
    expect(mountOf(r.mountinfo, "/sys/fs/cgroup")!.type).toBe("cgroup2");
  });

  it("bind mounts a host directory read-only when asked", () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, "f"), "x");
    const r = report((s) => { s.mounts!.push({ destination: "/data", source: dir, options: ["bind", "ro"] }); });
    const m = mountOf(r.mountinfo, "/data")!;
    expect(m.opts).toContain("ro");
  });

  it("applies recursive attributes (rro, rnosuid) to every mount in a recursive bind's tree", () => {
    // A private rootfs: the config mounts a tmpfs tree at /tree (with /tree/sub
    // inside), then rbinds that tree, from the host path, to /view with rro.
    const rootfs = tmpDir("rt-rootfs-");
    for (const d of ["bin", "proc", "dev", "tmp", "sys", "tree"]) fs.mkdirSync(path.join(rootfs, d));
    fs.copyFileSync(path.join(ROOTFS, "bin/probe"), path.join(rootfs, "bin/probe"));
    fs.chmodSync(path.join(rootfs, "bin/probe"), 0o755);
    const r = report((s) => {
      s.root = { path: rootfs };
      s.mounts!.push(
        { destination: "/tree", type: "tmpfs", source: "tmpfs" },
        { destination: "/tree/sub", type: "tmpfs", source: "tmpfs" },
        { destination: "/view", source: path.join(rootfs, "tree"), options: ["rbind", "rro", "rnosuid"] },
      );
    });
    for (const target of ["/view", "/view/sub"]) expect(mountOf(r.mountinfo, target)!.opts, target).toEqual(expect.arrayContaining(["ro", "nosuid"]));
    expect(mountOf(r.mountinfo, "/tree/sub")!.opts).toContain("rw");
  });

  it("makes the root read-only when root.readonly is set, and writable otherwise", () => {
    expect(mountOf(report().mountinfo, "/")!.opts).toContain("ro");
    expect(mountOf(report((s) => { s.root!.readonly = false; }).mountinfo, "/")!.opts).toContain("rw");
  });

  it("masks maskedPaths and makes readonlyPaths read-only", () => {
    const r = report();
    expect(mountOf(r.mountinfo, "/proc/keys")).toBeDefined();
    expect(mountOf(r.mountinfo, "/sys/firmware")!.type).toBe("tmpfs");
    expect(mountOf(r.mountinfo, "/proc/sys")!.opts).toContain("ro");
  });

  it.runIf(HAS_BUSYBOX)("has the default devices and the /dev symlinks", () => {
    const script = "stat -c '%n %F %t:%T %a' /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty; for l in fd stdin stdout stderr ptmx; do readlink /dev/$l; done";
    const r = rt(root, ["run", "--bundle", makeBundle(testSpec(["/bin/sh", "-c", script])), uniqueId()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split("\n").filter(Boolean)).toEqual([
      "/dev/null character special file 1:3 666",
      "/dev/zero character special file 1:5 666",
      "/dev/full character special file 1:7 666",
      "/dev/random character special file 1:8 666",
      "/dev/urandom character special file 1:9 666",
      "/dev/tty character special file 5:0 666",
      "/proc/self/fd", "/proc/self/fd/0", "/proc/self/fd/1", "/proc/self/fd/2", "pts/ptmx",
    ]);
  });

  it("applies rootfsPropagation and per-mount propagation", () => {
    const dir = tmpDir();
    const r = report((s) => {
      s.linux!.rootfsPropagation = "private";
      s.mounts!.push({ destination: "/shared", source: dir, options: ["rbind", "rshared"] });
    });
    const line = r.mountinfo.split("\n").find((l) => l.split(" ")[4] === "/shared")!;
    expect(line).toMatch(/ shared:\d+/);
    const rootLine = r.mountinfo.split("\n").find((l) => l.split(" ")[4] === "/")!;
    expect(rootLine).not.toMatch(/ shared:| master:/);
  });

  it("passes no host file descriptor beyond stdio", () => {
    expect(report().fds).toEqual([0, 1, 2]);
  });

  it("is in its own cgroup, seen as / through its cgroup namespace", () => {
    expect(report().cgroup?.trim()).toMatch(/^0::\/$/m);
  });

  it("--no-pivot moves the root instead of pivoting", () => {
    const bundle = makeBundle(testSpec(["/bin/probe", "report"]));
    const r = rt(root, ["run", "--no-pivot", "--bundle", bundle, uniqueId()]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).cwd).toBe("/");
  });
});

describe("sysctl", () => {
  it("writes linux.sysctl in the container's namespaces", () => {
    const bundle = makeBundle(testSpec(["/bin/probe", "cat", "/proc/sys/net/ipv4/ip_forward"], (s) => {
      s.linux!.sysctl = { "net.ipv4.ip_forward": "1" };
      s.linux!.readonlyPaths = [];
    }));
    const r = rt(root, ["run", "--bundle", bundle, uniqueId()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe("1");
  });
});

describe("rt run", () => {
  it("forwards signals it receives to the container", async () => {
    const { spawn } = await import("node:child_process");
    const { RT } = await import("../helpers.ts");
    const bundle = makeBundle(testSpec(["/bin/probe", "signal-exit"]));
    const p = spawn(RT, ["--root", root, "run", "--bundle", bundle, uniqueId()], { stdio: "ignore" });
    const code = new Promise<number | null>((resolve) => p.on("exit", (c) => resolve(c)));
    await new Promise((r) => setTimeout(r, 500)); // created, started, handler installed
    p.kill("SIGTERM");
    expect(await code).toBe(42); // probe's SIGTERM handler exits 42
  });

  it("returns the container's exit code and deletes it", () => {
    const bundle = makeBundle(testSpec(["/bin/probe", "exit", "7"]));
    const id = uniqueId();
    const r = rt(root, ["run", "--bundle", bundle, id]);
    expect(r.code).toBe(7);
    expect(rt(root, ["state", id]).code).not.toBe(0);
  });

  it("--detach leaves the container running", () => {
    const bundle = makeBundle(testSpec(["/bin/probe", "sleep", "30"]));
    const id = uniqueId();
    const r = rtDetached(root, ["run", "--detach", "--bundle", bundle, id]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(rt(root, ["state", id]).stdout).status).toBe("running");
    expect(rt(root, ["delete", "--force", id]).code).toBe(0);
  });
});
