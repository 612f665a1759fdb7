// Rootless: rt run by a user other than root. What that user may do in a
// user namespace is what the kernel lets the namespace's owner do: map its
// own uid and gid (gid only with setgroups denied), or more through the
// setuid helpers newuidmap/newgidmap within the ranges /etc/subuid and
// /etc/subgid give it. Facts about the caller are read here; the decisions
// are userns.ts's.
import { RtError } from "../errors.ts";
import { host } from "../sys/host.ts";
import { exists, readTextOrNull } from "../sys/files.ts";
import type { IDMapping, Spec } from "../spec/types.ts";

export interface Caller {
  uid: number;
  gid: number;
}

/** The effective uid and gid of this process (/proc/self/status: the same on both hosts). */
export function callerIds(): Caller {
  const status = host().readFile("/proc/self/status");
  const eff = (k: string) => Number(new RegExp(`^${k}:\\s+\\d+\\s+(\\d+)`, "m").exec(status)?.[1] ?? NaN);
  return { uid: eff("Uid"), gid: eff("Gid") };
}

/** --root's default: /run/rt for root; $XDG_RUNTIME_DIR/rt for anyone else, who cannot write /run. */
export function defaultStateRoot(): string {
  if (callerIds().uid === 0) return "/run/rt";
  const xdg = host().env("XDG_RUNTIME_DIR");
  if (!xdg) throw new RtError("--root: not given, and XDG_RUNTIME_DIR is not set: a non-root user needs a state directory of its own");
  return `${xdg.replace(/\/+$/, "")}/rt`;
}

/**
 * `rt spec --rootless`: the starter config turned into one a non-root user can
 * run, as runc's spec --rootless does: a user namespace mapping only the
 * caller's uid and gid to 0, no network namespace (the host's stays, so
 * sysfs cannot be mounted: /sys is bound from the host), no cgroup mount
 * (the user's cgroup is usually not delegated).
 */
export function rootlessSpec(spec: Spec, caller: Caller): Spec {
  const linux = spec.linux!;
  linux.namespaces = [...(linux.namespaces ?? []).filter((n) => n.type !== "network" && n.type !== "user"), { type: "user" }];
  linux.uidMappings = [{ containerID: 0, hostID: caller.uid, size: 1 }];
  linux.gidMappings = [{ containerID: 0, hostID: caller.gid, size: 1 }];
  delete linux.resources;
  spec.mounts = (spec.mounts ?? [])
    .filter((m) => m.type !== "cgroup" && m.type !== "cgroup2")
    .map((m) => (m.destination === "/sys" ? { destination: "/sys", type: "none", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"] } : m))
    // devpts's gid= names a group the namespace does not map
    .map((m) => (m.type === "devpts" ? { ...m, options: m.options?.filter((o) => !o.startsWith("gid=")) } : m));
  return spec;
}

/** A setuid helper (newuidmap, newgidmap) where Debian's uidmap package puts it, or undefined. */
export function findHelper(name: "newuidmap" | "newgidmap"): string | undefined {
  return ["/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin"].map((d) => `${d}/${name}`).find(exists);
}

/** The user's ranges in /etc/subuid or /etc/subgid (entries by name or by number). */
export function subordinateRanges(file: "/etc/subuid" | "/etc/subgid", uid: number): { start: number; count: number }[] {
  const names = new Set([String(uid)]);
  for (const line of (readTextOrNull("/etc/passwd") ?? "").split("\n")) {
    const f = line.split(":");
    if (f.length > 2 && Number(f[2]) === uid && f[2] !== "") names.add(f[0]);
  }
  const out: { start: number; count: number }[] = [];
  for (const line of (readTextOrNull(file) ?? "").split("\n")) {
    const [who, start, count] = line.trim().split(":");
    if (who && names.has(who) && /^\d+$/.test(start ?? "") && /^\d+$/.test(count ?? "")) out.push({ start: Number(start), count: Number(count) });
  }
  return out;
}

/** Whether every host id of the mapping is the caller's own id or inside one of its ranges. */
export function uncoveredMapping(maps: IDMapping[], own: number, ranges: { start: number; count: number }[]): number {
  return maps.findIndex((m) => {
    if (m.hostID === own && m.size === 1) return false;
    return !ranges.some((r) => m.hostID >= r.start && m.hostID + m.size <= r.start + r.count);
  });
}

/** A map that names only the caller's own id: the namespace's owner may write it without help. */
export function ownIdOnly(maps: IDMapping[], own: number): boolean {
  return maps.length === 1 && maps[0].hostID === own && maps[0].size === 1;
}
