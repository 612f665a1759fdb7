// `rt features`' linux.seccomp: what create takes, from the same tables that
// semantic.ts checks configs against and seccomp.ts applies (libseccomp's,
// generated at build time from the libseccomp rt-exec is linked with), so the
// document cannot drift from them. Narrowed to this kernel where it matters:
// actions by /proc/sys/kernel/seccomp/actions_avail, flags by asking seccomp(2)
// itself (rt-exec --seccomp-flags, native/PLAN.md), as libseccomp does.
import { host } from "../sys/host.ts";
import { executorPath } from "../process/locate.ts";
import { LIBSECCOMP_ACTIONS, LIBSECCOMP_ARCHS, LIBSECCOMP_CMP, LIBSECCOMP_FLAGS, LIBSECCOMP_VERSION } from "../bundle/generated/seccomp.js";
import { SECCOMP_FLAGS } from "./seccomp.ts";

export const LIBSECCOMP_VERSION_ANNOTATION = "io.github.seccomp.libseccomp.version";

/** actions_avail's words (kernel/seccomp.c) for each SCMP_ACT_*. */
const KERNEL_ACTION: Record<string, string> = {
  SCMP_ACT_KILL: "kill_thread", SCMP_ACT_KILL_THREAD: "kill_thread", SCMP_ACT_KILL_PROCESS: "kill_process",
  SCMP_ACT_TRAP: "trap", SCMP_ACT_ERRNO: "errno", SCMP_ACT_TRACE: "trace", SCMP_ACT_LOG: "log",
  SCMP_ACT_ALLOW: "allow", SCMP_ACT_NOTIFY: "user_notif",
};

export interface SeccompFeatures {
  enabled: boolean;
  actions?: string[];
  operators?: string[];
  archs?: string[];
  knownFlags?: string[];
  supportedFlags?: string[];
}

export function seccompFeatures(enabled: boolean): SeccompFeatures {
  if (!enabled) return { enabled };
  let avail: Set<string> | null = null;
  try { avail = new Set(host().readFile("/proc/sys/kernel/seccomp/actions_avail").trim().split(/\s+/)); } catch { /* older kernel (< 4.14): no list, every action it has is assumed */ }
  return {
    enabled,
    actions: Object.keys(LIBSECCOMP_ACTIONS).filter((a) => !avail || avail.has(KERNEL_ACTION[a])),
    operators: Object.keys(LIBSECCOMP_CMP),
    archs: Object.keys(LIBSECCOMP_ARCHS),
    // Every flag rt knows the bit of; supported: those the libseccomp can set and this kernel takes.
    knownFlags: Object.keys(SECCOMP_FLAGS),
    supportedFlags: kernelFlags(LIBSECCOMP_FLAGS.filter((f) => f in SECCOMP_FLAGS)),
  };
}

export function libseccompAnnotations(): Record<string, string> {
  return { [LIBSECCOMP_VERSION_ANNOTATION]: LIBSECCOMP_VERSION };
}

/** The flags whose bits seccomp(2) on this kernel accepts (none if the probe cannot run: claim nothing unproven). */
function kernelFlags(names: string[]): string[] {
  let out = "";
  try {
    const r = host().captureOutput(executorPath(), ["rt-exec", "--seccomp-flags", ...names.map((n) => String(SECCOMP_FLAGS[n]))]);
    if (r.status === 0) out = r.output;
  } catch { /* no executor: nothing proven */ }
  const bits = new Set(out.split("\n").filter(Boolean).map(Number));
  return names.filter((n) => bits.has(SECCOMP_FLAGS[n]));
}
