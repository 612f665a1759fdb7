// Which namespaces the container gets: new ones become CLONE flags, ones with
// a path are joined (setns) by the executor before it clones.
import { RtError } from "../errors.ts";
import type { LinuxNamespace } from "../spec/types.ts";
import { CLONE_NEW } from "./constants.ts";

export interface NamespacePlan {
  /** CLONE_NEW* flags of CLONE: every new namespace but time (see newTime). */
  cloneFlags: number;
  /** A new time namespace: the executor unshares it before CLONE (TIMENS), so CLONE leaves CLONE_NEWTIME out. */
  newTime: boolean;
  /** Namespaces to join, user first and mount last (setns order matters). */
  join: { type: string; path: string; index: number }[];
  has(type: string): boolean;
}

// The user namespace must be joined first (it owns the others); the mount
// namespace last, because joining it changes how the other paths resolve.
const JOIN_ORDER = ["user", "pid", "uts", "ipc", "network", "cgroup", "time", "mount"];

export function planNamespaces(namespaces: LinuxNamespace[] | undefined): NamespacePlan {
  let cloneFlags = 0;
  let newTime = false;
  const join: NamespacePlan["join"] = [];
  const types = new Set<string>();
  (namespaces ?? []).forEach((ns, index) => {
    const flag = CLONE_NEW[ns.type];
    if (flag === undefined) throw new RtError(`linux.namespaces[${index}].type: unknown namespace type "${ns.type}"`);
    types.add(ns.type);
    if (ns.path) join.push({ type: ns.type, path: ns.path, index });
    else if (ns.type === "time") newTime = true;
    else cloneFlags |= flag;
  });
  // No "mount" entry: the container shares rt's mount namespace, as the spec
  // says; plan.ts then plans no mount at all (see planSharedRoot there).
  join.sort((a, b) => JOIN_ORDER.indexOf(a.type) - JOIN_ORDER.indexOf(b.type));
  return { cloneFlags, newTime, join, has: (t) => types.has(t) };
}
