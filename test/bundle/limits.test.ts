// What the kernel or the executor would refuse at create time is a validation
// error naming the field (src/bundle/limits.ts), so `validate` and `create`
// agree (issue 9, item 9). The create side is in test/integration/hostile-input.test.ts.
import { describe, expect, it } from "vitest";
import { validateConfig } from "../../src/bundle/validate.ts";
import { tooDeep } from "../../src/bundle/json-depth.ts";

function base(): any {
  return {
    ociVersion: "1.3.0",
    root: { path: "rootfs" },
    hostname: "c1",
    process: { cwd: "/", args: ["sh"], env: ["PATH=/bin"], user: { uid: 0, gid: 0 } },
    mounts: [{ destination: "/proc", type: "proc", source: "proc", options: ["nosuid"] }],
    linux: { namespaces: [{ type: "pid" }, { type: "mount" }, { type: "uts" }, { type: "ipc" }, { type: "network" }] },
  };
}

function expectOne(mutate: (c: any) => void, path: string, re: RegExp) {
  const c = base();
  mutate(c);
  const issues = validateConfig(c);
  expect(issues, JSON.stringify(issues)).toHaveLength(1);
  expect(issues[0].path).toBe(path);
  expect(issues[0].message).toMatch(re);
}

const valid = (mutate: (c: any) => void) => {
  const c = base();
  mutate(c);
  expect(validateConfig(c)).toEqual([]);
};

describe("NUL bytes", () => {
  it("in any mount field, hostname or domainname, named by field", () => {
    expectOne((c) => (c.mounts[0].destination = "/pr\0oc"), "mounts[0].destination", /NUL byte/);
    expectOne((c) => (c.mounts[0].source = "pr\0oc"), "mounts[0].source", /NUL byte/);
    expectOne((c) => (c.mounts[0].type = "pr\0oc"), "mounts[0].type", /NUL byte/);
    expectOne((c) => (c.mounts[0].options = ["nosuid", "no\0dev"]), "mounts[0].options[1]", /NUL byte/);
    expectOne((c) => (c.hostname = "a\0b"), "hostname", /NUL byte/);
    expectOne((c) => (c.domainname = "a\0b"), "domainname", /NUL byte/);
    expectOne((c) => (c.linux.sysctl = { "net.core.somaxconn": "1\0" }), 'linux.sysctl["net.core.somaxconn"]', /NUL byte/);
  });
  it("annotations never reach the kernel, and process.args keeps its own wording", () => {
    valid((c) => (c.annotations = { "a": "x\0y" }));
    expectOne((c) => (c.process.args = ["sh", "a\0"]), "process.args[1]", /must not contain a NUL byte/);
  });
});

describe("lengths and counts", () => {
  it("hostname and domainname take at most 64 bytes", () => {
    valid((c) => (c.hostname = "h".repeat(64)));
    expectOne((c) => (c.hostname = "h".repeat(65)), "hostname", /at most 64 bytes/);
    expectOne((c) => (c.domainname = "é".repeat(33)), "domainname", /at most 64 bytes.*got 66/);
  });
  it("4294967295 is no uid or gid", () => {
    expectOne((c) => (c.process.user.uid = 4294967295), "process.user.uid", /\(uid_t\)-1/);
    expectOne((c) => (c.process.user.gid = 4294967295), "process.user.gid", /\(gid_t\)-1/);
    expectOne((c) => (c.process.user.additionalGids = [1, 4294967295]), "process.user.additionalGids[1]", /\(gid_t\)-1/);
    valid((c) => (c.process.user.uid = 4294967294));
  });
  it("process.args and additionalGids take at most 4096 entries (one op of the plan each)", () => {
    valid((c) => (c.process.args = Array(4096).fill("x")));
    expectOne((c) => (c.process.args = Array(4097).fill("x")), "process.args", /4097 entries: rt takes at most 4096/);
    expectOne((c) => (c.process.user.additionalGids = Array.from({ length: 5000 }, (_, i) => i)), "process.user.additionalGids", /at most 4096/);
  });
  it("a CPU list expanding beyond 4096 CPUs, and lists of more entries than the plan's 65536 ops can hold", () => {
    valid((c) => (c.process.execCPUAffinity = { initial: "0-4095" }));
    expectOne((c) => (c.process.execCPUAffinity = { initial: "0-8191" }), "process.execCPUAffinity.initial", /names 8192 CPUs: rt takes at most 4096/);
    expectOne((c) => (c.process.execCPUAffinity = { final: "0-4096" }), "process.execCPUAffinity.final", /names 4097 CPUs/);
    valid((c) => (c.process.env = Array.from({ length: 16384 }, (_, i) => `V${i}=1`)));
    expectOne((c) => (c.process.env = Array.from({ length: 70000 }, (_, i) => `V${i}=1`)), "process.env", /70000 entries: rt takes at most 16384/);
    expectOne((c) => (c.linux.maskedPaths = Array.from({ length: 4097 }, (_, i) => `/m${i}`)), "linux.maskedPaths", /4097 entries: rt takes at most 4096/);
    expectOne((c) => (c.linux.sysctl = Object.fromEntries(Array.from({ length: 4097 }, (_, i) => [`net.x${i}`, "1"]))), "linux.sysctl", /4097 entries/);
  });
  it("id maps: size 0 is refused, and a user namespace without mappings is blamed on the mappings", () => {
    const userns = (c: any) => c.linux.namespaces.push({ type: "user" });
    const zero = base();
    userns(zero);
    zero.linux.uidMappings = [{ containerID: 0, hostID: 0, size: 0 }];
    zero.linux.gidMappings = [{ containerID: 0, hostID: 0, size: 1 }];
    expect(validateConfig(zero)[0]).toEqual({ path: "linux.uidMappings[0].size", message: "must be at least 1" });
    // The largest map the kernel takes (the initial namespace's own) is valid, and create makes it.
    valid((c) => {
      userns(c);
      c.linux.uidMappings = [{ containerID: 0, hostID: 0, size: 4294967295 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 0, size: 4294967295 }];
    });
    expectOne((c) => {
      userns(c);
      c.linux.uidMappings = [{ containerID: 0, hostID: 1, size: 4294967295 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 0, size: 1 }];
    }, "linux.uidMappings[0].hostID", /goes beyond the largest id/);
    const c = base();
    userns(c);
    expect(validateConfig(c).map((i) => i.path)).toEqual(["linux.uidMappings", "linux.gidMappings"]);
  });
});

describe("nesting", () => {
  it("finds where a text first nests too deeply, outside strings only", () => {
    expect(tooDeep("[".repeat(65))).toBe("line 1, column 65");
    expect(tooDeep(`{"a":\n  ${"[".repeat(70)}`)).toBe("line 2, column 66");
    expect(tooDeep(`{"a": "${"[".repeat(100)}\\"["}`)).toBeUndefined();
    expect(tooDeep("[".repeat(64) + "]".repeat(64))).toBeUndefined();
  });
});
