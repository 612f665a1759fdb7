// Hostile containers (issue 9): what a process inside one container tries
// against the runtime and its neighbours, as regression tests. Each counts
// its tries; the summary line of each test gives the numbers.
//
// Already covered elsewhere, not repeated here: a static symlink in the
// rootfs as a mount target (processes.test.ts), the init's exe is a sealed
// memfd seen from the host (processes.test.ts), no host fd in the container
// after execve (readback.test.ts).
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
    console.log(`pid-namespace watcher: ${created} creates, ${seen} new inits seen, ${leaks.length} leaks`, leaks.map((l) => l.split(" ")[1]).sort().join(","));
    // The watcher really watched: it saw (nearly) every new init.
    expect(seen).toBeGreaterThanOrEqual(TRIES * 0.9);
    expect(leaks).toEqual([]);
    expect(executors.map(sha256)).toEqual(before);
  });
});
