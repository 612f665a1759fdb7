// rt features (runtime-spec features.md, issue 10): valid against the
// features schema, and truthful: each claim is fed back to what create
// accepts (rt validate runs create's checks, creating nothing) and, for the
// namespaces, to a real container; what it leaves out, create refuses.
import { afterAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import { ROOTFS, cleanupRoot, makeBundle, rt, stateRoot, testSpec, uniqueId } from "../helpers.ts";
import { validateFeatures } from "../../src/bundle/validate.ts";
import { MOUNT_OPTION_NAMES } from "../../src/linux/mount-options.ts";
import { HOOK_NAMES } from "../../src/container/features.ts";
import type { Features, Mount, Spec } from "../../src/spec/types.ts";

const root = stateRoot();
afterAll(() => cleanupRoot(root));

const doc = (): Features => {
  const r = rt(root, ["features"]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};
const f = doc();
const userMaps = (s: Spec) => {
  s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
};
const validate = (edit: (s: Spec) => void) => rt(root, ["validate", "--bundle", makeBundle(testSpec(["/bin/probe", "true"], edit))]);

/** A mount that uses option o as create would take it: bind options on a bind of the rootfs (idmapped ones with their maps), the rest on a tmpfs. */
function mountWith(o: string, i: number): Mount {
  const destination = `/mnt/o${i}`;
  if (o === "idmap" || o === "ridmap") return { destination, type: "bind", source: ROOTFS, options: ["rbind", o], uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }], gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }] };
  if (o === "bind" || o === "rbind") return { destination, type: "bind", source: ROOTFS, options: [o] };
  return { destination, type: "tmpfs", source: "tmpfs", options: [o] };
}

describe("rt features", () => {
  it("is valid against the features schema, ociVersionMax the spec rt implements", () => {
    expect(validateFeatures(f)).toEqual([]);
    expect(f.ociVersionMax).toBe("1.3.0");
    expect(f.ociVersionMin).toBe("1.0.0");
  });

  it("every mount option it lists is accepted by create's checks; every other option rt knows is refused", () => {
    const listed = f.mountOptions!;
    expect(listed.length).toBeGreaterThan(50);
    const ok = validate((s) => { s.mounts!.push(...listed.map(mountWith)); });
    expect(ok.code, ok.stderr).toBe(0);
    for (const o of MOUNT_OPTION_NAMES.filter((x) => !listed.includes(x))) {
      const r = validate((s) => { s.mounts!.push(mountWith(o, 0)); });
      expect(r.code, o).toBe(1);
      expect(r.stderr, o).toContain(`mounts[${testSpec([]).mounts!.length}].options`);
    }
  });

  it("hooks: those it lists are accepted, the others refused by name", () => {
    for (const h of HOOK_NAMES) {
      const r = validate((s) => { s.hooks = { [h]: [{ path: "/bin/true" }] }; });
      if (f.hooks!.includes(h)) expect(r.code, `${h}: ${r.stderr}`).toBe(0);
      else expect(r.stderr, h).toContain(`hooks.${h}: `);
    }
  });

  it("seccomp: every action, operator and arch it lists is accepted by create's checks; every supported flag is taken by this kernel", () => {
    const sc = f.linux!.seccomp!;
    expect(sc.enabled).toBe(true);
    expect(sc.actions).toEqual(expect.arrayContaining(["SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_NOTIFY", "SCMP_ACT_LOG"]));
    expect(sc.operators).toHaveLength(7);
    expect(sc.archs).toContain("SCMP_ARCH_X86_64");
    const ok = validate((s) => {
      s.linux!.seccomp = {
        defaultAction: "SCMP_ACT_ALLOW",
        architectures: sc.archs as never,
        flags: sc.supportedFlags as never,
        listenerPath: "/run/x3-agent.sock",
        syscalls: [
          ...sc.actions!.map((action, i) => ({ names: [`x3_not_a_syscall_${i}`], action: action as never })),
          ...sc.operators!.map((op) => ({ names: ["getcwd"], action: "SCMP_ACT_ERRNO" as const, args: [{ index: 0, value: 1, valueTwo: 1, op: op as never }] })),
        ],
      };
    });
    expect(ok.code, ok.stderr).toBe(0);
    // The flags, and the filter with them, as the kernel loads it: the container runs.
    expect(sc.supportedFlags).toEqual(expect.arrayContaining(["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG"]));
    const run = rt(root, ["run", "--bundle", makeBundle(testSpec(["/bin/probe", "true"], (s) => {
      s.linux!.seccomp = { defaultAction: "SCMP_ACT_ALLOW", flags: sc.supportedFlags as never, syscalls: [{ names: ["getcwd"], action: "SCMP_ACT_ERRNO" }] };
    })), uniqueId("x3-ft")]);
    expect(run.code, run.stderr).toBe(0);
  });

  it("seccomp: what create refuses is not listed (an arch this libseccomp lacks, a flag it cannot set)", () => {
    const sc = f.linux!.seccomp!;
    expect(sc.archs).not.toContain("SCMP_ARCH_LOONGARCH64");
    const arch = validate((s) => { s.linux!.seccomp = { defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_LOONGARCH64" as never] }; });
    expect(arch.stderr).toContain("linux.seccomp.architectures[0]");
    // known to rt (it has the bit), not supported (libseccomp 2.5 cannot set it)
    expect(sc.knownFlags).toContain("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
    expect(sc.supportedFlags).not.toContain("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
    const flag = validate((s) => { s.linux!.seccomp = { defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" as never] }; });
    expect(flag.stderr).toContain("linux.seccomp.flags[0]");
    for (const x of sc.supportedFlags!) expect(sc.knownFlags).toContain(x);
  });

  it("annotations name the libseccomp rt-exec is linked with, as the host's package has it", () => {
    const pkg = spawnSync("dpkg-query", ["-W", "-f", "${Version}", "libseccomp-dev"], { encoding: "utf8" }).stdout;
    expect(f.annotations!["io.github.seccomp.libseccomp.version"]).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pkg.startsWith(f.annotations!["io.github.seccomp.libseccomp.version"])).toBe(true);
  });

  it("seccomp.enabled says whether create takes linux.seccomp", () => {
    const r = validate((s) => { s.linux!.seccomp = { defaultAction: "SCMP_ACT_ALLOW" }; });
    expect(r.code === 0, r.stderr).toBe(f.linux!.seccomp!.enabled);
  });

  it("every namespace it lists can be created together on this host", () => {
    const types = f.linux!.namespaces!;
    expect(types).toEqual(expect.arrayContaining(["pid", "network", "mount", "ipc", "uts", "user", "cgroup"]));
    const r = rt(root, ["run", "--bundle", makeBundle(testSpec(["/bin/probe", "true"], (s) => {
      s.linux!.namespaces = types.map((type) => ({ type }));
      userMaps(s);
    })), uniqueId("x3-ft")]);
    expect(r.code, r.stderr).toBe(0);
  });

  it("every capability it lists is a name create takes, and a name it does not list is refused", () => {
    const caps = f.linux!.capabilities!;
    expect(caps).toContain("CAP_CHECKPOINT_RESTORE");
    const ok = validate((s) => { s.process!.capabilities = { bounding: caps, effective: [], permitted: [] }; });
    expect(ok.code, ok.stderr).toBe(0);
    const bad = validate((s) => { s.process!.capabilities = { bounding: ["CAP_NOT_A_CAP"] }; });
    expect(bad.code).toBe(1);
  });

  it("memoryPolicy: every mode and flag it lists is accepted", () => {
    const noNodes = new Set(["MPOL_DEFAULT", "MPOL_LOCAL"]);
    for (const mode of f.linux!.memoryPolicy!.modes!) {
      const r = validate((s) => { s.linux!.memoryPolicy = { mode: mode as never, ...(noNodes.has(mode) ? {} : { nodes: "0" }) }; });
      expect(r.code, `${mode}: ${r.stderr}`).toBe(0);
    }
    const r = validate((s) => { s.linux!.memoryPolicy = { mode: "MPOL_BIND", nodes: "0", flags: f.linux!.memoryPolicy!.flags!.filter((x) => x !== "MPOL_F_RELATIVE_NODES") as never }; });
    expect(r.code, r.stderr).toBe(0);
  });

  it("netDevices, idmap: enabled, and create takes them; AppArmor, SELinux, Intel RDT, rdma: disabled, and create refuses them", () => {
    expect(f.linux!.netDevices!.enabled).toBe(true);
    expect(validate((s) => { s.linux!.netDevices = { x3dummy0: {} }; }).code).toBe(0);
    expect(f.linux!.mountExtensions!.idmap!.enabled).toBe(true);
    const off: [boolean | null | undefined, (s: Spec) => void, string][] = [
      [f.linux!.apparmor!.enabled, (s) => { s.process!.apparmorProfile = "x"; }, "process.apparmorProfile"],
      [f.linux!.selinux!.enabled, (s) => { s.process!.selinuxLabel = "x"; }, "process.selinuxLabel"],
      [f.linux!.intelRdt!.enabled, (s) => { s.linux!.intelRdt = {}; }, "linux.intelRdt"],
      [f.linux!.cgroup!.rdma, (s) => { s.linux!.resources = { rdma: { mlx5_0: { hcaHandles: 1 } } }; }, "linux.resources.rdma"],
    ];
    for (const [enabled, edit, field] of off) {
      expect(enabled, field).toBe(false);
      expect(validate(edit).stderr, field).toContain(field);
    }
  });

  it("cgroup: v2 as the host mounts it; no v1 or systemd driver", () => {
    const mounts = fs.readFileSync("/proc/self/mountinfo", "utf8");
    expect(f.linux!.cgroup).toEqual({ v1: false, v2: / - cgroup2 /.test(mounts), systemd: false, systemdUser: false, rdma: false });
  });

  it("potentiallyUnsafeConfigAnnotations is empty: rt acts on no annotation", () => {
    expect(f.potentiallyUnsafeConfigAnnotations).toEqual([]);
  });
});
