// Process-level guarantees: kill --all reaches every process through the
// cgroup, a reused pid is not mistaken for the container, the executor cannot
// be overwritten from inside, mounts cannot escape the rootfs.
import { afterAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { HAS_BUSYBOX, ROOTFS, RT, cleanupRoot, createWithOutput, makeBundle, rt, stateOf, stateRoot, testSpec, tmpDir, uniqueId, unifiedMount, waitFor } from "../helpers.ts";

const root = stateRoot();
afterAll(() => cleanupRoot(root));

/** A private rootfs whose /escape is an absolute symlink to a (fresh) host directory. */
function rootfsWithEscapingSymlink(): { rootfs: string; hostDir: string } {
  const rootfs = tmpDir("rt-rootfs-");
  for (const d of ["bin", "proc", "dev", "tmp", "sys"]) fs.mkdirSync(path.join(rootfs, d));
  fs.copyFileSync(path.join(ROOTFS, "bin/probe"), path.join(rootfs, "bin/probe"));
  fs.chmodSync(path.join(rootfs, "bin/probe"), 0o755);
  const hostDir = tmpDir("rt-host-target-");
  fs.symlinkSync(hostDir, path.join(rootfs, "escape"));
  return { rootfs, hostDir };
}

describe("processes", () => {
  it("a caller's closed stdio reaches the container as /dev/null, never as rt's own fds", () => {
    const bundle = makeBundle(testSpec(["/bin/probe", "sleep", "100"]));
    const id = uniqueId();
    const r = spawnSync("sh", ["-c", `exec "$0" --root "$1" create --bundle "$2" "$3" <&- >&- 2>&-`, RT, root, bundle, id], { stdio: "ignore", timeout: 10_000 });
    expect(r.status).toBe(0);
    const pid = stateOf(root, id).pid!;
    for (const fd of [0, 1, 2]) expect(fs.readlinkSync(`/proc/${pid}/fd/${fd}`), `fd ${fd}`).toBe("/dev/null");
    expect(rt(root, ["delete", "--force", id]).code).toBe(0);
  });

  it.runIf(HAS_BUSYBOX)("kill --all signals every process in the container's cgroup", async () => {
    const bundle = makeBundle(testSpec(["/bin/sh", "-c", "sleep 100 & sleep 100 & exec sleep 100"]));
    const id = uniqueId();
    expect(createWithOutput(root, id, bundle).result.code).toBe(0);
    expect(rt(root, ["start", id]).code).toBe(0);
    const procs = path.join(unifiedMount(), `rt-${id}`, "cgroup.procs");
    await waitFor(() => fs.readFileSync(procs, "utf8").trim().split("\n").length >= 3, 5000, "three processes");
    expect(rt(root, ["kill", "--all", id, "KILL"]).code).toBe(0);
    await waitFor(() => fs.readFileSync(procs, "utf8").trim() === "", 5000, "empty cgroup");
    await waitFor(() => stateOf(root, id).status === "stopped", 5000);
    expect(rt(root, ["delete", id]).code).toBe(0);
  });

  it("delete --force kills a running container and removes its cgroup", async () => {
    const bundle = makeBundle(testSpec(["/bin/probe", "sleep", "100"]));
    const id = uniqueId();
    expect(createWithOutput(root, id, bundle).result.code).toBe(0);
    expect(rt(root, ["start", id]).code).toBe(0);
    const pid = stateOf(root, id).pid!;
    expect(rt(root, ["delete", "--force", id]).code).toBe(0);
    expect(fs.existsSync(path.join(unifiedMount(), `rt-${id}`))).toBe(false);
    const alive = () => { try { return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8")); } catch { return false; } };
    expect(alive()).toBe(false);
  });

  it("a container can use an existing cgroup that was once killed, and rt leaves that cgroup in place", () => {
    const id = uniqueId();
    const dir = path.join(unifiedMount(), `rt-${id}`);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "cgroup.kill"), "1");
    try {
      const bundle = makeBundle(testSpec(["/bin/probe", "sleep", "30"]));
      const r = createWithOutput(root, id, bundle).result;
      expect(r.code, r.stderr).toBe(0);
      expect(fs.readFileSync(path.join(dir, "cgroup.procs"), "utf8").trim()).toBe(String(stateOf(root, id).pid));
      expect(rt(root, ["delete", "--force", id]).code).toBe(0);
      expect(fs.existsSync(dir)).toBe(true);
    } finally {
      fs.rmdirSync(dir);
    }
  });

  it("a reused pid is not mistaken for the container", async () => {
    const bundle = makeBundle(testSpec(["/bin/probe", "sleep", "100"]));
    const id = uniqueId();
    expect(createWithOutput(root, id, bundle).result.code).toBe(0);
    expect(stateOf(root, id).status).toBe("created");
    // Point the record at a live process that is not the container (this test runner):
    // same pid liveness, different start time.
    const file = path.join(root, id, "state.json");
    const rec = JSON.parse(fs.readFileSync(file, "utf8"));
    const realPid = rec.pid;
    rec.pid = process.pid;
    fs.writeFileSync(file, JSON.stringify(rec));
    expect(stateOf(root, id).status).toBe("stopped");
    rec.pid = realPid;
    fs.writeFileSync(file, JSON.stringify(rec));
    expect(stateOf(root, id).status).toBe("created");
    rt(root, ["delete", "--force", id]);
  });

  it("a container whose create is under way reads as creating", () => {
    // What a concurrent `rt state` sees between the id's claim and the init's report.
    const id = uniqueId();
    fs.mkdirSync(path.join(root, id));
    fs.writeFileSync(path.join(root, id, "state.json"), JSON.stringify({ ociVersion: "1.3.0", id, pid: 0, pidStartTime: "", bundle: "/b", rootfs: "/b/rootfs", created: "", cgroupDir: "", cgroupCreated: [] }));
    expect(stateOf(root, id)).toMatchObject({ id, status: "creating", bundle: "/b" });
    expect(rt(root, ["delete", id]).code).not.toBe(0);
    expect(rt(root, ["delete", "--force", id]).code).toBe(0);
  });

  it("state survives rt exiting: a second rt process sees the container", () => {
    const bundle = makeBundle(testSpec(["/bin/probe", "sleep", "100"]));
    const id = uniqueId();
    expect(createWithOutput(root, id, bundle).result.code).toBe(0);
    const list = rt(root, ["list", "--format", "json"]);
    expect(JSON.parse(list.stdout).map((s: { id: string }) => s.id)).toContain(id);
    expect(rt(root, ["list", "-q"]).stdout.split("\n")).toContain(id);
    const table = rt(root, ["list"]).stdout.split("\n");
    expect(table[0]).toMatch(/^ID\s+PID\s+STATUS\s+BUNDLE$/);
    expect(table.find((l) => l.startsWith(id))).toMatch(/\s\d+\s+created\s/);
    rt(root, ["delete", "--force", id]);
  });

  it("the waiting container init runs from a sealed memfd, not a writable binary", () => {
    const bundle = makeBundle(testSpec(["/bin/probe", "sleep", "100"]));
    const id = uniqueId();
    expect(createWithOutput(root, id, bundle).result.code).toBe(0);
    const pid = stateOf(root, id).pid!;
    expect(fs.readlinkSync(`/proc/${pid}/exe`)).toMatch(/^\/memfd:rt-exec/);
    expect(() => fs.openSync(`/proc/${pid}/exe`, "w")).toThrow();
    rt(root, ["delete", "--force", id]);
  });

  it("a symlink in the rootfs cannot lead a mount out of it", () => {
    const { rootfs, hostDir } = rootfsWithEscapingSymlink();
    // The same path inside the rootfs: where the symlink leads when resolved in root.
    fs.mkdirSync(path.join(rootfs, hostDir), { recursive: true });
    const bundle = makeBundle(testSpec(["/bin/probe", "report"], (s) => {
      s.root = { path: rootfs };
      // No tmpfs on /tmp: the symlink's in-root target lives under /tmp.
      s.mounts = s.mounts!.filter((m) => m.destination !== "/tmp");
      s.mounts.push({ destination: "/escape/inside", type: "tmpfs", source: "tmpfs" });
    }));
    const r = rt(root, ["run", "--bundle", bundle, uniqueId()]);
    expect(r.code, r.stderr).toBe(0);
    // The tmpfs went to <rootfs><hostDir>/inside, not to the host's hostDir.
    expect(fs.existsSync(path.join(hostDir, "inside"))).toBe(false);
    expect(fs.existsSync(path.join(rootfs, hostDir, "inside"))).toBe(true);
  });

  it("a dangling symlink as a mount target is refused, and nothing reaches the host", () => {
    const { rootfs, hostDir } = rootfsWithEscapingSymlink();
    const bundle = makeBundle(testSpec(["/bin/probe", "true"], (s) => {
      s.root = { path: rootfs };
      s.mounts!.push({ destination: "/escape/inside", type: "tmpfs", source: "tmpfs" });
    }));
    const r = rt(root, ["run", "--bundle", bundle, uniqueId()]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/mounts\[\d+\] \(\/escape\/inside\): create mount point/);
    expect(fs.existsSync(path.join(hostDir, "inside"))).toBe(false);
  });

  it("no container mount propagates to the host", () => {
    // Only mount points under the container's root or bundle count: other
    // test files (and engines) mount and unmount elsewhere at the same time.
    const bundle = makeBundle(testSpec(["/bin/probe", "true"]));
    const ours = () => fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n")
      .map((l) => l.split(" ")[4] ?? "").filter((m) => m.startsWith(ROOTFS) || m.startsWith(bundle));
    expect(ours()).toEqual([]);
    expect(rt(root, ["run", "--bundle", bundle, uniqueId()]).code).toBe(0);
    expect(ours()).toEqual([]);
  });
});
