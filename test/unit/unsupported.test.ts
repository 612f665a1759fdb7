// The refusal table (src/bundle/unsupported.ts) without root: which values ask
// for something and are refused by name, which ask for nothing and pass, and
// that the host decides the reason for the LSM fields.
import { describe, expect, it } from "vitest";
import { defaultSpec } from "../../src/linux/default-spec.ts";
import { unsupportedIssues, type HostFacts } from "../../src/bundle/unsupported.ts";
import { checkConfig, validateConfig } from "../../src/bundle/validate.ts";
import type { Spec } from "../../src/spec/types.ts";

const NONE: HostFacts = { apparmor: false, selinux: false, resctrl: false };
const ALL: HostFacts = { apparmor: true, selinux: true, resctrl: true };

function spec(edit: (s: any) => void): Spec {
  const s: any = defaultSpec(["/bin/true"]);
  edit(s);
  expect(validateConfig(s), "the config itself is valid").toEqual([]);
  return s;
}
const issues = (edit: (s: any) => void, h = NONE) => unsupportedIssues(spec(edit), h);

describe("refusals", () => {
  it("the config rt spec writes asks for nothing rt drops", () => {
    expect(unsupportedIssues(defaultSpec(), NONE)).toEqual([]);
    expect(checkConfig(defaultSpec())).toEqual([]);
  });

  it("zero values engines send for unset resources ask for nothing and pass", () => {
    expect(issues((s) => {
      s.linux.resources = {
        devices: [],
        memory: { limit: 0, reservation: 0, swap: 0, kernel: 0, kernelTCP: 0, disableOOMKiller: false, useHierarchy: false, checkBeforeUpdate: true },
        cpu: { shares: 0, quota: 0, burst: 0, period: 0, realtimeRuntime: 0, realtimePeriod: 0, cpus: "", mems: "", idle: 0 },
        pids: { limit: -1 },
        blockIO: { weight: 0, leafWeight: 0, weightDevice: [], throttleReadBpsDevice: [], throttleWriteBpsDevice: [], throttleReadIOPSDevice: [], throttleWriteIOPSDevice: [] },
        hugepageLimits: [],
        network: { classID: 0, priorities: [] },
        rdma: {},
        unified: {},
        oomScoreAdj: 5, // unknown member: ignored, as the spec's Extensibility asks
      };
      s.linux.resources.memory.limit = -1;
      s.linux.resources.cpu.quota = -1;
    })).toEqual([]);
    expect(issues((s) => { s.linux.resources = { memory: {}, cpu: {} }; s.hooks = { prestart: [] }; s.process.apparmorProfile = ""; s.linux.netDevices = {}; })).toEqual([]);
  });

  it("an empty intelRdt still asks for something (a resctrl group)", () => {
    expect(issues((s) => { s.linux.intelRdt = {}; }).map((i) => i.path)).toEqual(["linux.intelRdt"]);
  });

  it("a value that asks for something is refused at its own path", () => {
    const got = issues((s) => {
      s.linux.resources = { memory: { limit: 1 << 26, kernel: 1 }, cpu: { shares: 1024, quota: 0 }, pids: { limit: 0 }, blockIO: { weight: 0, weightDevice: [{ major: 8, minor: 0, weight: 10 }] } };
    });
    expect(got.map((i) => i.path)).toEqual(["linux.resources.memory.kernel", "linux.resources.blockIO"]);
    expect(got[1].message).toBe("cgroup resource limits: not implemented yet");
  });

  it("every resource, and the other platforms are refused by name; hooks are not", () => {
    const got = issues((s) => {
      s.hooks = { prestart: [{ path: "/bin/true" }], poststop: [{ path: "/bin/true" }] };
      s.linux.resources = { memory: { swappiness: 0, kernelTCP: 1 }, hugepageLimits: [{ pageSize: "2MB", limit: 0 }], network: { classID: 1 }, rdma: { mlx: { hcaHandles: 1 } } };
      s.linux.intelRdt = { closID: "x" };
      s.vm = { hypervisor: { path: "/q" }, kernel: { path: "/k" } };
    });
    expect(got.map((i) => `${i.path}: ${i.message}`)).toEqual([
      "linux.resources.memory.kernelTCP: kernel TCP memory limits: not implemented yet",
      "linux.resources.hugepageLimits: cgroup resource limits: not implemented yet",
      "linux.resources.network: net_cls and net_prio are cgroup v1 controllers; rt manages cgroup v2 only",
      "linux.resources.rdma: cgroup resource limits: not implemented yet",
      "linux.intelRdt: this host has no resctrl filesystem (/sys/fs/resctrl)",
      "vm: rt runs containers, not virtual machines",
    ]);
  });

  it("mount options: tmpcopyup is refused on anything but a tmpfs, other options (idmap and ridmap included) and tmpcopyup on a tmpfs pass", () => {
    const got = issues((s) => {
      const map = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.mounts.push(
        { destination: "/a", source: "/tmp", options: ["rbind", "idmap"], uidMappings: map, gidMappings: map },
        { destination: "/b", type: "tmpfs", source: "tmpfs", options: ["tmpcopyup"] },
        { destination: "/c", source: "/tmp", options: ["rbind", "tmpcopyup"] },
      );
    });
    expect(got.map((i) => i.path)).toEqual(["mounts[10].options"]);
    expect(got[0].message).toMatch(/^tmpcopyup is for a tmpfs mount only/);
  });

  it("a bind mount with filesystem options is refused (mount(2) ignores them); flags and propagation pass", () => {
    const got = issues((s) => {
      s.mounts.push(
        { destination: "/a", source: "/tmp", options: ["rbind", "ro", "nosuid", "nodev", "noexec", "rprivate", "rro"] },
        { destination: "/b", source: "/tmp", type: "bind", options: ["size=1m"] },
        { destination: "/c", source: "/tmp", options: ["bind", "src-nofollow"] },
        { destination: "/d", source: "tmpfs", type: "tmpfs", options: ["size=1m", "mode=755"] },
      );
    });
    expect(got.map((i) => i.path)).toEqual(["mounts[9].options", "mounts[10].options"]);
    expect(got[0].message).toMatch(/^a bind mount takes no filesystem options/);
  });

  it("the LSM and resctrl fields: the reason says what the host lacks, or that rt does not apply it", () => {
    const edit = (s: any) => { s.process.apparmorProfile = "p"; s.process.selinuxLabel = "l"; s.linux.mountLabel = "m"; s.linux.intelRdt = { closID: "c" }; };
    expect(issues(edit, NONE).map((i) => `${i.path}: ${i.message}`)).toEqual([
      "linux.intelRdt: this host has no resctrl filesystem (/sys/fs/resctrl)",
      "process.apparmorProfile: this host has no AppArmor",
      "process.selinuxLabel: this host has no SELinux",
      "linux.mountLabel: this host has no SELinux",
    ]);
    expect(issues(edit, ALL).map((i) => i.message)).toEqual([
      "Intel RDT: not implemented yet",
      "rt does not apply AppArmor profiles yet",
      "rt does not apply SELinux labels yet",
      "rt does not apply SELinux labels yet",
    ]);
  });

  it("checkConfig reports schema and semantic errors first, refusals only for a valid config", () => {
    const s: any = defaultSpec();
    s.hooks = { prestart: [{ path: "relative" }] };
    s.linux.resources = { hugepageLimits: [{ pageSize: "2MB", limit: 1 }] };
    expect(checkConfig(s).map((i) => i.path)).toEqual(["hooks.prestart[0].path"]);
    s.hooks.prestart[0].path = "/bin/true";
    expect(checkConfig(s)).toEqual([{ path: "linux.resources.hugepageLimits", message: "cgroup resource limits: not implemented yet" }]);
  });
});
