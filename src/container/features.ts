// rt features (runtime-spec features.md, features-linux.md): what this build
// on this host carries out. Every list is derived from the code that applies
// it, and every "yes" is filtered through the refusal table create uses
// (src/bundle/unsupported.ts), so the document cannot claim what create
// refuses: a refusal lifted there shows up here by itself.
// test/integration/features.test.ts feeds each claim back to `rt validate`.
import type { Features, Spec } from "../spec/types.ts";
import { host } from "../sys/host.ts";
import { unsupportedIssues } from "../bundle/unsupported.ts";
import { LINUX_CAPABILITIES } from "../linux/capability-names.ts";
import { CLONE_NEW } from "../linux/constants.ts";
import { MOUNT_OPTION_NAMES } from "../linux/mount-options.ts";
import { MPOL_FLAGS, MPOL_MODES } from "../linux/process-attrs.ts";
import { unifiedMount } from "../cgroups/hierarchy.ts";
import { libseccompAnnotations, seccompFeatures } from "../linux/seccomp-features.ts";

export const SPEC_VERSION_MIN = "1.0.0";

/** The hooks of config.md, in lifecycle order. */
export const HOOK_NAMES = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"] as const;

/** /proc/self/ns/<file> of each namespace type: the kernel has it when the file exists. */
const NS_FILES: Record<string, string> = { mount: "mnt", network: "net", pid: "pid", ipc: "ipc", uts: "uts", user: "user", cgroup: "cgroup", time: "time" };

/**
 * One config that asks for every feature in question, and what create's
 * refusal table (src/bundle/unsupported.ts) says about it: the paths it
 * refuses. One pass, not one per feature: `rt features` stays as fast as runc's.
 */
function refusedPaths(): (prefix: string) => boolean {
  const probe = {
    hooks: Object.fromEntries(HOOK_NAMES.map((h) => [h, [{ path: "/bin/true" }]])),
    mounts: MOUNT_OPTION_NAMES.map((o) => ({ destination: "/x", type: "tmpfs", source: "tmpfs", options: [o] })),
    process: { apparmorProfile: "x", selinuxLabel: "x" },
    linux: {
      seccomp: { defaultAction: "SCMP_ACT_ALLOW" },
      resources: { rdma: { mlx5_0: { hcaHandles: 1 } } },
      intelRdt: {},
      netDevices: { eth9: {} },
    },
  };
  const paths = unsupportedIssues(probe as unknown as Spec).map((i) => i.path);
  return (prefix) => paths.some((p) => p === prefix || p.startsWith(`${prefix}.`) || p.startsWith(`${prefix}[`));
}

function exists(p: string): boolean {
  try { host().lstat(p); return true; } catch { return false; }
}

/** mount_setattr(2) (idmapped mounts) came with Linux 5.12. */
function kernelAtLeast(major: number, minor: number): boolean {
  let release = "";
  try { release = host().readFile("/proc/sys/kernel/osrelease"); } catch { return false; }
  const [a, b] = release.split(".").map((n) => parseInt(n, 10));
  return a > major || (a === major && b >= minor);
}

export function features(specVersion: string): Features {
  const refuses = refusedPaths();
  const hooks = HOOK_NAMES.filter((h) => !refuses(`hooks.${h}`));
  const mountOptions = MOUNT_OPTION_NAMES.filter((_, i) => !refuses(`mounts[${i}]`));
  return {
    ociVersionMin: SPEC_VERSION_MIN,
    ociVersionMax: specVersion,
    hooks: [...hooks],
    mountOptions,
    // The libseccomp rt-exec is linked with (runc reports its own so).
    annotations: libseccompAnnotations(),
    // rt acts on no annotation: none can change what it does.
    potentiallyUnsafeConfigAnnotations: [],
    linux: {
      namespaces: Object.keys(CLONE_NEW).filter((t) => exists(`/proc/self/ns/${NS_FILES[t]}`)) as NonNullable<Features["linux"]>["namespaces"],
      capabilities: Object.keys(LINUX_CAPABILITIES),
      cgroup: {
        // rt manages the unified hierarchy; on a hybrid host it joins the v1
        // devices hierarchy for device rules only, which is not v1 support.
        v1: false,
        v2: unifiedMount() !== null,
        // --systemd-cgroup is refused by create/run/restore: rt never asks systemd for a unit.
        systemd: false,
        systemdUser: false,
        rdma: !refuses("linux.resources.rdma"),
      },
      seccomp: seccompFeatures(!refuses("linux.seccomp")),
      apparmor: { enabled: !refuses("process.apparmorProfile") },
      selinux: { enabled: !refuses("process.selinuxLabel") },
      intelRdt: { enabled: !refuses("linux.intelRdt"), schemata: false, monitoring: false },
      memoryPolicy: { modes: Object.keys(MPOL_MODES), flags: Object.keys(MPOL_FLAGS) },
      mountExtensions: { idmap: { enabled: mountOptions.includes("idmap") && kernelAtLeast(5, 12) } },
      netDevices: { enabled: !refuses("linux.netDevices") },
    },
  };
}
