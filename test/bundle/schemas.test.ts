// The JSON Schemas in spec-schemas/, as compiled into src/bundle/generated/:
//  1. differential: every upstream runtime-spec fixture (good and bad) of
//     config, state and features is judged the way upstream judges it;
//  2. targeted: a config using every Linux section is accepted, and one
//     mistake in each section gives exactly one issue naming its path;
//  3. the generated modules and the error conversion themselves.
// The generated validators are imported statically: if they are missing this
// file fails to load (run `node scripts/compile-schemas.mjs`), it never skips.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import compiledConfig from "../../src/bundle/generated/config.js";
import compiledFeatures from "../../src/bundle/generated/features.js";
import compiledState from "../../src/bundle/generated/state.js";
import {
  PATTERN_HINTS,
  formatIssues,
  schemaIssues,
  validateConfig,
  validateFeatures,
  validateState,
  type SchemaValidator,
  type ValidationIssue,
} from "../../src/bundle/validate.ts";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const FIXTURES = path.resolve(REPO, "../shared/oci-runtime-spec/schema/test");
const GENERATED = path.join(REPO, "src/bundle/generated");

const compiled: Record<string, SchemaValidator> = { config: compiledConfig, state: compiledState, features: compiledFeatures };

function fixtureFiles(kind: string, verdict: "good" | "bad"): string[] {
  const dir = path.join(FIXTURES, kind, verdict);
  return fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort().map((f) => path.join(dir, f));
}

/** Invalid JSON counts as rejected. */
function accepts(kind: string, file: string): boolean {
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return false;
  }
  return compiled[kind](doc);
}

describe("generated validators", () => {
  it("exist (node scripts/compile-schemas.mjs writes them)", () => {
    for (const n of ["config", "state", "features"]) {
      expect(fs.existsSync(path.join(GENERATED, `${n}.js`)), `${n}.js`).toBe(true);
      expect(fs.existsSync(path.join(GENERATED, `${n}.d.ts`)), `${n}.d.ts`).toBe(true);
      expect(typeof compiled[n]).toBe("function");
    }
  });

  it("are pure ES modules that import nothing of Ajv but its small runtime helpers", () => {
    for (const n of ["config", "state", "features"]) {
      const code = fs.readFileSync(path.join(GENERATED, `${n}.js`), "utf8");
      expect(code).not.toMatch(/\brequire\s*\(/);
      const imports = [...code.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
      for (const spec of imports) expect(spec).toMatch(/^ajv\/dist\/runtime\/[a-z0-9]+\.js$/);
      expect(code).toMatch(/export default/);
    }
  });

  it("are rebuilt idempotently: a second run changes nothing", () => {
    const script = path.join(REPO, "scripts/compile-schemas.mjs");
    execFileSync(process.execPath, [script], { cwd: REPO });
    const before = fs.readdirSync(GENERATED).map((f) => [f, fs.statSync(path.join(GENERATED, f)).mtimeMs]);
    execFileSync(process.execPath, [script], { cwd: REPO });
    const after = fs.readdirSync(GENERATED).map((f) => [f, fs.statSync(path.join(GENERATED, f)).mtimeMs]);
    expect(after).toEqual(before);
  });
});

describe("differential: the upstream runtime-spec fixtures", () => {
  it("are present", () => {
    expect(fs.existsSync(FIXTURES), FIXTURES).toBe(true);
    for (const kind of ["config", "state", "features"]) {
      expect(fixtureFiles(kind, "good").length, `${kind}/good`).toBeGreaterThan(0);
      expect(fixtureFiles(kind, "bad").length, `${kind}/bad`).toBeGreaterThan(0);
    }
  });

  for (const kind of ["config", "state", "features"]) {
    for (const verdict of ["good", "bad"] as const) {
      describe(`${kind}/${verdict}`, () => {
        for (const file of fs.existsSync(path.join(FIXTURES, kind, verdict)) ? fixtureFiles(kind, verdict) : []) {
          it(`${verdict === "good" ? "accepts" : "rejects"} ${path.basename(file)}`, () => {
            expect(accepts(kind, file)).toBe(verdict === "good");
          });
        }
      });
    }
  }

  it("rejects bad/freebsd-vnet-disable.json for the vnet value", () => {
    const doc = JSON.parse(fs.readFileSync(path.join(FIXTURES, "config/bad/freebsd-vnet-disable.json"), "utf8"));
    expect(validateConfig(doc)).toEqual([{ path: "freebsd.jail.vnet", message: 'must be one of "new", "inherit" (got "disable")' }]);
  });

  it("names the field of each bad Linux fixture", () => {
    const read = (f: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, "config/bad", f), "utf8"));
    expect(validateConfig(read("linux-hugepage.json")).map((i) => i.path)).toEqual(["linux.resources.hugepageLimits[0].pageSize"]);
    expect(validateConfig(read("linux-netdevice.json")).map((i) => i.path)).toEqual(["linux.netDevices.eth0.name"]);
    expect(validateConfig(read("linux-rdma.json")).map((i) => i.path)).toEqual(["linux.resources.rdma.mlx5_1.hcaHandles"]);
  });
});

/** A config.json that uses every Linux part of runtime-spec v1.3, and is valid. */
function fullLinuxConfig(): any {
  return {
    ociVersion: "1.3.0",
    root: { path: "rootfs", readonly: true },
    hostname: "full",
    domainname: "example.test",
    mounts: [
      { destination: "/proc", type: "proc", source: "proc" },
      { destination: "/data", type: "none", source: "/srv/data", options: ["rbind", "ridmap"], uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }], gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }] },
      { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777"] },
    ],
    process: {
      terminal: true,
      consoleSize: { height: 25, width: 80 },
      user: { uid: 1000, gid: 1000, umask: 0o022, additionalGids: [5, 6], username: "app" },
      args: ["/bin/sh", "-c", "exec app"],
      commandLine: "app.exe",
      env: ["PATH=/usr/bin:/bin", "TERM=xterm", "EMPTY="],
      cwd: "/home/app",
      capabilities: {
        bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
        effective: ["CAP_KILL"],
        inheritable: [],
        permitted: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
        ambient: ["CAP_NET_BIND_SERVICE"],
      },
      rlimits: [
        { type: "RLIMIT_NOFILE", soft: 1024, hard: 4096 },
        { type: "RLIMIT_CORE", soft: 0, hard: 18446744073709551615 },
      ],
      apparmorProfile: "rt-default",
      selinuxLabel: "system_u:system_r:container_t:s0:c1,c2",
      noNewPrivileges: true,
      oomScoreAdj: -500,
      scheduler: { policy: "SCHED_FIFO", priority: 10, flags: ["SCHED_FLAG_RESET_ON_FORK"] },
      ioPriority: { class: "IOPRIO_CLASS_BE", priority: 4 },
      execCPUAffinity: { initial: "7", final: "0-3,7" },
    },
    hooks: {
      prestart: [{ path: "/usr/bin/prestart", args: ["prestart", "-v"], env: ["A=1"], timeout: 5 }],
      createRuntime: [{ path: "/usr/bin/create-runtime" }],
      createContainer: [{ path: "/usr/bin/create-container" }],
      startContainer: [{ path: "/usr/bin/ldconfig" }],
      poststart: [{ path: "/usr/bin/notify", timeout: 1 }],
      poststop: [{ path: "/usr/sbin/cleanup", args: ["cleanup", "-f"] }],
    },
    annotations: { "com.example.key": "value", "org.opencontainers.image.os": "linux" },
    linux: {
      namespaces: [
        { type: "pid" },
        { type: "network", path: "/var/run/netns/full" },
        { type: "mount" },
        { type: "ipc" },
        { type: "uts" },
        { type: "user" },
        { type: "cgroup" },
        { type: "time" },
      ],
      uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
      gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
      timeOffsets: { monotonic: { secs: 86400, nanosecs: 0 }, boottime: { secs: -5, nanosecs: 999999999 } },
      devices: [
        { path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 },
        { path: "/dev/sda", type: "b", major: 8, minor: 0, fileMode: 0o660 },
        { path: "/dev/uc", type: "u", major: 4, minor: 64 },
        { path: "/run/fifo", type: "p" },
      ],
      netDevices: { eth1: { name: "ctr%d" }, ens4: {} },
      cgroupsPath: "/rt/full",
      resources: {
        devices: [
          { allow: false, access: "rwm" },
          { allow: true, type: "c", major: 10, minor: 229, access: "rw" },
          { allow: true, type: "a" },
        ],
        memory: { limit: 536870912, reservation: 268435456, swap: -1, kernel: -1, kernelTCP: -1, swappiness: 60, disableOOMKiller: false, useHierarchy: true, checkBeforeUpdate: true },
        cpu: { shares: 1024, quota: 100000, burst: 10000, period: 100000, realtimeRuntime: 950000, realtimePeriod: 1000000, cpus: "0-3,7", mems: "0", idle: 0 },
        pids: { limit: -1 },
        blockIO: {
          weight: 500,
          leafWeight: 300,
          weightDevice: [{ major: 8, minor: 0, weight: 100 }, { major: 8, minor: 16, leafWeight: 50 }],
          throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
          throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
          throttleReadIOPSDevice: [{ major: 8, minor: 0, rate: 100 }],
          throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 100 }],
        },
        hugepageLimits: [{ pageSize: "2MB", limit: 209715200 }, { pageSize: "1GB", limit: 0 }],
        network: { classID: 1048577, priorities: [{ name: "eth0", priority: 500 }] },
        rdma: { mlx5_1: { hcaHandles: 3, hcaObjects: 10000 }, rxe3: { hcaObjects: 1 } },
        unified: { "memory.high": "400000000", "io.max": "259:0 rbps=2097152" },
      },
      rootfsPropagation: "slave",
      seccomp: {
        defaultAction: "SCMP_ACT_ERRNO",
        defaultErrnoRet: 1,
        architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64"],
        flags: ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
        listenerPath: "/run/seccomp-agent.sock",
        listenerMetadata: "opaque",
        syscalls: [
          { names: ["read", "write"], action: "SCMP_ACT_ALLOW" },
          { names: ["personality"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 8, op: "SCMP_CMP_EQ" }, { index: 1, value: 255, valueTwo: 8, op: "SCMP_CMP_MASKED_EQ" }] },
          { names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 13 },
          { names: ["mount"], action: "SCMP_ACT_NOTIFY" },
        ],
      },
      sysctl: { "net.ipv4.ip_forward": "1", "kernel.shmmax": "65536", "fs.mqueue.msg_max": "10", "kernel.domainname": "x", "kernel.msgmax": "8192" },
      maskedPaths: ["/proc/kcore", "/sys/firmware"],
      readonlyPaths: ["/proc/sys", "/proc/sysrq-trigger"],
      mountLabel: "system_u:object_r:container_file_t:s0:c1,c2",
      intelRdt: { closID: "guaranteed", l3CacheSchema: "L3:0=7f0;1=1f", memBwSchema: "MB:0=20;1=70", schemata: ["L2:0=f"], enableMonitoring: true },
      memoryPolicy: { mode: "MPOL_BIND", nodes: "0-1", flags: ["MPOL_F_STATIC_NODES"] },
      personality: { domain: "LINUX32", flags: [] },
    },
  };
}

type Mutation = [name: string, mutate: (c: any) => void, path: string, message?: RegExp];

/** One mistake per Linux section; each must give exactly one issue, at this path. */
const INVALID: Mutation[] = [
  ["ociVersion not SemVer", (c) => (c.ociVersion = "1.0"), "ociVersion", /SemVer/],
  ["ociVersion missing", (c) => delete c.ociVersion, "ociVersion", /^required$/],
  ["root.path empty", (c) => (c.root.path = ""), "root.path", /must not be empty/],
  ["root.readonly not a boolean", (c) => (c.root.readonly = "yes"), "root.readonly", /true or false/],
  ["mount without destination", (c) => delete c.mounts[0].destination, "mounts[0].destination", /^required$/],
  ["mount options not strings", (c) => (c.mounts[2].options[1] = 7), "mounts[2].options[1]", /must be a string/],
  ["mount uidMappings without gidMappings", (c) => delete c.mounts[1].gidMappings, "mounts[1].gidMappings", /required when "uidMappings"/],
  ["mount id mapping size negative", (c) => (c.mounts[1].uidMappings[0].size = -1), "mounts[1].uidMappings[0].size", />= 0/],
  ["process.cwd missing", (c) => delete c.process.cwd, "process.cwd", /^required$/],
  ["process.args not strings", (c) => (c.process.args = [1]), "process.args[0]", /must be a string/],
  ["process.env not an array", (c) => (c.process.env = "A=1"), "process.env", /must be an array/],
  ["process.terminal not a boolean", (c) => (c.process.terminal = 1), "process.terminal", /true or false/],
  ["consoleSize without width", (c) => delete c.process.consoleSize.width, "process.consoleSize.width", /^required$/],
  ["user.uid negative", (c) => (c.process.user.uid = -1), "process.user.uid", />= 0/],
  ["user.gid above uint32", (c) => (c.process.user.gid = 4294967296), "process.user.gid", /<= 4294967295/],
  ["user.umask above 0777", (c) => (c.process.user.umask = 0o1000), "process.user.umask", /<= 511/],
  ["additionalGids not integers", (c) => (c.process.user.additionalGids = [1.5]), "process.user.additionalGids[0]", /an integer/],
  ["capability malformed", (c) => (c.process.capabilities.effective = ["kill"]), "process.capabilities.effective[0]", /capability name/],
  ["rlimit type malformed", (c) => (c.process.rlimits[1].type = "nofile"), "process.rlimits[1].type", /RLIMIT_\* name/],
  ["rlimit without soft", (c) => delete c.process.rlimits[0].soft, "process.rlimits[0].soft", /^required$/],
  ["oomScoreAdj out of range", (c) => (c.process.oomScoreAdj = 1001), "process.oomScoreAdj", /<= 1000/],
  ["scheduler policy unknown", (c) => (c.process.scheduler.policy = "SCHED_FAST"), "process.scheduler.policy", /must be one of "SCHED_OTHER"/],
  ["scheduler flag unknown", (c) => (c.process.scheduler.flags = ["SCHED_FLAG_X"]), "process.scheduler.flags[0]", /must be one of/],
  ["ioPriority class unknown", (c) => (c.process.ioPriority.class = "IOPRIO_CLASS_NONE"), "process.ioPriority.class", /IOPRIO_CLASS_RT/],
  ["ioPriority without priority", (c) => delete c.process.ioPriority.priority, "process.ioPriority.priority", /^required$/],
  ["ioPriority priority above 7", (c) => (c.process.ioPriority.priority = 8), "process.ioPriority.priority", /<= 7/],
  ["execCPUAffinity not a CPU list", (c) => (c.process.execCPUAffinity.final = "all"), "process.execCPUAffinity.final", /"0-3,7"/],
  ["hostname not a string", (c) => (c.hostname = 1), "hostname", /must be a string/],
  ["hook without path", (c) => delete c.hooks.createContainer[0].path, "hooks.createContainer[0].path", /^required$/],
  ["hook timeout zero", (c) => (c.hooks.poststart[0].timeout = 0), "hooks.poststart[0].timeout", />= 1/],
  ["hooks kind not an array", (c) => (c.hooks.poststop = {}), "hooks.poststop", /must be an array/],
  ["annotation value not a string", (c) => (c.annotations["com.example.key"] = 1), 'annotations["com.example.key"]', /must be a string/],
  ["annotation key empty", (c) => (c.annotations[""] = "x"), 'annotations[""]', /key must not be empty/],
  ["linux not an object", (c) => (c.linux = []), "linux", /must be an object \(got an array\)/],
  ["namespace type unknown", (c) => (c.linux.namespaces[1].type = "net"), "linux.namespaces[1].type", /must be one of "pid", "network"/],
  ["namespace without type", (c) => (c.linux.namespaces[0] = {}), "linux.namespaces[0].type", /^required$/],
  ["uidMapping without hostID", (c) => delete c.linux.uidMappings[0].hostID, "linux.uidMappings[0].hostID", /^required$/],
  ["timeOffsets nanosecs a second", (c) => (c.linux.timeOffsets.monotonic.nanosecs = 1e9), "linux.timeOffsets.monotonic.nanosecs", /<= 999999999/],
  ["device type unknown", (c) => (c.linux.devices[0].type = "s"), "linux.devices[0].type", /"c", "b", "u", "p"/],
  ["device fileMode beyond the type and permission bits", (c) => (c.linux.devices[0].fileMode = 0o200666), "linux.devices[0].fileMode", /<= 65535/],
  ["device without path", (c) => delete c.linux.devices[3].path, "linux.devices[3].path", /^required$/],
  ["netDevice name not a string", (c) => (c.linux.netDevices.eth1.name = 23), "linux.netDevices.eth1.name", /must be a string/],
  ["cgroupsPath not a string", (c) => (c.linux.cgroupsPath = 5), "linux.cgroupsPath", /must be a string/],
  ["device rule without allow", (c) => delete c.linux.resources.devices[1].allow, "linux.resources.devices[1].allow", /^required$/],
  ["device rule access letters", (c) => (c.linux.resources.devices[0].access = "rwx"), "linux.resources.devices[0].access", /"r", "w" and "m"/],
  ["device rule type", (c) => (c.linux.resources.devices[1].type = "u"), "linux.resources.devices[1].type", /"a", "c", "b"/],
  ["memory swappiness above 100", (c) => (c.linux.resources.memory.swappiness = 101), "linux.resources.memory.swappiness", /<= 100/],
  ["memory limit not an integer", (c) => (c.linux.resources.memory.limit = "1G"), "linux.resources.memory.limit", /an integer/],
  ["cpu shares negative", (c) => (c.linux.resources.cpu.shares = -2), "linux.resources.cpu.shares", />= 0/],
  ["cpu cpus not a list", (c) => (c.linux.resources.cpu.cpus = "0-3,a"), "linux.resources.cpu.cpus", /numbers and ranges/],
  ["pids limit a string", (c) => (c.linux.resources.pids.limit = "max"), "linux.resources.pids.limit", /an integer \(got "max"\)/],
  ["blockIO weight above uint16", (c) => (c.linux.resources.blockIO.weight = 70000), "linux.resources.blockIO.weight", /<= 65535/],
  ["blockIO weightDevice without any weight", (c) => (c.linux.resources.blockIO.weightDevice[0] = { major: 8, minor: 0 }), "linux.resources.blockIO.weightDevice[0]", /at least one of weight, leafWeight/],
  ["blockIO throttle without rate", (c) => delete c.linux.resources.blockIO.throttleWriteIOPSDevice[0].rate, "linux.resources.blockIO.throttleWriteIOPSDevice[0].rate", /^required$/],
  ["blockIO throttle without minor", (c) => delete c.linux.resources.blockIO.throttleReadBpsDevice[0].minor, "linux.resources.blockIO.throttleReadBpsDevice[0].minor", /^required$/],
  ["hugepage size lowercase", (c) => (c.linux.resources.hugepageLimits[0].pageSize = "2mb"), "linux.resources.hugepageLimits[0].pageSize", /page size/],
  ["hugepage without limit", (c) => delete c.linux.resources.hugepageLimits[1].limit, "linux.resources.hugepageLimits[1].limit", /^required$/],
  ["network priority without priority", (c) => delete c.linux.resources.network.priorities[0].priority, "linux.resources.network.priorities[0].priority", /^required$/],
  ["network classID negative", (c) => (c.linux.resources.network.classID = -1), "linux.resources.network.classID", />= 0/],
  ["rdma entry empty", (c) => (c.linux.resources.rdma.rxe3 = {}), "linux.resources.rdma.rxe3", /at least one of hcaHandles, hcaObjects/],
  ["unified value not a string", (c) => (c.linux.resources.unified["memory.max"] = 5), 'linux.resources.unified["memory.max"]', /must be a string/],
  ["rootfsPropagation unknown", (c) => (c.linux.rootfsPropagation = "rshared"), "linux.rootfsPropagation", /"shared", "slave", "private", "unbindable"/],
  ["seccomp without defaultAction", (c) => delete c.linux.seccomp.defaultAction, "linux.seccomp.defaultAction", /^required$/],
  ["seccomp action unknown", (c) => (c.linux.seccomp.syscalls[0].action = "SCMP_ACT_DENY"), "linux.seccomp.syscalls[0].action", /SCMP_ACT_KILL/],
  ["seccomp arch unknown", (c) => (c.linux.seccomp.architectures[2] = "SCMP_ARCH_ARM64"), "linux.seccomp.architectures[2]", /SCMP_ARCH_AARCH64/],
  ["seccomp flag unknown", (c) => (c.linux.seccomp.flags[0] = "SECCOMP_FILTER_FLAG_X"), "linux.seccomp.flags[0]", /SECCOMP_FILTER_FLAG_TSYNC/],
  ["seccomp arg op unknown", (c) => (c.linux.seccomp.syscalls[1].args[1].op = "SCMP_CMP_AND"), "linux.seccomp.syscalls[1].args[1].op", /SCMP_CMP_MASKED_EQ/],
  ["seccomp arg without value", (c) => delete c.linux.seccomp.syscalls[1].args[0].value, "linux.seccomp.syscalls[1].args[0].value", /^required$/],
  ["seccomp syscall names empty", (c) => (c.linux.seccomp.syscalls[0].names = []), "linux.seccomp.syscalls[0].names", /must not be empty/],
  ["seccomp listenerMetadata without listenerPath", (c) => delete c.linux.seccomp.listenerPath, "linux.seccomp.listenerPath", /required when "listenerMetadata"/],
  ["sysctl value not a string", (c) => (c.linux.sysctl["net.ipv4.ip_forward"] = 1), 'linux.sysctl["net.ipv4.ip_forward"]', /must be a string/],
  ["maskedPaths not strings", (c) => (c.linux.maskedPaths = [null]), "linux.maskedPaths[0]", /must be a string \(got null\)/],
  ["readonlyPaths not an array", (c) => (c.linux.readonlyPaths = "/proc/sys"), "linux.readonlyPaths", /must be an array/],
  ["mountLabel not a string", (c) => (c.linux.mountLabel = {}), "linux.mountLabel", /must be a string/],
  ["intelRdt memBwSchema prefix", (c) => (c.linux.intelRdt.memBwSchema = "L3:0=1"), "linux.intelRdt.memBwSchema", /start with "MB:"/],
  ["intelRdt schemata line with newline", (c) => (c.linux.intelRdt.schemata = ["L2:0=f\nMB:0=1"]), "linux.intelRdt.schemata[0]", /single line/],
  ["memoryPolicy without mode", (c) => delete c.linux.memoryPolicy.mode, "linux.memoryPolicy.mode", /^required$/],
  ["memoryPolicy mode unknown", (c) => (c.linux.memoryPolicy.mode = "MPOL_ANY"), "linux.memoryPolicy.mode", /MPOL_BIND/],
  ["memoryPolicy flag unknown", (c) => (c.linux.memoryPolicy.flags = ["MPOL_F_X"]), "linux.memoryPolicy.flags[0]", /MPOL_F_STATIC_NODES/],
  ["personality without domain", (c) => delete c.linux.personality.domain, "linux.personality.domain", /^required$/],
  ["personality domain unknown", (c) => (c.linux.personality.domain = "LINUX64"), "linux.personality.domain", /"LINUX", "LINUX32"/],
  ["freebsd jail host disabled", (c) => (c.freebsd = { jail: { host: "disable" } }), "freebsd.jail.host", /"new", "inherit"/],
  ["windows without layerFolders", (c) => (c.windows = {}), "windows.layerFolders", /^required$/],
  ["vm without kernel", (c) => (c.vm = { hypervisor: { path: "/usr/bin/qemu" } }), "vm.kernel", /^required$/],
  ["zos namespace type unknown", (c) => (c.zos = { namespaces: [{ type: "user" }] }), "zos.namespaces[0].type", /must be one of/],
];

describe("targeted: config.json", () => {
  it("accepts a config that uses every Linux section", () => {
    expect(validateConfig(fullLinuxConfig())).toEqual([]);
    expect(compiledConfig(fullLinuxConfig())).toBe(true);
  });

  it("ignores unknown properties, as the spec's Extensibility section requires", () => {
    const c = fullLinuxConfig();
    c.experimental = { x: 1 };
    c.process.futureField = true;
    c.linux.resources.oomScoreAdj = 100; // moved to process long ago; still seen in the wild
    expect(validateConfig(c)).toEqual([]);
  });

  it.each(INVALID)("rejects %s", (_name, mutate, path, message) => {
    const c = fullLinuxConfig();
    mutate(c);
    const issues = validateConfig(c);
    expect(issues).toHaveLength(1);
    expect(issues[0].path).toBe(path);
    if (message) expect(issues[0].message).toMatch(message);
  });

  it("reports every schema problem at once, each once", () => {
    const c = fullLinuxConfig();
    c.process.oomScoreAdj = 5000;
    c.linux.namespaces[0].type = "pids";
    c.linux.resources.hugepageLimits[0].pageSize = "2M";
    expect(validateConfig(c).map((i) => i.path)).toEqual([
      "process.oomScoreAdj",
      "linux.namespaces[0].type",
      "linux.resources.hugepageLimits[0].pageSize",
    ]);
  });

  it("reports a document that is not an object at the document itself", () => {
    expect(validateConfig(null)).toEqual([{ path: "", message: "must be an object (got null)" }]);
    expect(formatIssues(validateConfig([]))).toBe("config.json: must be an object (got an array)");
  });
});

describe("targeted: state", () => {
  const state = () => ({ ociVersion: "1.3.0", id: "c1", status: "running", pid: 42, bundle: "/b", annotations: { a: "b" } });
  it("accepts a running container's state", () => expect(validateState(state())).toEqual([]));
  it("accepts a stopped container without a pid", () => expect(validateState({ ...state(), status: "stopped", pid: undefined })).toEqual([]));
  it("requires the pid while created or running", () => {
    const { pid: _pid, ...s } = state();
    expect(validateState({ ...s, status: "created" })).toEqual([{ path: "pid", message: "required" }]);
  });
  it("rejects an unknown status", () => expect(validateState({ ...state(), status: "paused" }).map((i) => i.path)).toEqual(["status"]));
  it("rejects an empty id", () => expect(validateState({ ...state(), id: "" }).map((i) => i.path)).toEqual(["id"]));
  it("requires an absolute bundle", () => expect(validateState({ ...state(), bundle: "b" })).toEqual([{ path: "bundle", message: 'must be an absolute path (got "b")' }]));
  it("formats with the given file name", () => expect(formatIssues(validateState({ ...state(), pid: -1 }), "state.json")).toBe("state.json: pid: must be >= 0 (got -1)"));
});

describe("targeted: features", () => {
  const features = () => JSON.parse(fs.readFileSync(path.join(FIXTURES, "features/good/runc.json"), "utf8"));
  it("accepts null for every optional member", () => {
    const f = { ociVersionMin: "1.0.0", ociVersionMax: "1.3.0", hooks: null, mountOptions: null, annotations: null, potentiallyUnsafeConfigAnnotations: null, linux: null };
    expect(validateFeatures(f)).toEqual([]);
    const l = { namespaces: null, capabilities: null, cgroup: { v1: null }, seccomp: { actions: null }, apparmor: null, selinux: { enabled: null }, intelRdt: { schemata: true, monitoring: null }, memoryPolicy: { modes: ["MPOL_BIND"], flags: null }, mountExtensions: { idmap: { enabled: true } }, netDevices: null };
    expect(validateFeatures({ ...f, linux: l })).toEqual([]);
  });
  it("requires ociVersionMin and ociVersionMax", () => {
    expect(validateFeatures({ ociVersionMin: "1.0.0" })).toEqual([{ path: "ociVersionMax", message: "required" }]);
  });
  it("requires ociVersionMax not below ociVersionMin", () => {
    expect(validateFeatures({ ociVersionMin: "1.2.0", ociVersionMax: "1.2.0-rc.1" }).map((i) => i.path)).toEqual(["ociVersionMax"]);
    expect(validateFeatures({ ociVersionMin: "1.2.0-rc.1", ociVersionMax: "1.2.0" })).toEqual([]);
  });
  it("checks the Linux vocabularies", () => {
    const f = features();
    f.linux.namespaces.push("net");
    f.linux.seccomp.archs[0] = "SCMP_ARCH_ARM64";
    f.linux.capabilities.push("cap_chown");
    expect(validateFeatures(f).map((i) => i.path)).toEqual([
      `linux.namespaces[${f.linux.namespaces.length - 1}]`,
      `linux.capabilities[${f.linux.capabilities.length - 1}]`,
      "linux.seccomp.archs[0]",
    ]);
  });
  it("rejects a non-boolean toggle", () => {
    const f = features();
    f.linux.apparmor.enabled = "yes";
    expect(validateFeatures(f)).toEqual([{ path: "linux.apparmor.enabled", message: 'must be true or false or null (got "yes")' }]);
  });
});

describe("error conversion", () => {
  it("has readable wording for every pattern in spec-schemas/", () => {
    const patterns = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === "object") {
        for (const [k, x] of Object.entries(v)) {
          if (k === "pattern" && typeof x === "string") patterns.add(x);
          else walk(x);
        }
      }
    };
    const dir = path.join(REPO, "spec-schemas");
    for (const f of fs.readdirSync(dir)) walk(JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")));
    expect(patterns.size).toBeGreaterThan(5);
    for (const p of patterns) expect(PATTERN_HINTS[p], p).toBeTypeOf("string");
  });

  it("names the property of an additionalProperties error", () => {
    const doc = { linux: { resources: { bogus: 1 } } };
    const issues: ValidationIssue[] = schemaIssues(
      [{ instancePath: "/linux/resources", schemaPath: "#/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: "bogus" } }],
      doc,
    );
    expect(issues).toEqual([{ path: "linux.resources.bogus", message: "unknown property" }]);
  });

  it("tells array indices from numeric object keys and quotes keys that are not identifiers", () => {
    const doc = { linux: { resources: { rdma: { "0": { hcaHandles: "x" } } } }, a: [[{ "b c": 1 }]] };
    const mk = (instancePath: string) => ({ instancePath, schemaPath: "#/type", keyword: "type", params: { type: "integer" } });
    expect(schemaIssues([mk("/linux/resources/rdma/0/hcaHandles"), mk("/a/0/0/b c")], doc).map((i) => i.path)).toEqual([
      'linux.resources.rdma["0"].hcaHandles',
      'a[0][0]["b c"]',
    ]);
  });

  it("unescapes JSON pointer segments", () => {
    const doc = { linux: { sysctl: { "a/b~c": 1 } } };
    const e = { instancePath: "/linux/sysctl/a~1b~0c", schemaPath: "#/type", keyword: "type", params: { type: "string" } };
    expect(schemaIssues([e], doc)).toEqual([{ path: 'linux.sysctl["a/b~c"]', message: "must be a string (got 1)" }]);
  });
});
