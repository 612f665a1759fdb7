// Hostile containers (issue 9): what a process inside one container tries
// against the runtime and its neighbours, as regression tests. Each counts
// its tries; the summary line of each test gives the numbers.
//
// Already covered elsewhere, not repeated here: a static symlink in the
// rootfs as a mount target (processes.test.ts), the init's exe is a sealed
// memfd seen from the host (processes.test.ts), no host fd in the container
// after execve (readback.test.ts).
//
// The attackers are /bin/probe subcommands (native/probe.c, "hostile
// containers"): watch, swap, relink, cwd-jail.
import { afterAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Spec } from "../../src/spec/types.ts";
import { LINUX_CAPABILITIES } from "../../src/linux/capability-names.ts";
import { REPO, ROOTFS, cleanupRoot, makeBundle, rt, rtDetached, stateOf, stateRoot, testSpec, tmpDir, uniqueId } from "../helpers.ts";

const root = stateRoot();
const dirs: string[] = [];
afterAll(() => {
  cleanupRoot(root);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function dir(prefix: string, mode = 0o755): string {
  const d = tmpDir(prefix);
  fs.chmodSync(d, mode);
  dirs.push(d);
  return d;
}

const CAP_LAST = Number(fs.readFileSync("/proc/sys/kernel/cap_last_cap", "utf8"));
/** Every capability this kernel has: a container root as strong as it can be. */
const ALL_CAPS = Object.entries(LINUX_CAPABILITIES).filter(([, n]) => n <= CAP_LAST).map(([name]) => name);

/** A bundle with its own small rootfs (bundle/rootfs: /bin/probe and the usual dirs). */
function ownRootfsBundle(spec: Spec): { bundle: string; rootfs: string } {
  const bundle = dir("rt-hostile-bundle-");
  const rootfs = path.join(bundle, "rootfs");
  for (const d of ["bin", "proc", "dev", "tmp", "sys", "vol"]) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
  fs.copyFileSync(path.join(ROOTFS, "bin/probe"), path.join(rootfs, "bin/probe"));
  fs.chmodSync(path.join(rootfs, "bin/probe"), 0o755);
  spec.root = { path: rootfs, readonly: false };
  fs.writeFileSync(path.join(bundle, "config.json"), JSON.stringify(spec));
  return { bundle, rootfs };
}

const sha256 = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");
const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : []);

describe("a process in a pid namespace that new containers join", () => {
  it("reads nothing of the host through /proc/<init>/root, cwd or fd, and cannot open the init's exe for writing", () => {
    const TRIES = 60;
    // The host's secret, where each way in would find it: a host directory
    // (through root), rt's cwd (through cwd), the bundle beside the rootfs
    // (through a directory fd of the rootfs, or the bundle itself).
    const secret = `secret-${Math.random().toString(36).slice(2)}`;
    const hostDir = dir("rt-hostile-host-");
    fs.writeFileSync(path.join(hostDir, "secret"), secret, { mode: 0o644 });
    const out = dir("rt-hostile-out-", 0o777);
    const executors = [path.join(REPO, "dist/rt-exec"), path.join(REPO, "native/build/rt-exec")].filter((f) => fs.existsSync(f));
    const before = executors.map(sha256);

    // The watcher: root of its own user namespace (so it has every
    // capability there, CAP_SYS_PTRACE included, and none on the host), pid
    // 1 of the pid namespace that the new containers join.
    const watcher = uniqueId("w");
    const watch = makeBundle(testSpec(["/bin/probe", "watch", "/mnt/log", hostDir, "secret", secret], (s) => {
      s.linux!.namespaces!.push({ type: "user" });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.process!.capabilities = { bounding: ALL_CAPS, effective: ALL_CAPS, permitted: ALL_CAPS };
      s.mounts!.push({ destination: "/mnt", type: "bind", source: out, options: ["rbind", "rw"] });
    }));
    const started = rtDetached(root, ["run", "--detach", "--bundle", watch, watcher]);
    expect(started.code, started.stderr).toBe(0);
    const wpid = stateOf(root, watcher).pid!;
    const log = path.join(out, "log");
    let created = 0;
    try {
      for (let i = 0; i < TRIES; i++) {
        const id = uniqueId("j");
        const spec = testSpec(["/bin/probe", "true"], (s) => {
          s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== "pid");
          s.linux!.namespaces.push({ type: "user", path: `/proc/${wpid}/ns/user` }, { type: "pid", path: `/proc/${wpid}/ns/pid` });
        });
        const { bundle } = ownRootfsBundle(spec);
        fs.writeFileSync(path.join(bundle, "secret"), secret, { mode: 0o644 });
        const r = rtDetached(root, ["create", "--bundle", bundle, id], { cwd: hostDir });
        expect(r.code, r.stderr).toBe(0);
        created++;
        expect(rt(root, ["delete", "--force", id]).code).toBe(0);
      }
    } finally {
      rt(root, ["delete", "--force", watcher]);
    }
    const got = lines(log);
    const seen = got.filter((l) => l.startsWith("SEEN ")).length;
    const leaks = got.filter((l) => l.startsWith("LEAK "));
    console.log(`pid-namespace watcher: ${created} creates, ${seen} new inits seen, ${leaks.length} leaks${leaks.length ? ` (${leaks.map((l) => l.split(" ")[1]).sort().join(",")})` : ""}`);
    // The watcher really watched: it saw (nearly) every new init.
    expect(seen).toBeGreaterThanOrEqual(TRIES * 0.9);
    expect(leaks).toEqual([]);
    expect(executors.map(sha256)).toEqual(before);
  }, 120_000);
});

describe("process.cwd through /proc/self/fd/<n> (CVE-2024-21626)", () => {
  const jail = (cwd: string, extra: string[] = [], opts = {}) =>
    rt(root, ["run", ...extra, "--bundle", makeBundle(testSpec(["/bin/probe", "cwd-jail"], (s) => { s.process!.cwd = cwd; })), uniqueId()], opts);

  it("reaches no host directory, whatever fd the init holds at CHDIR", () => {
    let refused = 0, inside = 0;
    for (let n = 3; n <= 24; n++) {
      const r = jail(`/proc/self/fd/${n}`);
      if (r.code !== 0) {
        // Not a directory, or no such fd: refused at the field, in one line.
        expect(r.stderr).toMatch(/^rt: process\.cwd: chdir \/proc\/self\/fd\/\d+: (Not a directory|No such file or directory)\n$/);
        refused++;
        continue;
      }
      expect(JSON.parse(r.stdout), `fd ${n}`).toMatchObject({ inside: true });
      inside++;
    }
    console.log(`cwd=/proc/self/fd/N: ${refused + inside} tries, ${refused} refused, ${inside} inside the root, 0 outside`);
  }, 120_000);

  it("the check itself sees a host directory: one the caller passes on purpose (--preserve-fds) is outside", () => {
    const host = dir("rt-hostile-cwd-");
    const fd = fs.openSync(host, "r");
    try {
      const r = jail("/proc/self/fd/3", ["--preserve-fds", "1"], { stdio: ["ignore", "pipe", "pipe", fd] });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ inside: false });
    } finally {
      fs.closeSync(fd);
    }
  }, 120_000);
});

describe("a symlink swapped under a mount target by another container (CVE-2021-30465)", () => {
  // A shared volume: t (a directory) and s (a symlink) trade places all the
  // time, done by a process in the attacker container, while another
  // container binds a directory read-only onto the volume's t.
  const race = (linkTo: (hostTarget: string) => string) => {
    const TRIES = 40;
    const vol = dir("rt-hostile-vol-", 0o777);
    const hostTarget = dir("rt-hostile-target-");
    const link = linkTo(hostTarget);
    fs.mkdirSync(path.join(vol, "t"));
    fs.symlinkSync(link, path.join(vol, "s"));
    const marked = dir("rt-hostile-src-");
    fs.writeFileSync(path.join(marked, "marker"), "x");
    const attacker = uniqueId("a");
    const a = rtDetached(root, ["run", "--detach", "--bundle", makeBundle(testSpec(["/bin/probe", "swap", "/mnt", "t", "s"], (s) => {
      s.mounts!.push({ destination: "/mnt", type: "bind", source: vol, options: ["rbind", "rw"] });
    })), attacker]);
    expect(a.code, a.stderr).toBe(0);
    // The attacker really swaps: both kinds show up at t. Watched for up to
    // 10 s of wall time, not a count of looks: on a loaded host the attacker
    // can be off the CPU for all of a few thousand lstats (seen: only "link").
    const kinds = new Set<string>();
    for (const end = Date.now() + 10_000; kinds.size < 2 && Date.now() < end;) kinds.add(fs.lstatSync(path.join(vol, "t")).isSymbolicLink() ? "link" : "dir");
    expect([...kinds].sort()).toEqual(["dir", "link"]);
    const places: Record<string, number> = {};
    let failed = 0;
    const refusals = new Set<string>();
    try {
      for (let i = 0; i < TRIES; i++) {
        const id = uniqueId("v");
        const { bundle, rootfs } = ownRootfsBundle(testSpec(["/bin/probe", "true"], (s) => {
          // No tmpfs on /tmp: the symlink's in-root target lives under /tmp.
          s.mounts = s.mounts!.filter((m) => m.destination !== "/tmp");
          s.mounts.push({ destination: "/vol", type: "bind", source: vol, options: ["rbind", "rw"] });
          s.mounts.push({ destination: "/vol/t", type: "bind", source: marked, options: ["bind", "ro"] });
        }));
        // Where the symlink leads when resolved in the rootfs, as it must be.
        fs.mkdirSync(path.join(rootfs, hostTarget), { recursive: true });
        const r = rtDetached(root, ["create", "--bundle", bundle, id]);
        if (r.code !== 0) {
          // Fail closed, in one line (the mount's own op, or a later one the misplaced bind hides).
          expect(r.stderr).toMatch(/^rt: [^\n]+\n$/);
          refusals.add(r.stderr.replace(/\/proc\/self\/fd\/\d+/g, "/proc/self/fd/N").replace(/\/tmp\/[^ )]+/g, "…").trim());
          failed++;
          continue;
        }
        try {
          // The container's own view (after pivot_root): a bind that went
          // anywhere outside the rootfs is not in it at all.
          const info = fs.readFileSync(`/proc/${stateOf(root, id).pid}/mountinfo`, "utf8").split("\n");
          const binds = info.filter((l) => / - /.test(l) && l.split(" ")[3].endsWith(path.basename(marked)));
          expect(binds.length, info.join("\n")).toBe(1);
          // …and read-only, as configured (the remount found the same mount).
          expect(binds[0].split(" ")[5].split(",")).toContain("ro");
          const at = binds.map((l) => l.split(" ")[4]);
          // On the directory (named t or s by now: the mount moves with it),
          // or where the symlink leads inside the rootfs.
          expect(["/vol/t", "/vol/s", link]).toContain(at[0]);
          const place = at[0] === link ? "symlink, resolved in root" : "directory";
          places[place] = (places[place] ?? 0) + 1;
        } finally {
          expect(rt(root, ["delete", "--force", id]).code).toBe(0);
        }
      }
      expect(stateOf(root, attacker).status, "the attacker kept swapping").toBe("running");
    } finally {
      rt(root, ["delete", "--force", attacker]);
    }
    expect(fs.readdirSync(hostTarget)).toEqual([]);
    expect(fs.readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(hostTarget);
    console.log(`symlink race (to ${link === hostTarget ? "a host directory" : link}): ${TRIES} creates against a swapping container, ${failed} refused, placed: ${JSON.stringify(places)}, 0 outside the rootfs, 0 left writable; refusals: ${[...refusals].join(" | ")}`);
  };

  it("to a host directory: the bind lands inside the rootfs every time, never where the symlink points on the host", () => race((host) => host), 120_000);
  it("to a mount point of the rootfs (/dev): the read-only remount never goes to that other mount, leaving the bind writable", () => race(() => "/dev"), 120_000);
  it("to the rootfs itself (/): the read-only remount never goes to the rootfs, leaving the bind writable", () => race(() => "/"), 120_000);
});

describe("the init is non-dumpable until execve, and what that must not break", () => {
  it("oomScoreAdj reaches a container in a user namespace (written by the executor, inherited by the init)", () => {
    const r = rt(root, ["run", "--bundle", makeBundle(testSpec(["/bin/probe", "cat", "/proc/self/oom_score_adj"], (s) => {
      s.process!.oomScoreAdj = 321;
      s.linux!.namespaces!.push({ type: "user" });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    })), uniqueId()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe("321");
  }, 120_000);
});

describe("/dev/null swapped for a symlink while the masked paths are bound (CVE-2025-31133)", () => {
  it("no masked path ever gets a procfs file in place of the null device: the create fails closed instead", () => {
    const TRIES = 30;
    // The container's /dev is a shared volume; the attacker keeps replacing
    // /dev/null with a symlink to a host-wide procfs file.
    const dev = dir("rt-hostile-dev-", 0o777);
    for (const d of ["pts", "shm", "mqueue"]) fs.mkdirSync(path.join(dev, d));
    const attacker = uniqueId("a");
    const a = rtDetached(root, ["run", "--detach", "--bundle", makeBundle(testSpec(["/bin/probe", "relink", "/mnt", "null", "/proc/sys/kernel/core_pattern"], (s) => {
      s.mounts!.push({ destination: "/mnt", type: "bind", source: dev, options: ["rbind", "rw"] });
      // Its own CPU, the other container's init another: the swaps go on while the init works.
      s.process!.execCPUAffinity = { initial: "0", final: "0" };
    })), attacker]);
    expect(a.code, a.stderr).toBe(0);
    let refused = 0, ok = 0;
    const masked = new Set(testSpec(["x"]).linux!.maskedPaths);
    try {
      for (let i = 0; i < TRIES; i++) {
        const id = uniqueId("m");
        const bundle = makeBundle(testSpec(["/bin/probe", "true"], (s) => {
          s.process!.execCPUAffinity = { initial: "1" };
          s.mounts = s.mounts!.map((m) => (m.destination === "/dev" ? { destination: "/dev", type: "bind", source: dev, options: ["rbind", "rw"] } : m));
        }));
        const r = rtDetached(root, ["create", "--bundle", bundle, id]);
        if (r.code !== 0) {
          // Fail closed: the node was replaced under mknod, or MASK saw no null device.
          expect(r.stderr).toMatch(/^rt: (default device: mknod \/dev\/null \(c 1:3\): File exists|linux\.maskedPaths\[\d+\]: \/dev\/null is not the null device [^\n]*)\n$/);
          refused++;
          continue;
        }
        try {
          const info = fs.readFileSync(`/proc/${stateOf(root, id).pid}/mountinfo`, "utf8").split("\n").filter(Boolean);
          const procOnMasked = info.filter((l) => masked.has(l.split(" ")[4]) && l.split(" - ")[1].startsWith("proc "));
          expect(procOnMasked).toEqual([]);
          ok++;
        } finally {
          expect(rt(root, ["delete", "--force", id]).code).toBe(0);
        }
      }
      expect(stateOf(root, attacker).status, "the attacker kept swapping").toBe("running");
    } finally {
      rt(root, ["delete", "--force", attacker]);
    }
    console.log(`/dev/null race: ${TRIES} creates against a swapping container, ${refused} refused, ${ok} masked with the null device, 0 with a procfs file`);
  }, 120_000);
});
