// User namespaces and idmapped mounts in real containers, read back from
// inside by the probe and from the host in /proc.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Mount, Spec } from "../../src/spec/types.ts";
import { RT, cleanupRoot, createWithOutput, makeBundle, rt, rtDetached, stateOf, stateRoot, testSpec, tmpDir, uniqueId, waitFor } from "../helpers.ts";

const root = stateRoot();
const dirs: string[] = [];
afterAll(() => {
  cleanupRoot(root);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const UID_MAP = [{ containerID: 0, hostID: 100000, size: 1000 }, { containerID: 1000, hostID: 300000, size: 10 }];
const GID_MAP = [{ containerID: 0, hostID: 200000, size: 2000 }];

/** The test config with a new user namespace and the maps above. */
function userns(s: Spec): void {
  s.linux!.namespaces!.push({ type: "user" });
  s.linux!.uidMappings = UID_MAP;
  s.linux!.gidMappings = GID_MAP;
}

function run(args: string[], edit?: (s: Spec) => void): string {
  const r = rt(root, ["run", "--bundle", makeBundle(testSpec(args, edit)), uniqueId()]);
  if (r.code !== 0) throw new Error(`rt run ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}
const stat = (p: string, edit?: (s: Spec) => void) => JSON.parse(run(["/bin/probe", "stat", p], edit));
/** A map file as the kernel prints it, as [containerID, hostID, size] triples. */
const mapOf = (text: string) => text.trim().split("\n").map((l) => l.trim().split(/\s+/).map(Number));
const mountAt = (info: string, target: string) => info.split("\n").reverse().find((l) => l.split(" ")[4] === target);

/** A host directory with a file owned by uid:gid. */
function ownedDir(uid: number, gid: number): string {
  const d = tmpDir("rt-idmap-src-");
  dirs.push(d);
  fs.chmodSync(d, 0o755);
  fs.writeFileSync(path.join(d, "file"), "x");
  fs.chownSync(path.join(d, "file"), uid, gid);
  return d;
}

describe("a new user namespace", () => {
  it("has the uid and gid maps as configured", () => {
    expect(mapOf(run(["/bin/probe", "cat", "/proc/self/uid_map"], userns))).toEqual([[0, 100000, 1000], [1000, 300000, 10]]);
    expect(mapOf(run(["/bin/probe", "cat", "/proc/self/gid_map"], userns))).toEqual([[0, 200000, 2000]]);
  });

  it("runs process.user as configured inside, while the host sees the mapped ids", async () => {
    const id = uniqueId();
    const bundle = makeBundle(testSpec(["/bin/probe", "report"], (s) => { userns(s); s.process!.user = { uid: 1003, gid: 1500, additionalGids: [7] }; }));
    const { result, out } = createWithOutput(root, id, bundle);
    expect(result.code, result.stderr).toBe(0);
    // created: the init already has its ids and waits on the exec fifo
    const status = fs.readFileSync(`/proc/${stateOf(root, id).pid}/status`, "utf8");
    const line = (k: string) => status.split("\n").find((l) => l.startsWith(`${k}:`))!.split(/\s+/).slice(1).filter(Boolean).map(Number);
    expect(line("Uid")).toEqual([300003, 300003, 300003, 300003]);
    expect(line("Gid")).toEqual([201500, 201500, 201500, 201500]);
    expect(line("Groups")).toEqual([200007]);
    expect(rt(root, ["start", id]).code).toBe(0);
    await waitFor(() => stateOf(root, id).status === "stopped", 10_000, "the probe to exit");
    const r = JSON.parse(fs.readFileSync(out, "utf8"));
    expect([r.uid, r.euid, r.gid, r.egid, r.groups]).toEqual([1003, 1003, 1500, 1500, [7]]);
    expect(r.ns.user).not.toBe(fs.readlinkSync("/proc/self/ns/user"));
    expect(rt(root, ["delete", id]).code).toBe(0);
  });

  it("has the default mounts: /proc, /dev, /dev/pts, /dev/shm, mqueue, sysfs, cgroup2", () => {
    const r = JSON.parse(run(["/bin/probe", "report"], userns));
    const types = Object.fromEntries(["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"].map((t) => [t, mountAt(r.mountinfo, t)?.split(" - ")[1].split(" ")[0]]));
    expect(types).toEqual({ "/proc": "proc", "/dev": "tmpfs", "/dev/pts": "devpts", "/dev/shm": "tmpfs", "/dev/mqueue": "mqueue", "/sys": "sysfs", "/sys/fs/cgroup": "cgroup2" });
    // made by the namespace's root: its tmpfs belongs to host uid 100000
    expect(mountAt(r.mountinfo, "/dev")).toMatch(/uid=100000,gid=200000/);
  });

  it("has the default devices: the host's nodes, bound, and working", () => {
    const want: Record<string, [number, number]> = { "/dev/null": [1, 3], "/dev/zero": [1, 5], "/dev/full": [1, 7], "/dev/random": [1, 8], "/dev/urandom": [1, 9], "/dev/tty": [5, 0] };
    for (const [dev, [maj, min]] of Object.entries(want)) {
      const st = stat(dev, userns);
      expect([st.mode & 0o170000, st.rdev_major, st.rdev_minor], dev).toEqual([0o020000, maj, min]);
    }
    const r = JSON.parse(run(["/bin/probe", "report"], userns));
    expect(mountAt(r.mountinfo, "/dev/null")).toMatch(/ \/null \/dev\/null /); // a bind of the host's node
    expect(run(["/bin/probe", "write", "/dev/null", "gone"], userns)).toBe("");
    expect(run(["/bin/probe", "cat", "/dev/null"], userns)).toBe("");
  });

  it("refuses a configured device the host does not have as asked, naming it", () => {
    const bundle = makeBundle(testSpec(["/bin/probe", "true"], (s) => { userns(s); s.linux!.devices = [{ path: "/dev/null", type: "c", major: 1, minor: 5 }]; }));
    const r = rt(root, ["run", "--bundle", bundle, uniqueId()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/linux\.devices\[0\].*\/dev\/null on the host is not c 1:5/);
  });

  it("refuses mappings that leave uid 0 unmapped, before anything is made", () => {
    const bundle = makeBundle(testSpec(["/bin/probe", "true"], (s) => { userns(s); s.linux!.uidMappings = [{ containerID: 1, hostID: 100000, size: 10 }]; s.process!.user = { uid: 1, gid: 0 }; }));
    const r = rt(root, ["run", "--bundle", bundle, uniqueId()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/linux\.uidMappings: must map containerID 0/);
    expect(fs.readdirSync(root)).toEqual([]);
  });
});

describe("joining a user namespace by path", () => {
  it("runs in the first container's user namespace, as its root", () => {
    const first = uniqueId();
    expect(rtDetached(root, ["create", "--bundle", makeBundle(testSpec(["/bin/probe", "sleep", "30"], userns)), first]).code).toBe(0);
    try {
      const nsPath = `/proc/${stateOf(root, first).pid}/ns/user`;
      const join = (s: Spec) => { s.linux!.namespaces!.push({ type: "user", path: nsPath }); };
      const r = JSON.parse(run(["/bin/probe", "report"], join));
      expect(r.ns.user).toBe(fs.readlinkSync(nsPath));
      expect([r.uid, r.gid]).toEqual([0, 0]);
      expect(mountAt(r.mountinfo, "/dev/pts")).toContain(" - devpts ");
      expect(mapOf(run(["/bin/probe", "cat", "/proc/self/uid_map"], join))).toEqual([[0, 100000, 1000], [1000, 300000, 10]]);
      expect(stat("/dev/null", join)).toMatchObject({ rdev_major: 1, rdev_minor: 3 });
    } finally {
      rt(root, ["delete", "--force", first]);
    }
  });
});

describe("idmapped mounts", () => {
  const bind = (source: string, options: string[], extra: Partial<Mount> = {}) => (s: Spec) => {
    s.mounts!.push({ destination: "/data", type: "bind", source, options, ...extra });
  };

  it("a file owned by host uid 1234 appears as the mount's mapped owner", () => {
    const src = ownedDir(1234, 1235);
    const own = { uidMappings: [{ containerID: 1234, hostID: 100007, size: 1 }], gidMappings: [{ containerID: 1235, hostID: 200008, size: 1 }] };
    expect(stat("/data/file", (s) => { userns(s); bind(src, ["bind", "idmap"], own)(s); })).toMatchObject({ uid: 7, gid: 8 });
    // without a user namespace for the container: the host ids of the mapping
    const plain = { uidMappings: [{ containerID: 1234, hostID: 5000, size: 1 }], gidMappings: [{ containerID: 1235, hostID: 6000, size: 1 }] };
    expect(stat("/data/file", bind(src, ["bind", "idmap"], plain))).toMatchObject({ uid: 5000, gid: 6000 });
    expect(fs.statSync(path.join(src, "file"))).toMatchObject({ uid: 1234, gid: 1235 });
  });

  it("idmap without its own mappings uses the container's: host files keep their ids inside, unlike a plain bind", () => {
    const src = ownedDir(5, 6);
    expect(stat("/data/file", (s) => { userns(s); bind(src, ["bind", "idmap"])(s); })).toMatchObject({ uid: 5, gid: 6 });
    expect(stat("/data/file", (s) => { userns(s); bind(src, ["bind"])(s); })).toMatchObject({ uid: 65534, gid: 65534 });
  });

  it("ridmap maps every mount of an rbind tree, idmap only the top one", () => {
    // The source tree has a tmpfs below it, mounted in a private mount
    // namespace that rt runs in (the host's mounts are not touched).
    const src = ownedDir(5, 6);
    fs.mkdirSync(path.join(src, "sub"));
    const statBoth = (option: string) => {
      const bundle = makeBundle(testSpec(["/bin/sh", "-c", "/bin/probe stat /data/file && /bin/probe stat /data/sub/file"], (s) => { userns(s); bind(src, ["rbind", option])(s); }));
      const script = `mount -t tmpfs -o mode=755 tmpfs ${src}/sub && echo x > ${src}/sub/file && chown 5:6 ${src}/sub/file && exec ${RT} --root ${root} run --bundle ${bundle} ${uniqueId()}`;
      const r = spawnSync("unshare", ["--mount", "--propagation", "private", "sh", "-c", script], { encoding: "utf8", timeout: 20_000 });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout.trim().split("\n").map((l) => JSON.parse(l).uid);
    };
    expect(statBoth("ridmap")).toEqual([5, 5]);
    expect(statBoth("idmap")).toEqual([5, 65534]);
  });
});
