// Device control on this (hybrid) host: the container's cgroup in the v1
// devices hierarchy holds the rules, read back from devices.list and felt
// from inside (mknod, open) with the probe. The process has CAP_MKNOD (as in
// Docker's default set): only the device cgroup stands between it and the
// host's disks. (Pure cgroup v2, the eBPF program: test/guest.)
import { afterAll, afterEach, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import type { LinuxDeviceCgroup, Spec } from "../../src/spec/types.ts";
import { cleanupRoot, createWithOutput, makeBundle, rt, stateOf, stateRoot, testSpec, tmpDir, uniqueId, unifiedMount } from "../helpers.ts";

const V1 = "/sys/fs/cgroup/devices";
const root = stateRoot();
const nodesDir = tmpDir("rt-dev-nodes-");
fs.chmodSync(nodesDir, 0o755);
const ownDirs: string[] = [];
afterAll(() => {
  cleanupRoot(root);
  fs.rmSync(nodesDir, { recursive: true, force: true });
});
afterEach(() => {
  for (const d of ownDirs.splice(0).reverse()) try { fs.rmdirSync(d); } catch { /* gone */ }
  for (const n of fs.readdirSync(nodesDir)) fs.rmSync(path.join(nodesDir, n));
});

const CAPS = ["CAP_MKNOD", "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

/** The rt spec config plus CAP_MKNOD, with the host directory of test nodes bound at /t (no nodev: the cgroup alone decides). */
function spec(args: string[], edit?: (s: Spec) => void): Spec {
  return testSpec(args, (s) => {
    s.process!.capabilities = { bounding: [...CAPS], effective: [...CAPS], permitted: [...CAPS] };
    s.mounts!.push({ destination: "/t", type: "bind", source: nodesDir, options: ["rbind", "rw"] });
    edit?.(s);
  });
}

/** Runs the probe in a fresh container; its one-line answer ("ok", "EPERM 1", …). */
function probe(args: string[], edit?: (s: Spec) => void): string {
  const r = rt(root, ["run", "--bundle", makeBundle(spec(["/bin/probe", ...args], edit)), uniqueId("dv")]);
  if (r.code !== 0) throw new Error(`rt run ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim();
}

const rules = (...devices: LinuxDeviceCgroup[]) => (s: Spec) => { s.linux!.resources = { devices }; };
const denyAll: LinuxDeviceCgroup = { allow: false, access: "rwm" };
const DEFAULTS = ["c *:* m", "b *:* m", "c 1:3 rwm", "c 1:8 rwm", "c 1:7 rwm", "c 5:0 rwm", "c 1:5 rwm", "c 1:9 rwm", "c 136:* rwm", "c 5:2 rwm"];
const leftovers = (name: string) => [path.join(unifiedMount(), name), path.join(V1, name)].filter((d) => fs.existsSync(d));

describe("device control through the v1 devices cgroup", () => {
  it("is the hierarchy this host has (the premise of these tests)", () => {
    expect(fs.existsSync(path.join(V1, "devices.list"))).toBe(true);
    expect(fs.existsSync("/sys/fs/cgroup/cgroup.controllers")).toBe(false);
  });

  it("with the default rules and CAP_MKNOD, a block device node can be made but not opened (EPERM)", () => {
    const disk = fs.statSync("/dev/vda", { throwIfNoEntry: false }) ?? fs.statSync("/dev/sda");
    const [maj, min] = [String(Math.floor(disk.rdev / 256)), String(disk.rdev % 256)];
    expect(probe(["mknod", "/t/disk", "b", maj, min])).toBe("ok");
    expect(fs.statSync(path.join(nodesDir, "disk")).isBlockDevice()).toBe(true);
    expect(probe(["open", "/t/disk", "r"])).toBe("EPERM 1");
    expect(probe(["mknod", "/dev/disk2", "b", maj, min])).toBe("ok"); // in the container's own /dev too
  });

  it("with the default rules, /dev/null, /dev/zero and a pty pair (ptmx, /dev/pts/N) work", () => {
    expect(probe(["open", "/dev/null", "rw"])).toBe("ok");
    expect(probe(["open", "/dev/zero", "r"])).toBe("ok");
    expect(probe(["pty"])).toBe("ok");
  });

  // /dev/net/tun (10:200): in no default list (runc dropped it), and opening it needs no capability.
  it("an explicit allow rule for a char device (tun 10:200, read only) works as given, and without it the device is denied", () => {
    expect(probe(["mknod", "/t/tun", "c", "10", "200"])).toBe("ok");
    expect(probe(["open", "/t/tun", "r"])).toBe("EPERM 1");
    const allowRead = rules(denyAll, { allow: true, type: "c", major: 10, minor: 200, access: "r" });
    expect(probe(["open", "/t/tun", "r"], allowRead)).toBe("ok");
    expect(probe(["open", "/t/tun", "w"], allowRead)).toBe("EPERM 1");
    // A later deny takes back part of what an earlier allow gave.
    expect(probe(["open", "/t/tun", "r"], rules(denyAll, { allow: true, type: "c", major: 10, minor: 200, access: "rwm" }, { allow: false, type: "c", major: 10, minor: 200, access: "r" }))).toBe("EPERM 1");
  });

  it("an allow-all rule after the deny opens every device (a privileged container), a device in linux.devices is allowed", () => {
    expect(probe(["mknod", "/t/tun", "c", "10", "200"])).toBe("ok");
    expect(probe(["open", "/t/tun", "rw"], rules(denyAll, { allow: true, access: "rwm" }))).toBe("ok");
    expect(probe(["open", "/dev/tun", "rw"], (s) => { s.linux!.devices = [{ path: "/dev/tun", type: "c", major: 10, minor: 200 }]; })).toBe("ok");
  });

  it("devices.list of the container's v1 cgroup reads back the rules; the init is in it; delete removes both cgroups", () => {
    const id = uniqueId("dv");
    const bundle = makeBundle(spec(["/bin/probe", "sleep", "30"], rules(denyAll, { allow: true, type: "c", major: 10, minor: 200, access: "rw" })));
    const { result } = createWithOutput(root, id, bundle);
    expect(result.code, result.stderr).toBe(0);
    const dir = path.join(V1, `rt-${id}`);
    expect(fs.readFileSync(path.join(dir, "devices.list"), "utf8").trim().split("\n")).toEqual(["c 10:200 rw", ...DEFAULTS]);
    const pid = stateOf(root, id).pid!;
    expect(fs.readFileSync(path.join(dir, "cgroup.procs"), "utf8").trim()).toBe(String(pid));
    expect(fs.readFileSync(`/proc/${pid}/cgroup`, "utf8")).toMatch(new RegExp(`^\\d+:devices:/rt-${id}$`, "m"));
    expect(leftovers(`rt-${id}`)).toHaveLength(2);
    expect(rt(root, ["delete", "--force", id]).code).toBe(0);
    expect(leftovers(`rt-${id}`)).toEqual([]);
  });

  it("a create that fails after the cgroups were made leaves no v1 or v2 directory", () => {
    const id = uniqueId("dv");
    const r = createWithOutput(root, id, makeBundle(spec(["/bin/no-such-program"]))).result;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/process\.args/);
    expect(leftovers(`rt-${id}`)).toEqual([]);
  });

  it("a rule set the kernel refuses fails create by name, and a v1 directory rt did not make is left alone", () => {
    // Allow-all cannot be written into a v1 devices cgroup that has children.
    const name = `rt-dvt-${process.pid}`;
    for (const d of [path.join(V1, name), path.join(V1, name, "c"), path.join(V1, name, "c", "sub")]) {
      fs.mkdirSync(d);
      ownDirs.push(d);
    }
    const id = uniqueId("dv");
    const bundle = makeBundle(spec(["/bin/probe", "true"], (s) => { rules(denyAll, { allow: true, access: "rwm" })(s); s.linux!.cgroupsPath = `/${name}/c`; }));
    const r = createWithOutput(root, id, bundle).result;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/linux\.resources\.devices: write "a \*:\* rwm" to .*\/c\/devices\.allow: .*EINVAL/);
    expect(fs.existsSync(path.join(unifiedMount(), name))).toBe(false);
    expect(fs.existsSync(path.join(V1, name, "c", "sub"))).toBe(true);
    expect(fs.existsSync(path.join(root, id))).toBe(false);
  });

  it("a rule set the device cgroup cannot express is refused by validate and create, naming the rule", () => {
    const bundle = makeBundle(spec(["/bin/probe", "true"], rules(denyAll, { allow: true, type: "c", major: 1, access: "rwm" }, { allow: false, type: "c", major: 1, minor: 3, access: "w" })));
    for (const args of [["validate", "--bundle", bundle], ["run", "--bundle", bundle, uniqueId("dv")]]) {
      const r = rt(root, args);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/linux\.resources\.devices\[2\]: denying c 1:3 w .* inside c 1:\* rwm .*cannot punch a hole/);
    }
  });
});
