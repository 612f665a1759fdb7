// The semantic checks of config.json (src/bundle/semantic.ts), one test per
// rule, each asserting the exact path of the issue. They go through
// validateConfig, as `rt create` does: schema first, semantic rules after.
import { describe, expect, it } from "vitest";
import type { Spec } from "../../src/spec/types.ts";
import { defaultSpec } from "../../src/linux/default-spec.ts";
import {
  HOOK_KINDS,
  KNOWN_CAPABILITIES,
  KNOWN_RLIMITS,
  LINUX_CAPABILITIES,
  LINUX_RLIMITS,
  compareVersions,
  semanticIssues,
  sysctlNamespace,
} from "../../src/bundle/semantic.ts";
import { configWarnings, formatIssues, validateConfig } from "../../src/bundle/validate.ts";

/** A small valid Linux config with the usual namespaces. */
function base(): any {
  return {
    ociVersion: "1.3.0",
    root: { path: "rootfs" },
    hostname: "c1",
    process: { cwd: "/", args: ["sh"], env: ["PATH=/bin"], user: { uid: 0, gid: 0 } },
    mounts: [{ destination: "/proc", type: "proc", source: "proc" }],
    linux: { namespaces: [{ type: "pid" }, { type: "mount" }, { type: "uts" }, { type: "ipc" }, { type: "network" }] },
  };
}

function issuesOf(mutate: (c: any) => void) {
  const c = base();
  mutate(c);
  return validateConfig(c);
}

/** Exactly one issue, at this path, with a message matching re. */
function expectOne(mutate: (c: any) => void, path: string, re: RegExp) {
  const issues = issuesOf(mutate);
  expect(issues, JSON.stringify(issues)).toHaveLength(1);
  expect(issues[0].path).toBe(path);
  expect(issues[0].message).toMatch(re);
}

function expectValid(mutate: (c: any) => void) {
  expect(issuesOf(mutate)).toEqual([]);
}

const dropNs = (c: any, t: string) => (c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== t));

it("the base config is valid", () => expectValid(() => {}));

it("the config `rt spec` writes is valid and draws no warnings", () => {
  expect(validateConfig(defaultSpec(["/bin/sh"]))).toEqual([]);
  expect(configWarnings(defaultSpec())).toEqual([]);
});

describe("ociVersion", () => {
  it("must be 1.x", () => {
    expectOne((c) => (c.ociVersion = "2.0.0"), "ociVersion", /unsupported version "2.0.0".*1\.x/);
    expectOne((c) => (c.ociVersion = "0.5.0-dev"), "ociVersion", /unsupported version/);
  });
  it("accepts 1.x releases and pre-releases", () => {
    for (const v of ["1.0.0", "1.0.2", "1.0.2-dev", "1.2.0-rc.1", "1.3.0", "1.3.0+build.1", "1.4.0"]) expectValid((c) => (c.ociVersion = v));
  });
  it("must be SemVer (the semantic pass checks it too when called on its own)", () => {
    expect(semanticIssues({ ...base(), ociVersion: "1.3" } as Spec).map((i) => i.path)).toEqual(["ociVersion"]);
  });
});

it("root is required on Linux", () => expectOne((c) => delete c.root, "root", /required on Linux/));

describe("mounts", () => {
  it("destination must not be empty", () => expectOne((c) => (c.mounts[0].destination = ""), "mounts[0].destination", /must not be empty/));
  it("destination must be absolute (relative ones are deprecated; rt supports absolute only, as crun)", () => {
    expectOne((c) => (c.mounts[0].destination = "proc"), "mounts[0].destination", /absolute path \(got "proc"\).*deprecated/);
  });
  it("idmap needs mappings on the mount or a user namespace", () => {
    expectOne((c) => (c.mounts[0].options = ["rbind", "idmap"]), "mounts[0].options", /"idmap" needs uidMappings/);
    expectValid((c) => {
      c.mounts[0] = { destination: "/data", source: "/srv", options: ["rbind", "ridmap"] };
      c.linux.namespaces.push({ type: "user" });
      c.linux.uidMappings = c.linux.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
    });
    expectValid((c) => {
      c.mounts[0] = { destination: "/data", type: "bind", source: "/srv", options: ["idmap"] };
      c.mounts[0].uidMappings = c.mounts[0].gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
    });
  });
});

describe("process", () => {
  it("cwd must be absolute", () => expectOne((c) => (c.process.cwd = "home"), "process.cwd", /absolute path \(got "home"\)/));
  it("args must have at least one entry", () => {
    expectOne((c) => (c.process.args = []), "process.args", /at least one entry/);
    expectOne((c) => delete c.process.args, "process.args", /at least one entry/);
  });
  it("args[0] must not be empty", () => expectOne((c) => (c.process.args = ["", "x"]), "process.args[0]", /must not be empty/));
  it("env entries must be NAME=value", () => {
    expectOne((c) => c.process.env.push("JUSTNAME"), "process.env[1]", /NAME=value \(got "JUSTNAME"\)/);
    expectOne((c) => c.process.env.push("=x"), "process.env[1]", /NAME=value/);
    expectValid((c) => c.process.env.push("EMPTY="));
  });
  it("args and env cannot carry NUL bytes to execve", () => {
    expectOne((c) => c.process.args.push("a\0b"), "process.args[1]", /NUL byte/);
    expectOne((c) => c.process.env.push("A=b\0c"), "process.env[1]", /NUL byte/);
  });
  it("user is required on Linux", () => {
    expectOne((c) => delete c.process.user, "process.user", /required on Linux/);
    expectOne((c) => delete c.process.user.uid, "process.user.uid", /required on Linux/);
    expectOne((c) => delete c.process.user.gid, "process.user.gid", /required on Linux/);
  });
  it("umask is 0 to 0777", () => {
    expectOne((c) => (c.process.user.umask = 0o1000), "process.user.umask", /<= 511/);
    expectValid((c) => (c.process.user.umask = 0o777));
  });
  it("oomScoreAdj is -1000 to 1000", () => {
    expectOne((c) => (c.process.oomScoreAdj = -1001), "process.oomScoreAdj", />= -1000/);
    expectValid((c) => (c.process.oomScoreAdj = -1000));
  });
});

describe("process.rlimits", () => {
  const rl = (type: string, soft = 1, hard = 2) => ({ type, soft, hard });
  it("types must be Linux RLIMIT_* names", () => {
    expectOne((c) => (c.process.rlimits = [rl("RLIMIT_NOFILE"), rl("RLIMIT_FOO")]), "process.rlimits[1].type", /^unknown rlimit "RLIMIT_FOO"$/);
    expectOne((c) => (c.process.rlimits = [rl("RLIMIT_VMEM")]), "process.rlimits[0].type", /unknown rlimit/); // Solaris only
  });
  it("must not repeat a type", () => {
    expectOne((c) => (c.process.rlimits = [rl("RLIMIT_CORE"), rl("RLIMIT_NOFILE"), rl("RLIMIT_CORE")]), "process.rlimits[2].type", /duplicate rlimit "RLIMIT_CORE" \(first at process.rlimits\[0\]\)/);
  });
  it("soft must not exceed hard", () => {
    expectOne((c) => (c.process.rlimits = [rl("RLIMIT_NOFILE", 4096, 1024)]), "process.rlimits[0].soft", /soft limit 4096 exceeds hard limit 1024/);
    expectValid((c) => (c.process.rlimits = [rl("RLIMIT_NOFILE", 1024, 1024), rl("RLIMIT_CORE", 0, 18446744073709551615)]));
  });
  it("formats as the CLI prints it", () => {
    const issues = issuesOf((c) => (c.process.rlimits = [rl("RLIMIT_NOFILE"), rl("RLIMIT_FOO")]));
    expect(formatIssues(issues)).toBe('config.json: process.rlimits[1].type: unknown rlimit "RLIMIT_FOO"');
  });
  it("exports the known names", () => {
    expect(KNOWN_RLIMITS).toHaveLength(16);
    expect(LINUX_RLIMITS.RLIMIT_NOFILE).toBe(7);
    expect(KNOWN_RLIMITS).toContain("RLIMIT_RTTIME");
  });
});

describe("process.capabilities", () => {
  it("names must look like capabilities", () => {
    expectOne((c) => (c.process.capabilities = { bounding: ["CAP_KILL", "chown"] }), "process.capabilities.bounding[1]", /capability name/);
  });
  it("well-formed names rt does not know are errors, named by entry (a typo must not quietly drop a capability)", () => {
    expectOne((c) => (c.process.capabilities = { ambient: ["CAP_KILL", "CAP_FUTURE_THING"] }), "process.capabilities.ambient[1]", /^unknown capability "CAP_FUTURE_THING"$/);
    const issues = issuesOf((c) => (c.process.capabilities = { bounding: ["CAP_FOO"], effective: ["CAP_KILL"], permitted: ["CAP_KILL", "CAP_BAR"] }));
    expect(issues).toEqual([
      { path: "process.capabilities.bounding[0]", message: 'unknown capability "CAP_FOO"' },
      { path: "process.capabilities.permitted[1]", message: 'unknown capability "CAP_BAR"' },
    ]);
    const c = base();
    c.process.capabilities = { ambient: ["CAP_FUTURE_THING"] };
    expect(configWarnings(c)).toEqual([]);
  });
  it("every known name, in every set, is valid", () => {
    expectValid((c) => (c.process.capabilities = Object.fromEntries(["bounding", "effective", "permitted", "inheritable", "ambient"].map((s) => [s, [...KNOWN_CAPABILITIES]]))));
    expectValid((c) => (c.process.capabilities = {}));
  });
  it("exports the known names", () => {
    expect(KNOWN_CAPABILITIES).toHaveLength(41);
    expect(LINUX_CAPABILITIES.CAP_CHECKPOINT_RESTORE).toBe(40);
    expect(KNOWN_CAPABILITIES.every((n) => n.startsWith("CAP_"))).toBe(true);
  });
});

describe("process.scheduler", () => {
  it("nice is -20 to 19", () => expectOne((c) => (c.process.scheduler = { policy: "SCHED_OTHER", nice: 20 }), "process.scheduler.nice", /-20 and 19/));
  it("SCHED_FIFO and SCHED_RR need a priority of 1 to 99", () => {
    expectOne((c) => (c.process.scheduler = { policy: "SCHED_FIFO" }), "process.scheduler.priority", /1 and 99/);
    expectValid((c) => (c.process.scheduler = { policy: "SCHED_RR", priority: 99 }));
  });
  it("other policies take no priority", () => expectOne((c) => (c.process.scheduler = { policy: "SCHED_BATCH", priority: 5 }), "process.scheduler.priority", /only SCHED_FIFO and SCHED_RR/));
  it("runtime, deadline and period are for SCHED_DEADLINE only", () => {
    expectOne((c) => (c.process.scheduler = { policy: "SCHED_OTHER", period: 10 }), "process.scheduler.period", /only SCHED_DEADLINE/);
    expectValid((c) => (c.process.scheduler = { policy: "SCHED_DEADLINE", runtime: 1, deadline: 2, period: 3 }));
  });
});

describe("hostname and domainname", () => {
  it("hostname needs a uts namespace", () => expectOne((c) => dropNs(c, "uts"), "hostname", /uts namespace/));
  it("domainname needs a uts namespace", () => {
    expectOne((c) => {
      delete c.hostname;
      c.domainname = "example.test";
      dropNs(c, "uts");
    }, "domainname", /uts namespace/);
  });
  it("a joined uts namespace counts, as in runc", () => expectValid((c) => (c.linux.namespaces = [{ type: "uts", path: "/proc/1/ns/uts" }, { type: "mount" }])));
  it("an empty hostname sets nothing", () => expectValid((c) => {
    c.hostname = "";
    dropNs(c, "uts");
  }));
});

describe("hooks", () => {
  it.each(HOOK_KINDS)("%s paths must be absolute", (kind) => {
    expectOne((c) => (c.hooks = { [kind]: [{ path: "/bin/true" }, { path: "bin/hook" }] }), `hooks.${kind}[1].path`, /absolute path \(got "bin\/hook"\)/);
  });
});

describe("linux.namespaces", () => {
  it("types must be known", () => expectOne((c) => c.linux.namespaces.push({ type: "net" }), "linux.namespaces[5].type", /must be one of/));
  it("types must not repeat", () => {
    expectOne((c) => c.linux.namespaces.push({ type: "pid", path: "/proc/1/ns/pid" }), "linux.namespaces[5].type", /duplicate namespace "pid" \(first at linux.namespaces\[0\]\)/);
  });
  it("a path must be absolute", () => expectOne((c) => (c.linux.namespaces[4].path = "netns/a"), "linux.namespaces[4].path", /absolute path/));
});

describe("user namespace mappings", () => {
  const m = [{ containerID: 0, hostID: 1000, size: 1 }];
  it("uidMappings need a user namespace", () => expectOne((c) => (c.linux.uidMappings = m), "linux.uidMappings", /user namespace/));
  it("gidMappings need a user namespace", () => expectOne((c) => (c.linux.gidMappings = m), "linux.gidMappings", /user namespace/));
  it("are fine with one", () => expectValid((c) => {
    c.linux.namespaces.push({ type: "user" });
    c.linux.uidMappings = c.linux.gidMappings = m;
  }));
});

// userns: the kernel's rules for id maps, and what rt needs of a user namespace.
describe("user namespaces and idmapped mounts", () => {
  const userns = (c: any, uid = [{ containerID: 0, hostID: 100000, size: 65536 }], gid = uid) => {
    c.linux.namespaces.push({ type: "user" });
    c.linux.uidMappings = uid;
    c.linux.gidMappings = gid;
  };
  it("a new user namespace needs uid and gid mappings", () => {
    const issues = issuesOf((c) => c.linux.namespaces.push({ type: "user" }));
    expect(issues.map((i) => i.path)).toEqual(["linux.uidMappings", "linux.gidMappings"]);
    expect(issues[0].message).toMatch(/needs uid mappings/);
  });
  it("containerID 0 must be mapped (rt becomes uid/gid 0 of the namespace first)", () => {
    expectOne((c) => { userns(c, [{ containerID: 1, hostID: 100000, size: 10 }], [{ containerID: 0, hostID: 100000, size: 10 }]); c.process.user = { uid: 1, gid: 0 }; }, "linux.uidMappings", /must map containerID 0/);
  });
  it("process.user's uid, gid and additionalGids must be mapped", () => {
    const issues = issuesOf((c) => { userns(c, [{ containerID: 0, hostID: 100000, size: 10 }]); c.process.user = { uid: 10, gid: 11, additionalGids: [3, 12] }; });
    expect(issues.map((i) => i.path)).toEqual(["process.user.uid", "process.user.gid", "process.user.additionalGids[1]"]);
    expect(issues[0].message).toBe("10 is not mapped in linux.uidMappings");
  });
  it("device owners must be mapped", () => {
    expectOne((c) => { userns(c, [{ containerID: 0, hostID: 100000, size: 10 }]); c.linux.devices = [{ path: "/dev/fuse", type: "c", major: 10, minor: 229, uid: 20 }]; }, "linux.devices[0].uid", /20 is not mapped/);
  });
  it("a mapping's size is at least 1", () => {
    expectOne((c) => userns(c, [{ containerID: 0, hostID: 100000, size: 1 }, { containerID: 5, hostID: 5, size: 0 }], [{ containerID: 0, hostID: 1, size: 1 }]), "linux.uidMappings[1].size", /at least 1/);
  });
  it("a range must not go beyond the largest id", () => {
    expectOne((c) => userns(c, [{ containerID: 0, hostID: 4294967290, size: 10 }], [{ containerID: 0, hostID: 1, size: 1 }]), "linux.uidMappings[0].hostID", /goes beyond the largest id 4294967294/);
  });
  it("ranges must not overlap on the container side or the host side", () => {
    const issues = issuesOf((c) => userns(c, [{ containerID: 0, hostID: 100000, size: 10 }, { containerID: 5, hostID: 200000, size: 10 }, { containerID: 100, hostID: 100009, size: 1 }], [{ containerID: 0, hostID: 1, size: 1 }]));
    expect(issues.map((i) => i.path)).toEqual(["linux.uidMappings[1].containerID", "linux.uidMappings[2].hostID"]);
    expect(issues[0].message).toMatch(/range 5…14 overlaps linux.uidMappings\[0\]/);
  });
  it("at most 340 mappings", () => {
    const many = Array.from({ length: 341 }, (_, i) => ({ containerID: i, hostID: 1000 + i, size: 1 })); // short lines: under the 4096 bytes of one write
    expectOne((c) => userns(c, many, [{ containerID: 0, hostID: 1, size: 1 }]), "linux.uidMappings", /341 mappings: the kernel takes at most 340/);
  });
  it("mappings cannot be set when joining a user namespace by path", () => {
    expectOne((c) => { c.linux.namespaces.push({ type: "user", path: "/proc/1/ns/user" }); c.linux.uidMappings = [{ containerID: 0, hostID: 1, size: 1 }]; }, "linux.uidMappings", /joining an existing user namespace/);
  });
  it("an idmapped mount must be a bind mount", () => {
    expectOne((c) => { c.mounts[0].options = ["idmap"]; c.mounts[0].uidMappings = c.mounts[0].gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]; }, "mounts[0].options", /must be a bind mount/);
  });
  it("idmap without its own mappings uses the container's: not one joined by path", () => {
    expectOne((c) => { c.mounts[0] = { destination: "/d", source: "/srv", options: ["bind", "idmap"] }; c.linux.namespaces.push({ type: "user", path: "/proc/1/ns/user" }); }, "mounts[0].options", /needs a new user namespace/);
  });
  it("a mount's own mappings follow the kernel's rules too", () => {
    expectOne((c) => { c.mounts[0] = { destination: "/d", source: "/srv", options: ["rbind", "ridmap"], uidMappings: [{ containerID: 0, hostID: 1, size: 0 }], gidMappings: [{ containerID: 0, hostID: 1, size: 1 }] }; }, "mounts[0].uidMappings[0].size", /at least 1/);
  });
});

describe("linux.timeOffsets", () => {
  const off = { monotonic: { secs: 1 } };
  it("need a time namespace", () => expectOne((c) => (c.linux.timeOffsets = off), "linux.timeOffsets", /time namespace/));
  it("cannot be set when joining one", () => expectOne((c) => {
    c.linux.timeOffsets = off;
    c.linux.namespaces.push({ type: "time", path: "/proc/1/ns/time" });
  }, "linux.timeOffsets", /joining an existing time namespace/));
  it("name monotonic or boottime", () => expectOne((c) => {
    c.linux.timeOffsets = { realtime: { secs: 1 } };
    c.linux.namespaces.push({ type: "time" });
  }, "linux.timeOffsets.realtime", /unknown clock "realtime"/));
});

describe("linux.devices", () => {
  const dev = (extra: object) => ({ path: "/dev/x", type: "c", major: 1, minor: 3, ...extra });
  it("paths must be absolute", () => expectOne((c) => (c.linux.devices = [dev({ path: "dev/x" })]), "linux.devices[0].path", /absolute path/));
  it("c, b and u need major and minor", () => {
    expectOne((c) => (c.linux.devices = [dev({ major: undefined })]), "linux.devices[0].major", /required for device type "c"/);
    expectOne((c) => (c.linux.devices = [dev({ type: "b", minor: undefined })]), "linux.devices[0].minor", /required for device type "b"/);
    expect(issuesOf((c) => (c.linux.devices = [{ path: "/dev/u", type: "u" }])).map((i) => i.path)).toEqual(["linux.devices[0].major", "linux.devices[0].minor"]);
  });
  it("p needs no numbers, and may carry them (the spec only makes them optional)", () => {
    expectValid((c) => (c.linux.devices = [{ path: "/run/fifo", type: "p" }]));
    expectValid((c) => (c.linux.devices = [{ path: "/run/fifo", type: "p", major: 0, minor: 0 }]));
  });
  it("paths must not repeat", () => {
    expectOne((c) => (c.linux.devices = [dev({}), dev({ path: "/dev/./x", minor: 5 })]), "linux.devices[1].path", /duplicate device "\/dev\/.\/x" \(first at linux.devices\[0\]\)/);
  });
  it("the same numbers twice is only a warning (SHOULD NOT in the spec)", () => {
    const c = base();
    c.linux.devices = [dev({}), dev({ path: "/dev/y" })];
    expect(validateConfig(c)).toEqual([]);
    expect(configWarnings(c).map((w) => w.path)).toEqual(["linux.devices[1]"]);
  });
});

describe("linux.netDevices", () => {
  it("need a network namespace", () => expectOne((c) => {
    c.linux.netDevices = { eth1: {} };
    dropNs(c, "network");
  }, "linux.netDevices", /network namespace/));
  it("names must be valid interface names", () => {
    expectOne((c) => (c.linux.netDevices = { "a/b": {} }), 'linux.netDevices["a/b"]', /invalid network interface name/);
    expectOne((c) => (c.linux.netDevices = { eth1: { name: "a-name-far-too-long" } }), "linux.netDevices.eth1.name", /invalid network interface name/);
    expectValid((c) => (c.linux.netDevices = { eth1: { name: "ctr%d" } }));
  });
  it("%: only in a name template, as one %d", () => {
    expectOne((c) => (c.linux.netDevices = { "eth%d": {} }), 'linux.netDevices["eth%d"]', /"%" only appears in name templates/);
    expectOne((c) => (c.linux.netDevices = { eth1: { name: "c%d%d" } }), "linux.netDevices.eth1.name", /exactly one "%d"/);
    expectOne((c) => (c.linux.netDevices = { eth1: { name: "c%s" } }), "linux.netDevices.eth1.name", /exactly one "%d"/);
    expectValid((c) => (c.linux.netDevices = { eth1: { name: "%d" } }));
  });
  it("the loopback device stays: neither moved nor a target name", () => {
    expectOne((c) => (c.linux.netDevices = { lo: { name: "lo0" } }), "linux.netDevices.lo", /loopback device cannot leave/);
    expectOne((c) => (c.linux.netDevices = { eth1: { name: "lo" } }), "linux.netDevices.eth1.name", /already has a device named "lo"/);
  });
  it("two entries must not end up with the same name in the container, templates aside", () => {
    expectOne((c) => (c.linux.netDevices = { eth1: { name: "ctr0" }, eth2: { name: "ctr0" } }), "linux.netDevices.eth2.name", /duplicate device name "ctr0" in the container \(also linux.netDevices.eth1\)/);
    expectOne((c) => (c.linux.netDevices = { eth1: { name: "eth2" }, eth2: {} }), "linux.netDevices.eth2", /duplicate device name "eth2"/);
    expectValid((c) => (c.linux.netDevices = { eth1: { name: "ctr%d" }, eth2: { name: "ctr%d" }, eth3: {} }));
  });
  it("a joined user namespace cannot move devices; a joined network namespace can receive them", () => {
    expectOne((c) => {
      c.linux.netDevices = { eth1: {} };
      c.linux.namespaces.push({ type: "user", path: "/proc/1/ns/user" });
    }, "linux.netDevices", /joining an existing user namespace/);
    expectValid((c) => {
      c.linux.netDevices = { eth1: {} };
      c.linux.namespaces.find((n: any) => n.type === "network").path = "/run/netns/x";
    });
  });
});

describe("linux.cgroupsPath", () => {
  it("must not contain .. components", () => {
    expectOne((c) => (c.linux.cgroupsPath = "/a/../b"), "linux.cgroupsPath", /"\.\." is not allowed/);
    expectOne((c) => (c.linux.cgroupsPath = "system.slice:..:x"), "linux.cgroupsPath", /"\.\." is not allowed/);
  });
  it("may contain dots inside names", () => expectValid((c) => (c.linux.cgroupsPath = "/a/b..c/d.scope")));
});

it("linux.rootfsPropagation must be a valid value", () => {
  expectOne((c) => (c.linux.rootfsPropagation = "rprivate"), "linux.rootfsPropagation", /"shared", "slave", "private", "unbindable"/);
  for (const v of ["shared", "slave", "private", "unbindable"]) expectValid((c) => (c.linux.rootfsPropagation = v));
});

describe("linux.seccomp", () => {
  it("errnoRet only with actions that return an errno", () => {
    expectOne((c) => (c.linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["x"], action: "SCMP_ACT_KILL", errnoRet: 1 }] }), "linux.seccomp.syscalls[0].errnoRet", /SCMP_ACT_ERRNO and SCMP_ACT_TRACE/);
    expectValid((c) => (c.linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["x"], action: "SCMP_ACT_TRACE", errnoRet: 1 }] }));
  });
  it("defaultErrnoRet only with such a defaultAction", () => {
    expectOne((c) => (c.linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW", defaultErrnoRet: 1 }), "linux.seccomp.defaultErrnoRet", /not SCMP_ACT_ALLOW/);
    expectValid((c) => (c.linux.seccomp = { defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 1 }));
  });
  const allow = (more: object) => (c: any) => (c.linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW", ...more });
  it("errnoRet must be an errno the kernel can return (ERRNO), or fit 16 bits (TRACE)", () => {
    expectOne(allow({ syscalls: [{ names: ["x"], action: "SCMP_ACT_ERRNO", errnoRet: 4096 }] }), "linux.seccomp.syscalls[0].errnoRet", /at most 4095/);
    expectOne((c) => (c.linux.seccomp = { defaultAction: "SCMP_ACT_TRACE", defaultErrnoRet: 65536 }), "linux.seccomp.defaultErrnoRet", /16 bits/);
    expectValid(allow({ syscalls: [{ names: ["x"], action: "SCMP_ACT_ERRNO", errnoRet: 4095 }, { names: ["y"], action: "SCMP_ACT_TRACE", errnoRet: 65535 }] }));
  });
  it("architectures and flags this libseccomp does not know are refused by name", () => {
    expectOne(allow({ architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_LOONGARCH64"] }), "linux.seccomp.architectures[1]", /libseccomp 2\.5\.\d+ \(which rt-exec is built with\) does not know SCMP_ARCH_LOONGARCH64/);
    expectOne(allow({ flags: ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"] }), "linux.seccomp.flags[1]", /cannot set SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV/);
    expectValid(allow({ architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64"], flags: ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"] }));
  });
  it("SCMP_ACT_NOTIFY needs a listenerPath, cannot be the default action, and cannot apply to sendmsg", () => {
    expectOne(allow({ syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ALLOW" }, { names: ["mkdir"], action: "SCMP_ACT_NOTIFY" }] }), "linux.seccomp.listenerPath", /required when SCMP_ACT_NOTIFY is used \(linux\.seccomp\.syscalls\[1\]\)/);
    expectOne((c) => (c.linux.seccomp = { defaultAction: "SCMP_ACT_NOTIFY", listenerPath: "/s" }), "linux.seccomp.defaultAction", /cannot be the default action/);
    expectOne(allow({ listenerPath: "/s", syscalls: [{ names: ["mkdir", "sendmsg"], action: "SCMP_ACT_NOTIFY" }] }), "linux.seccomp.syscalls[0].names[1]", /the init sends the listener its fd with it/);
    expectOne(allow({ listenerPath: "/" + "x".repeat(107), syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_NOTIFY" }] }), "linux.seccomp.listenerPath", /107 bytes/);
    expectValid(allow({ listenerPath: "/run/agent.sock", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_NOTIFY" }] }));
    // Without NOTIFY a listenerPath is ignored, as the spec says.
    expectValid(allow({ listenerPath: "" }));
  });
  it("argument comparisons: index 0 to 5, values rt can read exactly", () => {
    expectOne(allow({ syscalls: [{ names: ["x"], action: "SCMP_ACT_ERRNO", args: [{ index: 6, value: 1, op: "SCMP_CMP_EQ" }] }] }), "linux.seccomp.syscalls[0].args[0].index", /index 0 to 5/);
    expectOne(allow({ syscalls: [{ names: ["x"], action: "SCMP_ACT_ERRNO", args: [{ index: 0, value: 1, valueTwo: 2 ** 60, op: "SCMP_CMP_MASKED_EQ" }] }] }), "linux.seccomp.syscalls[0].args[0].valueTwo", /above 2\^53-1/);
    expectValid(allow({ syscalls: [{ names: ["x"], action: "SCMP_ACT_ERRNO", args: [{ index: 5, value: 2 ** 53 - 1, op: "SCMP_CMP_LE" }] }] }));
  });
});

describe("linux.sysctl", () => {
  it("net.* needs a network namespace", () => expectOne((c) => {
    c.linux.sysctl = { "net.ipv4.ip_forward": "1" };
    dropNs(c, "network");
  }, 'linux.sysctl["net.ipv4.ip_forward"]', /needs a network namespace/));
  it("kernel.shm*, kernel.msg*, kernel.sem and fs.mqueue.* need an ipc namespace", () => {
    for (const k of ["kernel.shmmax", "kernel.msgmnb", "kernel.sem", "fs.mqueue.msg_max"]) {
      expectOne((c) => {
        c.linux.sysctl = { [k]: "1" };
        dropNs(c, "ipc");
      }, `linux.sysctl[${JSON.stringify(k)}]`, /needs an ipc namespace/);
    }
  });
  it("kernel.hostname and kernel.domainname need a uts namespace", () => {
    expectOne((c) => {
      delete c.hostname;
      c.linux.sysctl = { "kernel.domainname": "x" };
      dropNs(c, "uts");
    }, 'linux.sysctl["kernel.domainname"]', /needs a uts namespace/);
  });
  it("are fine when the namespace is there, and slash-separated keys are understood", () => {
    expectValid((c) => (c.linux.sysctl = { "net.core.somaxconn": "256", "kernel.shmall": "1", "kernel.hostname": "h" }));
    expectOne((c) => {
      c.linux.sysctl = { "net/ipv4/ip_forward": "1" };
      dropNs(c, "network");
    }, 'linux.sysctl["net/ipv4/ip_forward"]', /network namespace/);
  });
  it("settings no namespace isolates are refused by name, as they would change the host", () => {
    for (const k of ["vm.swappiness", "kernel.pid_max", "fs.file-max", "kernel.semfoo", "kernel.core_pattern", "user.max_user_namespaces"]) {
      expectOne((c) => (c.linux.sysctl = { "net.core.somaxconn": "256", [k]: "10" }), `linux.sysctl[${JSON.stringify(k)}]`, /not isolated by any namespace: setting it would change the host/);
    }
  });
  it("classifies keys", () => {
    expect(sysctlNamespace("net.ipv6.conf.all.disable_ipv6")).toBe("network");
    expect(sysctlNamespace("kernel.shm_rmid_forced")).toBe("ipc");
    expect(sysctlNamespace("kernel.hostname")).toBe("uts");
    expect(sysctlNamespace("kernel.pid_max")).toBeUndefined();
    expect(sysctlNamespace("vm.swappiness")).toBeUndefined();
    expect(sysctlNamespace("kernel.sem_next_id")).toBe("ipc");
    expect(sysctlNamespace("kernel/msgmax")).toBe("ipc");
  });
});

describe("maskedPaths and readonlyPaths", () => {
  it("maskedPaths must be absolute", () => expectOne((c) => (c.linux.maskedPaths = ["/proc/kcore", "proc/keys"]), "linux.maskedPaths[1]", /absolute path/));
  it("readonlyPaths must be absolute", () => expectOne((c) => (c.linux.readonlyPaths = ["sys"]), "linux.readonlyPaths[0]", /absolute path/));
});

describe("linux.memoryPolicy", () => {
  it("MPOL_DEFAULT and MPOL_LOCAL take no nodes", () => expectOne((c) => (c.linux.memoryPolicy = { mode: "MPOL_LOCAL", nodes: "0" }), "linux.memoryPolicy.nodes", /takes no nodes/));
  it("MPOL_BIND and MPOL_INTERLEAVE need nodes", () => expectOne((c) => (c.linux.memoryPolicy = { mode: "MPOL_INTERLEAVE" }), "linux.memoryPolicy.nodes", /at least one node/));
  it("MPOL_PREFERRED may go either way", () => {
    expectValid((c) => (c.linux.memoryPolicy = { mode: "MPOL_PREFERRED" }));
    expectValid((c) => (c.linux.memoryPolicy = { mode: "MPOL_PREFERRED", nodes: "1" }));
  });
});

describe("ordering", () => {
  it("semantic rules run only once the schema passes", () => {
    const issues = issuesOf((c) => {
      c.process.cwd = "relative"; // semantic
      c.process.oomScoreAdj = "high"; // schema
    });
    expect(issues.map((i) => i.path)).toEqual(["process.oomScoreAdj"]);
  });
  it("reports every semantic problem at once", () => {
    const issues = issuesOf((c) => {
      c.process.cwd = "relative";
      c.linux.maskedPaths = ["x"];
      c.hooks = { poststop: [{ path: "y" }] };
    });
    expect(issues.map((i) => i.path)).toEqual(["process.cwd", "hooks.poststop[0].path", "linux.maskedPaths[0]"]);
  });
});

it("compareVersions follows SemVer precedence", () => {
  expect(compareVersions("1.0.0", "1.0.0")).toBe(0);
  expect(compareVersions("1.0.0-rc.1", "1.0.0")).toBeLessThan(0);
  expect(compareVersions("1.0.0-rc.2", "1.0.0-rc.10")).toBeLessThan(0);
  expect(compareVersions("1.0.0-alpha", "1.0.0-alpha.1")).toBeLessThan(0);
  expect(compareVersions("1.0.0-1", "1.0.0-alpha")).toBeLessThan(0);
  expect(compareVersions("1.10.0", "1.9.9")).toBeGreaterThan(0);
  expect(compareVersions("1.0.0+a", "1.0.0+b")).toBe(0);
});

// --- process attributes, the shared mount namespace, device file modes ---
describe("process attributes", () => {
  it("SCHED_ISO is refused: Linux never implemented it", () => expectOne((c) => (c.process.scheduler = { policy: "SCHED_ISO" }), "process.scheduler.policy", /SCHED_ISO is not implemented/));
  it("the utilisation clamp flags are refused: the spec gives no clamp value", () => {
    expectOne((c) => (c.process.scheduler = { policy: "SCHED_OTHER", flags: ["SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_UTIL_CLAMP_MAX"] }), "process.scheduler.flags[1]", /needs a clamp value/);
    expectValid((c) => (c.process.scheduler = { policy: "SCHED_OTHER", flags: ["SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_KEEP_PARAMS"] }));
  });
  it("execCPUAffinity lists must be readable", () => {
    expectOne((c) => (c.process.execCPUAffinity = { initial: "0-3,7", final: "3-1" }), "process.execCPUAffinity.final", /range "3-1" ends before it starts/);
    expectOne((c) => (c.process.execCPUAffinity = { initial: "0-7:3/2" }), "process.execCPUAffinity.initial", /0 < used <= group/);
    expectValid((c) => (c.process.execCPUAffinity = { initial: " 0-1 , 3", final: "0-7:2/4" }));
  });
  it("memoryPolicy.nodes must be readable", () => expectOne((c) => (c.linux.memoryPolicy = { mode: "MPOL_BIND", nodes: "0,5-2" }), "linux.memoryPolicy.nodes", /range "5-2" ends before it starts/));
  it("personality flags are refused: the spec defines none", () => {
    expectOne((c) => (c.linux.personality = { domain: "LINUX", flags: ["ADDR_NO_RANDOMIZE"] }), "linux.personality.flags", /defines no personality flags/);
    expectValid((c) => (c.linux.personality = { domain: "LINUX32", flags: [] }));
  });
});

describe("without a mount namespace (the container shares rt's)", () => {
  const shared = (c: any) => {
    dropNs(c, "mount");
    c.mounts = [];
  };
  it("a config that mounts nothing is valid", () => expectValid(shared));
  it.each([
    ["mounts", (c: any) => (c.mounts = [{ destination: "/proc", type: "proc", source: "proc" }])],
    ["linux.maskedPaths", (c: any) => (c.linux.maskedPaths = ["/proc/kcore"])],
    ["linux.readonlyPaths", (c: any) => (c.linux.readonlyPaths = ["/proc/sys"])],
    ["root.readonly", (c: any) => (c.root.readonly = true)],
    ["linux.rootfsPropagation", (c: any) => (c.linux.rootfsPropagation = "private")],
    ["linux.devices", (c: any) => (c.linux.devices = [{ path: "/dev/x", type: "c", major: 1, minor: 3 }])],
  ])("%s is refused: applying it would change the host", (path, set) => {
    expectOne((c) => { shared(c); set(c); }, path, /needs a mount namespace/);
  });
});

describe("linux.devices fileMode", () => {
  const dev = (type: string, fileMode: number) => ({ path: "/dev/x", type, major: 1, minor: 3, fileMode });
  it("may carry the file type bits that match the type (podman sends S_IFCHR|0666)", () => {
    expectValid((c) => (c.linux.devices = [dev("c", 0o20666)]));
    expectValid((c) => (c.linux.devices = [dev("u", 0o20600)]));
    expectValid((c) => (c.linux.devices = [dev("b", 0o60660)]));
    expectValid((c) => (c.linux.devices = [{ path: "/run/f", type: "p", fileMode: 0o10644 }]));
  });
  it("type bits that disagree with type are refused", () => {
    expectOne((c) => (c.linux.devices = [dev("c", 0o60666)]), "linux.devices[0].fileMode", /type bits 0o60000 do not match device type "c"/);
    expectOne((c) => (c.linux.devices = [dev("b", 0o100644)]), "linux.devices[0].fileMode", /type bits 0o100000 do not match device type "b"/);
  });
});
