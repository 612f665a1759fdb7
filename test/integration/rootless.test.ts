// Rootless: rt run by an unprivileged user that this file creates (useradd)
// and removes. The user gets ranges in /etc/subuid and /etc/subgid, so both
// ways of writing the maps are exercised: its own ids alone (written by the
// executor, setgroups denied) and more (newuidmap/newgidmap, Debian's
// uidmap package, installed here if missing).
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Spec } from "../../src/spec/types.ts";
import { ROOTFS, RT, tmpDir, uniqueId, unifiedMount, waitFor } from "../helpers.ts";

const USER = `rtrl${process.pid % 100000}`;
let uid = -1, gid = -1;
let sub: { uid: number; gid: number };
let home: string; // the user's own directory: bundles and $XDG_RUNTIME_DIR
let xdg: string;

function sh(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: "utf8", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

beforeAll(() => {
  if (!fs.existsSync("/usr/bin/newuidmap") || !fs.existsSync("/usr/bin/newgidmap")) {
    if (spawnSync("apt-get", ["install", "-y", "--no-install-recommends", "uidmap"], { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } }).status !== 0) {
      sh("apt-get", ["update"]);
      sh("apt-get", ["install", "-y", "--no-install-recommends", "uidmap"]);
    }
  }
  spawnSync("userdel", [USER]); // a leftover of an interrupted run
  sh("useradd", ["-M", "-s", "/usr/sbin/nologin", USER]);
  uid = Number(sh("id", ["-u", USER]));
  gid = Number(sh("id", ["-g", USER]));
  // useradd gives ranges when /etc/subuid exists; make sure there is one.
  const range = (f: string) => fs.readFileSync(f, "utf8").split("\n").find((l) => l.startsWith(`${USER}:`))?.split(":").map(Number)[1];
  if (range("/etc/subuid") === undefined || range("/etc/subgid") === undefined) sh("usermod", ["--add-subuids", "500000-565535", "--add-subgids", "500000-565535", USER]);
  sub = { uid: range("/etc/subuid")!, gid: range("/etc/subgid")! };
  home = tmpDir("rt-rootless-");
  fs.chmodSync(home, 0o755);
  fs.chownSync(home, uid, gid);
  xdg = path.join(home, "xdg");
  fs.mkdirSync(xdg, { mode: 0o700 });
  fs.chownSync(xdg, uid, gid);
});

afterAll(() => {
  // Whatever a failed test left: its containers (as the user), then the user.
  if (xdg && fs.existsSync(path.join(xdg, "rt"))) for (const id of fs.readdirSync(path.join(xdg, "rt"))) asUser(["delete", "--force", id]);
  if (uid >= 0) sh("userdel", [USER]);
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

/** rt as the unprivileged user, with its $XDG_RUNTIME_DIR and no --root. */
function asUser(args: string[], opts: SpawnSyncOptions & { noXdg?: boolean } = {}) {
  const env: Record<string, string> = { PATH: "/usr/bin:/bin" };
  if (!opts.noXdg) env.XDG_RUNTIME_DIR = xdg;
  const r = spawnSync(RT, args, { uid, gid, cwd: home, env, encoding: "utf8", timeout: 20_000, ...opts });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? "") };
}

/** A bundle the user owns, from `rt spec --rootless` run as the user, then edited. */
function bundle(args: string[], edit?: (s: Spec) => void): string {
  const dir = fs.mkdtempSync(path.join(home, "b-"));
  fs.chmodSync(dir, 0o755);
  fs.chownSync(dir, uid, gid);
  const r = asUser(["spec", "--rootless", "--bundle", dir, "--", ...args]);
  if (r.code !== 0) throw new Error(`rt spec --rootless: ${r.stderr}`);
  const file = path.join(dir, "config.json");
  const spec: Spec = JSON.parse(fs.readFileSync(file, "utf8"));
  spec.root = { path: ROOTFS, readonly: true };
  spec.process!.env = ["PATH=/bin"];
  edit?.(spec);
  fs.writeFileSync(file, JSON.stringify(spec));
  return dir;
}
const mapOf = (text: string) => text.trim().split("\n").map((l) => l.trim().split(/\s+/).map(Number));

describe("rootless", () => {
  it("rt spec --rootless writes a config for the caller's own uid and gid, as runc spec --rootless", () => {
    const spec: Spec = JSON.parse(fs.readFileSync(path.join(bundle(["/bin/probe", "report"]), "config.json"), "utf8"));
    expect(spec.linux!.uidMappings).toEqual([{ containerID: 0, hostID: uid, size: 1 }]);
    expect(spec.linux!.gidMappings).toEqual([{ containerID: 0, hostID: gid, size: 1 }]);
    const types = spec.linux!.namespaces!.map((n) => n.type);
    expect(types).toContain("user");
    expect(types).not.toContain("network");
    expect(spec.mounts!.find((m) => m.destination === "/sys")).toMatchObject({ source: "/sys", options: expect.arrayContaining(["rbind", "ro"]) });
    expect(spec.mounts!.some((m) => m.type === "cgroup2" || m.type === "cgroup")).toBe(false);
  });

  it("runs as root of its user namespace, its own uid on the host, state under $XDG_RUNTIME_DIR/rt, a warning for the undelegated cgroup", async () => {
    const b = bundle(["/bin/probe", "report"]);
    const id = uniqueId("rl");
    // The container inherits rt's stdout and stderr: files, not pipes (see rtDetached).
    const out = path.join(home, `${id}.out`);
    const outFd = fs.openSync(out, "w");
    const errFd = fs.openSync(`${out}.err`, "w");
    try {
      const c = asUser(["create", "--bundle", b, id], { stdio: ["ignore", outFd, errFd] });
      const stderr = fs.readFileSync(`${out}.err`, "utf8");
      expect(c.code, stderr).toBe(0);
      expect(stderr).toMatch(/warning: linux\.cgroupsPath: .* is not delegated to uid \d+: the container runs without a cgroup of its own/);
      const state = JSON.parse(fs.readFileSync(path.join(xdg, "rt", id, "state.json"), "utf8"));
      const status = fs.readFileSync(`/proc/${state.pid}/status`, "utf8");
      expect(status).toMatch(new RegExp(`^Uid:\\s+${uid}\\s+${uid}\\s+${uid}\\s+${uid}$`, "m"));
      expect(asUser(["start", id]).code).toBe(0);
      await waitFor(() => JSON.parse(asUser(["state", id]).stdout).status === "stopped", 10_000, "the probe to exit");
      expect(asUser(["delete", id]).code).toBe(0);
    } finally {
      fs.closeSync(outFd);
      fs.closeSync(errFd);
    }
    const r = JSON.parse(fs.readFileSync(out, "utf8"));
    expect([r.uid, r.gid]).toEqual([0, 0]);
    expect(r.ns.user).not.toBe(fs.readlinkSync("/proc/self/ns/user"));
    expect(r.mountinfo).toMatch(/ \/dev\/pts .* - devpts /);
    expect(fs.readdirSync(path.join(xdg, "rt"))).toEqual([]);
  });

  it("maps only its own ids without help: uid_map and gid_map, setgroups denied", () => {
    const maps = asUser(["run", "--bundle", bundle(["/bin/sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups"]), uniqueId("rl")]);
    expect(maps.code, maps.stderr).toBe(0);
    const lines = maps.stdout.trim().split("\n");
    expect(mapOf(lines.slice(0, 2).join("\n"))).toEqual([[0, uid, 1], [0, gid, 1]]);
    expect(lines[2]).toBe("deny");
  });

  it("gets its oomScoreAdj although the init is non-dumpable (the executor writes it before, the init inherits it)", () => {
    const r = asUser(["run", "--bundle", bundle(["/bin/probe", "cat", "/proc/self/oom_score_adj"], (s) => { s.process!.oomScoreAdj = 400; }), uniqueId("rl")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe("400");
  });

  it("maps its /etc/subuid and /etc/subgid ranges through newuidmap and newgidmap; additionalGids work then", () => {
    const b = bundle(["/bin/sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; /bin/probe report"], (s) => {
      s.linux!.uidMappings = [{ containerID: 0, hostID: uid, size: 1 }, { containerID: 1, hostID: sub.uid, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: gid, size: 1 }, { containerID: 1, hostID: sub.gid, size: 65536 }];
      s.process!.user = { uid: 1000, gid: 1000, additionalGids: [5] };
    });
    const r = asUser(["run", "--bundle", b, uniqueId("rl")]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(mapOf(lines.slice(0, 2).join("\n"))).toEqual([[0, uid, 1], [1, sub.uid, 65536]]);
    expect(mapOf(lines.slice(2, 4).join("\n"))).toEqual([[0, gid, 1], [1, sub.gid, 65536]]);
    const rep = JSON.parse(lines[4]);
    expect([rep.uid, rep.gid, rep.groups]).toEqual([1000, 1000, [5]]);
  });

  // exec: a rootless container's process joins its user namespace (the caller owns it) and the others.
  it("rt exec by the same user joins every namespace of the init, as its root, setgroups left alone", async () => {
    const id = uniqueId("rl");
    const out = path.join(home, `${id}.out`);
    const outFd = fs.openSync(out, "w");
    try {
      const c = asUser(["run", "--detach", "--bundle", bundle(["/bin/probe", "sleep", "1000"]), id], { stdio: ["ignore", outFd, outFd] });
      expect(c.code, fs.readFileSync(out, "utf8")).toBe(0);
    } finally {
      fs.closeSync(outFd);
    }
    const pid = JSON.parse(fs.readFileSync(path.join(xdg, "rt", id, "state.json"), "utf8")).pid;
    try {
      const r = asUser(["exec", id, "/bin/probe", "report"]);
      expect(r.code, r.stderr).toBe(0);
      const rep = JSON.parse(r.stdout);
      const initNs = Object.fromEntries(fs.readdirSync(`/proc/${pid}/ns`).map((n) => [n, fs.readlinkSync(`/proc/${pid}/ns/${n}`)]));
      expect(rep.ns).toEqual(initNs);
      expect([rep.uid, rep.gid]).toEqual([0, 0]);
      expect(fs.readFileSync(`/proc/${pid}/status`, "utf8")).toMatch(new RegExp(`^Uid:\\s+${uid}\\s`, "m"));
      // additional gids need setgroups, which the namespace denies: refused by name
      const g = asUser(["exec", "-g", "0", id, "/bin/probe", "true"]);
      expect(g.code).not.toBe(0);
      expect(g.stderr).toMatch(/process\.user\.additionalGids: the container's user namespace denies setgroups/);
    } finally {
      asUser(["delete", "--force", id]);
    }
  });

  it("uses a cgroup where it is delegated", () => {
    // A cgroup the user owns, with rt started in it (as systemd's user@.service would).
    const deleg = path.join(unifiedMount(), `rt-rl-deleg-${process.pid}`);
    fs.mkdirSync(deleg);
    try {
      for (const f of ["", "cgroup.procs"]) fs.chownSync(path.join(deleg, f), uid, gid);
      const id = uniqueId("rl");
      const b = bundle(["/bin/probe", "cat", "/proc/self/cgroup"], (s) => { s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== "cgroup"); });
      const script = `echo $$ > ${deleg}/cgroup.procs && exec setpriv --reuid=${uid} --regid=${gid} --clear-groups env -i XDG_RUNTIME_DIR=${xdg} ${RT} run --bundle ${b} ${id}`;
      const r = spawnSync("sh", ["-c", script], { encoding: "utf8", cwd: home, timeout: 20_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/not delegated/);
      expect(r.stdout).toMatch(new RegExp(`^0::/rt-rl-deleg-${process.pid}/rt-${id}$`, "m"));
      expect(fs.existsSync(path.join(deleg, `rt-${id}`))).toBe(false); // removed with the container
    } finally {
      fs.rmdirSync(deleg);
    }
  });

  describe("refuses by name what cannot work rootless, leaving nothing", () => {
    const refused = (edit: (s: Spec) => void, re: RegExp) => {
      const r = asUser(["run", "--bundle", bundle(["/bin/probe", "true"], edit), uniqueId("rl")]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(re);
      expect(fs.readdirSync(path.join(xdg, "rt"))).toEqual([]);
    };
    it("a config without a user namespace", () => refused((s) => {
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== "user");
      delete s.linux!.uidMappings;
      delete s.linux!.gidMappings;
    }, /linux\.namespaces: rt run by uid \d+ \(not root\) needs a user namespace/));
    it("additionalGids when only its own gid is mapped", () => refused((s) => { s.process!.user.additionalGids = [0]; }, /process\.user\.additionalGids: cannot be set when rt, run by uid \d+, maps only its own gid/));
    it("host ids that are neither its own nor in its ranges", () => refused((s) => {
      s.linux!.uidMappings = [{ containerID: 0, hostID: uid, size: 1 }, { containerID: 1, hostID: 1, size: 10 }];
    }, /linux\.uidMappings\[1\]: host ids 1…10 are neither uid \d+ nor in its ranges in \/etc\/subuid/));
    it("a resource limit whose controller is in a v1 hierarchy (hybrid hosts), which a rootless container does not join", () => refused((s) => {
      s.linux!.resources = { ...s.linux!.resources, pids: { limit: 10 } };
    }, /linux\.resources\.pids\.limit: the pids controller is in a v1 hierarchy here, which a rootless container does not join/));
    it("an idmapped mount", () => refused((s) => {
      s.mounts!.push({ destination: "/data", type: "bind", source: home, options: ["bind", "idmap"] });
    }, /mounts\[\d+\]\.options: idmapped mounts need root/));
    it("no --root and no $XDG_RUNTIME_DIR", () => {
      const r = asUser(["run", "--bundle", bundle(["/bin/probe", "true"]), uniqueId("rl")], { noXdg: true });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/--root: not given, and XDG_RUNTIME_DIR is not set/);
    });
  });
});
