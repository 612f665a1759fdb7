// Which namespaces the container gets: new ones become CLONE flags, ones with
// a path are joined (setns) by the executor before it clones.
import { RtError } from "../errors.ts";
import type { LinuxNamespace } from "../spec/types.ts";
import { CLONE_NEW } from "./constants.ts";

export interface NamespacePlan {
  cloneFlags: number;
  /** Namespaces to join, user first and mount last (setns order matters). */
  join: { type: string; path: string; index: number }[];
  has(type: string): boolean;
}

// The user namespace must be joined first (it owns the others); the mount
// namespace last, because joining it changes how the other paths resolve.
const JOIN_ORDER = ["user", "pid", "uts", "ipc", "network", "cgroup", "time", "mount"];

export function planNamespaces(namespaces: LinuxNamespace[] | undefined): NamespacePlan {
  let cloneFlags = 0;
  const join: NamespacePlan["join"] = [];
  const types = new Set<string>();
  (namespaces ?? []).forEach((ns, index) => {
    const flag = CLONE_NEW[ns.type];
    if (flag === undefined) throw new RtError(`linux.namespaces[${index}].type: unknown namespace type "${ns.type}"`);
    types.add(ns.type);
    if (ns.path) join.push({ type: ns.type, path: ns.path, index });
    else cloneFlags |= flag;
  });
  if (!types.has("mount")) {
    // Without a mount namespace, pivot_root and every config mount would act on the host.
    throw new RtError(`linux.namespaces: a "mount" namespace is required`);
  }
  join.sort((a, b) => JOIN_ORDER.indexOf(a.type) - JOIN_ORDER.indexOf(b.type));
  return { cloneFlags, join, has: (t) => types.has(t) };
}
