// Fail closed (src/bundle/unsupported.ts): every field this build of rt does
// not carry out is refused by `create` and `validate` alike, exit status 1,
// with a message that names the field and the reason, and nothing is left
// behind (no state dir, no cgroup, no process). One test per group; the tests
// for fields other branches implement go when their table line goes.
import { afterAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Spec } from "../../src/spec/types.ts";
import { hostFacts } from "../../src/bundle/unsupported.ts";
import { cleanupRoot, makeBundle, rt, rtDetached, processesInCgroupsNamed, stateRoot, testSpec, uniqueId, unifiedMount } from "../helpers.ts";

const root = stateRoot();
afterAll(() => cleanupRoot(root));

/** create and validate of a config edited by `edit` both fail with 1 and `config.json: <field>: <reason>`; create leaves nothing. */
function expectRefused(edit: (s: any) => void, field: string, reason: string | RegExp) {
  const bundle = makeBundle(testSpec(["/bin/probe", "true"], edit as (s: Spec) => void));
  const want = typeof reason === "string" ? `config.json: ${field}: ${reason}` : new RegExp(`config\\.json: ${field.replace(/[.[\]*]/g, "\\$&")}: ${reason.source}`);
  const id = uniqueId("refused");
  const c = rtDetached(root, ["create", "--bundle", bundle, id]);
  const v = rt(root, ["validate", "--bundle", bundle]);
  for (const [cmd, r] of [["create", c], ["validate", v]] as const) {
    expect(r.code, `${cmd} ${field}: ${r.stderr}`).toBe(1);
    if (typeof want === "string") expect(r.stderr, cmd).toContain(want);
    else expect(r.stderr, cmd).toMatch(want);
  }
  expect(fs.existsSync(path.join(root, id)), "state dir left behind").toBe(false);
  expect(fs.existsSync(path.join(unifiedMount(), `rt-${id}`)), "cgroup left behind").toBe(false);
  expect(processesInCgroupsNamed(id), "process left behind").toEqual([]);
}

const NOT_YET = "not implemented yet";
const RES = `cgroup resource limits: ${NOT_YET}`;

describe("refused by name: not carried out by rt", () => {
  it("cgroup resource limits, each controller", () => {
    const cases: [string, unknown][] = [
      ["blockIO", { weight: 100, leafWeight: 100, weightDevice: [{ major: 8, minor: 0, weight: 10, leafWeight: 10 }], throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1 }], throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 1 }], throttleReadIOPSDevice: [{ major: 8, minor: 0, rate: 1 }], throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 1 }] }],
      ["hugepageLimits", [{ pageSize: "2MB", limit: 1 << 21 }]],
      ["rdma", { mlx5_1: { hcaHandles: 3, hcaObjects: 10000 } }],
    ];
    for (const [ctrl, value] of cases) expectRefused((s) => { s.linux.resources = { [ctrl]: value }; }, `linux.resources.${ctrl}`, RES);
    expectRefused((s) => { s.linux.resources = { memory: { limit: 1 << 26, kernel: 1 } }; }, "linux.resources.memory.kernel", /kernel memory limits are deprecated/);
    expectRefused((s) => { s.linux.resources = { memory: { kernelTCP: 1 } }; }, "linux.resources.memory.kernelTCP", /kernel TCP memory limits: not implemented yet/);
    expectRefused((s) => { s.linux.resources = { memory: { useHierarchy: true } }; }, "linux.resources.memory.useHierarchy", /memory.use_hierarchy: not implemented yet/);
    expectRefused((s) => { s.linux.resources = { network: { classID: 1, priorities: [{ name: "eth0", priority: 1 }] } }; }, "linux.resources.network", /net_cls and net_prio are cgroup v1 controllers/);
  });

  it("zero values engines send for unset resources are accepted, and a container runs with them", () => {
    const bundle = makeBundle(testSpec(["/bin/probe", "true"], (s: any) => {
      s.linux.resources = { devices: [], memory: {}, cpu: { shares: 0, quota: 0, period: 0, cpus: "", mems: "" }, pids: { limit: -1 }, blockIO: { weight: 0 }, unified: {} };
      s.hooks = { prestart: [], poststop: [] };
      s.process.apparmorProfile = "";
      s.process.selinuxLabel = "";
    }));
    const r = rt(root, ["run", "--bundle", bundle, uniqueId("unset")]);
    expect(r.code, r.stderr).toBe(0);
  });

  it("linux.intelRdt, without resctrl on this host", () => {
    const reason = hostFacts().resctrl ? `Intel RDT: ${NOT_YET}` : "this host has no resctrl filesystem (/sys/fs/resctrl)";
    expectRefused((s) => { s.linux.intelRdt = { closID: "c1", l3CacheSchema: "L3:0=f", memBwSchema: "MB:0=50", schemata: ["L2:0=f"], enableMonitoring: true }; }, "linux.intelRdt", reason);
  });

  it("AppArmor and SELinux fields, naming what the host lacks", () => {
    const h = hostFacts();
    expectRefused((s) => { s.process.apparmorProfile = "rt-default"; }, "process.apparmorProfile", h.apparmor ? "rt does not apply AppArmor profiles yet" : "this host has no AppArmor");
    const selinux = h.selinux ? "rt does not apply SELinux labels yet" : "this host has no SELinux";
    expectRefused((s) => { s.process.selinuxLabel = "system_u:system_r:container_t:s0"; }, "process.selinuxLabel", selinux);
    expectRefused((s) => { s.linux.mountLabel = "system_u:object_r:container_file_t:s0"; }, "linux.mountLabel", selinux);
  });


  it("the tmpcopyup mount option on a mount that is not a tmpfs", () => {
    expectRefused((s) => { s.mounts.push({ destination: "/etc", type: "proc", source: "proc", options: ["tmpcopyup"] }); }, "mounts[8].options", /tmpcopyup is for a tmpfs mount only/);
  });

  it("filesystem options on a bind mount", () => {
    expectRefused((s) => { s.mounts.push({ destination: "/data", source: "/tmp", options: ["rbind", "size=1m"] }); }, "mounts[8].options", /a bind mount takes no filesystem options/);
  });

  it("Windows-only fields and the other platforms' objects", () => {
    expectRefused((s) => { s.process.commandLine = "cmd /c dir"; }, "process.commandLine", "is for Windows only");
    expectRefused((s) => { s.process.user.username = "ContainerUser"; }, "process.user.username", /is for Windows only/);
    const other = "is for another platform: rt runs Linux containers only";
    expectRefused((s) => { s.windows = { layerFolders: ["C:\\layers\\1"] }; }, "windows", other);
    expectRefused((s) => { s.solaris = { milestone: "svc:/milestone/container:default" }; }, "solaris", other);
    expectRefused((s) => { s.zos = { namespaces: [{ type: "pid" }] }; }, "zos", other);
    expectRefused((s) => { s.freebsd = { jail: { host: "new" } }; }, "freebsd", other);
    expectRefused((s) => { s.vm = { hypervisor: { path: "/usr/bin/qemu" }, kernel: { path: "/vmlinuz" } }; }, "vm", "rt runs containers, not virtual machines");
  });
});
