// Checks of config.json that a JSON Schema cannot express: absolute paths,
// names that must be known, duplicates, and settings that only make sense
// with a namespace the config may not ask for. They run after the schema has
// passed, so field types can be trusted here. rt is a Linux runtime, so the
// Linux reading of the spec applies throughout.
//
// Errors are what runtime-spec v1.3 says a runtime MUST reject (or what the
// kernel would refuse anyway, which runc also refuses up front). Warnings are
// what the spec says to log, or marks deprecated, but lets through.
import { RLIMITS } from "../linux/constants.ts";
import { LINUX_CAPABILITIES } from "../linux/capability-names.ts";
import { parseIdList } from "../linux/process-attrs.ts";
import { deviceRuleIssues } from "../linux/device-control.ts";
import { LIBSECCOMP_ARCHS, LIBSECCOMP_FLAGS, LIBSECCOMP_VERSION } from "./generated/seccomp.js";
import * as path from "../sys/path.ts";
import { utf8Encode } from "../sys/utf8.ts";
import { limitIssues } from "./limits.ts";
import type { Hook, LinuxNamespace, LinuxSeccomp, NamespaceType, Spec } from "../spec/types.ts";

export interface ValidationIssue {
  /** Where: a JSON path in dotted/bracket form, e.g. `process.rlimits[1].type`; "" for the document itself. */
  path: string;
  message: string;
}

/** Linux resource limits (getrlimit(2)) and their RLIMIT_* numbers: one table, in linux/constants.ts. */
export const LINUX_RLIMITS: Readonly<Record<string, number>> = Object.freeze({ ...RLIMITS });
export const KNOWN_RLIMITS: readonly string[] = Object.freeze(Object.keys(LINUX_RLIMITS));

/** Linux capabilities and their numbers: one table, in linux/capability-names.ts. */
export { KNOWN_CAPABILITIES, LINUX_CAPABILITIES } from "../linux/capability-names.ts";

export const NAMESPACE_TYPES: readonly NamespaceType[] = Object.freeze([
  "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time",
] as NamespaceType[]);
export const ROOTFS_PROPAGATIONS: readonly string[] = Object.freeze(["shared", "slave", "private", "unbindable"]);
export const HOOK_KINDS = Object.freeze([
  "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
] as const);

/** SemVer 2.0.0 (what config.md requires of ociVersion). */
export const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/** Appends a key or index to a path: `a.b`, `a[3]`, `a["net.ipv4.ip_forward"]`. */
export function subPath(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) return base ? `${base}.${key}` : key;
  return `${base}[${JSON.stringify(key)}]`;
}

/** SemVer precedence: negative, zero or positive like a comparator. Build metadata is ignored. */
export function compareVersions(a: string, b: string): number {
  const pa = SEMVER.exec(a), pb = SEMVER.exec(b);
  if (!pa || !pb) return a < b ? -1 : a > b ? 1 : 0;
  for (let i = 1; i <= 3; i++) {
    const d = Number(pa[i]) - Number(pb[i]);
    if (d) return Math.sign(d);
  }
  const ra = pa[4], rb = pb[4];
  if (ra === undefined || rb === undefined) return ra === rb ? 0 : ra === undefined ? 1 : -1;
  const ia = ra.split("."), ib = rb.split(".");
  for (let i = 0; i < Math.max(ia.length, ib.length); i++) {
    if (ia[i] === undefined) return -1;
    if (ib[i] === undefined) return 1;
    const na = /^\d+$/.test(ia[i]), nb = /^\d+$/.test(ib[i]);
    if (na && nb) {
      const d = Number(ia[i]) - Number(ib[i]);
      if (d) return Math.sign(d);
    } else if (na !== nb) {
      return na ? -1 : 1;
    } else if (ia[i] !== ib[i]) {
      return ia[i] < ib[i] ? -1 : 1;
    }
  }
  return 0;
}

const isAbs = (p: string) => p.startsWith("/");
// Object.hasOwn is newer than the QuickJS engine of the rt executable.
const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const show = (v: unknown) => JSON.stringify(v);

/**
 * Which namespace isolates a sysctl, or undefined for one that is the host's
 * whatever the container's namespaces (vm.*, kernel.pid_max, fs.file-max …):
 * those are refused, as writing them would change the host. The ipc keys are
 * the ones ipc_namespace carries (ipc/ipc_sysctl.c, ipc/mq_sysctl.c); net.*
 * is per network namespace; the uts keys are the uts namespace's names.
 */
export function sysctlNamespace(key: string): NamespaceType | undefined {
  const k = key.replace(/\//g, ".");
  if (k.startsWith("net.")) return "network";
  if (k === "kernel.hostname" || k === "kernel.domainname") return "uts";
  if (/^kernel\.(msg[a-z_]*|shm[a-z_]*|sem|sem_next_id)$/.test(k) || k.startsWith("fs.mqueue.")) return "ipc";
  return undefined;
}

const NS_LABEL: Record<NamespaceType, string> = {
  pid: "a pid", network: "a network", mount: "a mount", ipc: "an ipc", uts: "a uts", user: "a user", cgroup: "a cgroup", time: "a time",
};

/** A network interface name the kernel accepts (dev_valid_name), "%d" templates included. */
function validIfName(name: string): boolean {
  return name.length > 0 && name.length <= 15 && name !== "." && name !== ".." && !/[/:\s]/.test(name);
}

/** A CPU or node list ("0-3,7") that rt cannot read. */
function idListIssue(list: string, at: string, add: (p: string, m: string) => void): void {
  try {
    parseIdList(list, at);
  } catch (e) {
    add(at, (e as Error).message.slice(at.length + 2));
  }
}

/** <sys/stat.h>: the file type bits a fileMode may carry, per device type. */
const S_IFMT = 0o170000;
const DEVICE_TYPE_BITS: Record<string, number> = { c: 0o020000, u: 0o020000, b: 0o060000, p: 0o010000 };

const MEMPOLICY_NO_NODES = new Set(["MPOL_DEFAULT", "MPOL_LOCAL"]);
const MEMPOLICY_NEEDS_NODES = new Set(["MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE", "MPOL_PREFERRED_MANY"]);
const ERRNO_ACTIONS = new Set(["SCMP_ACT_ERRNO", "SCMP_ACT_TRACE"]);

// The kernel's rules for an id map (user_namespaces(7), kernel/user_namespace.c):
// at most 340 lines, written in one write of less than a page, no empty or
// wrapping range, no two ranges overlapping on either side.
const MAX_MAP_LINES = 340;
const MAX_ID = 4294967295; // (u32)-1 is no id: first + size must stay at or below it

const isMapped = (maps: { containerID: number; size: number }[], id: number) => maps.some((m) => id >= m.containerID && id - m.containerID < m.size);

function mappingIssues(at: string, maps: { containerID: number; hostID: number; size: number }[] | undefined, add: (p: string, m: string) => void): void {
  if (!maps?.length) return;
  if (maps.length > MAX_MAP_LINES) add(at, `${maps.length} mappings: the kernel takes at most ${MAX_MAP_LINES}`);
  const text = maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join("");
  if (text.length >= 4096) add(at, `the mappings take ${text.length} bytes: the kernel takes less than 4096 in one write`);
  maps.forEach((m, i) => {
    if (m.size < 1) add(`${at}[${i}].size`, "must be at least 1");
    for (const k of ["containerID", "hostID"] as const) {
      if (m[k] + m.size > MAX_ID) add(`${at}[${i}].${k}`, `${m[k]} + size ${m.size} goes beyond the largest id ${MAX_ID - 1}`);
    }
    for (let j = 0; j < i; j++) {
      for (const k of ["containerID", "hostID"] as const) {
        const o = maps[j];
        if (m[k] < o[k] + o.size && o[k] < m[k] + m.size) add(`${at}[${i}].${k}`, `range ${m[k]}…${m[k] + m.size - 1} overlaps ${at}[${j}]`);
      }
    }
  });
}

/** The semantic errors of a config.json that has passed the schema. */
export function semanticIssues(spec: Spec): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const add = (p: string, message: string) => out.push({ path: p, message });
  const linux = spec.linux ?? {};
  const namespaces: LinuxNamespace[] = linux.namespaces ?? [];
  const nsEntry = (t: NamespaceType) => namespaces.find((n) => n.type === t);

  // ociVersion: SemVer, major version 1.
  if (typeof spec.ociVersion !== "string" || !SEMVER.test(spec.ociVersion)) {
    add("ociVersion", `must be a SemVer version such as "1.3.0" (got ${show(spec.ociVersion)})`);
  } else if (!spec.ociVersion.startsWith("1.")) {
    add("ociVersion", `unsupported version ${show(spec.ociVersion)}: rt implements runtime-spec 1.3 and accepts 1.x`);
  }

  // root: required on every platform but Windows.
  if (!spec.root) add("root", "required on Linux");
  else if (!spec.root.path) add("root.path", "required on Linux");

  // mounts
  spec.mounts?.forEach((m, i) => {
    const at = `mounts[${i}]`;
    // config.md lets Linux bundles use relative destinations (deprecated, taken
    // as relative to "/"); its "Valid values" section lets a runtime support
    // a subset of valid values. rt, like crun, supports absolute ones only.
    if (m.destination === "") add(`${at}.destination`, "must not be empty");
    else if (!isAbs(m.destination)) {
      add(`${at}.destination`, `must be an absolute path (got ${show(m.destination)}); relative destinations are deprecated and rt does not support them`);
    }
    const idmap = m.options?.find((o) => o === "idmap" || o === "ridmap");
    const ownMaps = !!(m.uidMappings?.length || m.gidMappings?.length);
    if (idmap && !ownMaps && !nsEntry("user")) {
      add(`${at}.options`, `${show(idmap)} needs uidMappings and gidMappings on the mount, or a user namespace in linux.namespaces`);
    } else if (idmap && !ownMaps && nsEntry("user")?.path !== undefined) {
      // The container's mapping is used; that of a namespace joined by path is not known to rt.
      add(`${at}.options`, `${show(idmap)} without uidMappings and gidMappings on the mount needs a new user namespace (with linux.uidMappings), not one joined by path`);
    }
    if ((idmap || ownMaps) && !(m.type === "bind" || m.options?.includes("bind") || m.options?.includes("rbind"))) {
      add(`${at}.options`, `an idmapped mount must be a bind mount ("bind" or "rbind"): rt idmaps a clone of the source tree (open_tree + mount_setattr)`);
    }
    for (const f of ["uidMappings", "gidMappings"] as const) mappingIssues(`${at}.${f}`, m[f], add);
  });

  // process
  const proc = spec.process;
  if (proc) {
    if (!isAbs(proc.cwd)) add("process.cwd", `must be an absolute path (got ${show(proc.cwd)})`);
    if (!proc.args?.length) add("process.args", "must have at least one entry (the program to run)");
    else if (proc.args[0] === "") add("process.args[0]", "must not be empty");
    proc.args?.forEach((a, i) => {
      if (a.includes("\0")) add(`process.args[${i}]`, "must not contain a NUL byte");
    });
    proc.env?.forEach((e, i) => {
      if (e.indexOf("=") <= 0) add(`process.env[${i}]`, `must be NAME=value (got ${show(e)})`);
      else if (e.includes("\0")) add(`process.env[${i}]`, "must not contain a NUL byte");
    });
    if (!proc.user) add("process.user", "required on Linux (uid and gid)");
    else {
      if (proc.user.uid === undefined) add("process.user.uid", "required on Linux");
      if (proc.user.gid === undefined) add("process.user.gid", "required on Linux");
    }

    const seen = new Map<string, number>();
    proc.rlimits?.forEach((r, i) => {
      const at = `process.rlimits[${i}]`;
      if (!hasOwn(LINUX_RLIMITS, r.type)) add(`${at}.type`, `unknown rlimit ${show(r.type)}`);
      const first = seen.get(r.type);
      if (first !== undefined) add(`${at}.type`, `duplicate rlimit ${show(r.type)} (first at process.rlimits[${first}])`);
      else seen.set(r.type, i);
      if (r.soft > r.hard) add(`${at}.soft`, `soft limit ${r.soft} exceeds hard limit ${r.hard}`);
    });

    // process.capabilities: a name rt does not know at all is refused, as a
    // typo must not quietly leave a capability out (runc only warns). A known
    // name this kernel lacks is the plan's business: left out with a warning.
    const caps = proc.capabilities;
    if (caps) {
      for (const set of ["bounding", "effective", "inheritable", "permitted", "ambient"] as const) {
        caps[set]?.forEach((c, i) => {
          if (!hasOwn(LINUX_CAPABILITIES, c)) add(`process.capabilities.${set}[${i}]`, `unknown capability ${show(c)}`);
        });
      }
    }

    const sched = proc.scheduler;
    if (sched) {
      const realtime = sched.policy === "SCHED_FIFO" || sched.policy === "SCHED_RR";
      if (sched.nice !== undefined && (sched.nice < -20 || sched.nice > 19)) {
        add("process.scheduler.nice", `must be between -20 and 19 (got ${sched.nice})`);
      }
      if (realtime && !(sched.priority! >= 1 && sched.priority! <= 99)) {
        add("process.scheduler.priority", `${sched.policy} needs a priority between 1 and 99 (got ${sched.priority ?? "none"})`);
      } else if (!realtime && sched.priority) {
        add("process.scheduler.priority", `only SCHED_FIFO and SCHED_RR take a priority, not ${sched.policy}`);
      }
      // Reserved in <linux/sched.h> and never implemented: the kernel would refuse it.
      if (sched.policy === "SCHED_ISO") add("process.scheduler.policy", "SCHED_ISO is not implemented by Linux");
      sched.flags?.forEach((f, i) => {
        if (f === "SCHED_FLAG_UTIL_CLAMP_MIN" || f === "SCHED_FLAG_UTIL_CLAMP_MAX") {
          add(`process.scheduler.flags[${i}]`, `${f} needs a clamp value, which runtime-spec has no field for`);
        }
      });
      if (sched.policy !== "SCHED_DEADLINE") {
        for (const f of ["runtime", "deadline", "period"] as const) {
          if (sched[f]) add(`process.scheduler.${f}`, `only SCHED_DEADLINE uses runtime, deadline and period, not ${sched.policy}`);
        }
      }
    }
  }

  // process attributes that have a format of their own
  for (const f of ["initial", "final"] as const) {
    const list = proc?.execCPUAffinity?.[f];
    if (list !== undefined) idListIssue(list, `process.execCPUAffinity.${f}`, add);
  }
  if (linux.personality?.flags?.length) add("linux.personality.flags", "runtime-spec defines no personality flags: rt applies none");

  // hostname and domainname change the uts namespace the container is in.
  for (const f of ["hostname", "domainname"] as const) {
    if (spec[f] && !nsEntry("uts")) add(f, `setting the ${f} needs a uts namespace in linux.namespaces`);
  }

  // hooks
  if (spec.hooks) {
    for (const kind of HOOK_KINDS) {
      (spec.hooks[kind] as Hook[] | undefined)?.forEach((h, i) => {
        if (!isAbs(h.path)) add(`hooks.${kind}[${i}].path`, `must be an absolute path (got ${show(h.path)})`);
      });
    }
  }

  // linux.namespaces
  const firstNs = new Map<string, number>();
  namespaces.forEach((n, i) => {
    const at = `linux.namespaces[${i}]`;
    if (!NAMESPACE_TYPES.includes(n.type)) add(`${at}.type`, `unknown namespace type ${show(n.type)}`);
    const first = firstNs.get(n.type);
    if (first !== undefined) add(`${at}.type`, `duplicate namespace ${show(n.type)} (first at linux.namespaces[${first}])`);
    else firstNs.set(n.type, i);
    if (n.path !== undefined && !isAbs(n.path)) add(`${at}.path`, `must be an absolute path (got ${show(n.path)})`);
  });

  // user namespace mappings
  const userNs = nsEntry("user");
  for (const f of ["uidMappings", "gidMappings"] as const) {
    if (linux[f]?.length && !userNs) add(`linux.${f}`, "needs a user namespace in linux.namespaces");
    else if (linux[f]?.length && userNs?.path !== undefined) add(`linux.${f}`, "cannot be set when joining an existing user namespace (it has a path): its maps are written once, by its creator");
    mappingIssues(`linux.${f}`, linux[f], add);
  }
  if (userNs && userNs.path === undefined) {
    // rt becomes uid and gid 0 of the new namespace before any mount (linux/userns.ts).
    for (const [f, what] of [["uidMappings", "uid"], ["gidMappings", "gid"]] as const) {
      const maps = linux[f];
      if (!maps?.length) add(`linux.${f}`, `a new user namespace needs ${what} mappings: rt sets the container up as ${what} 0 of the namespace`);
      else if (!isMapped(maps, 0)) add(`linux.${f}`, `must map containerID 0: rt sets the container up as ${what} 0 of the new user namespace`);
    }
    const user = spec.process?.user;
    if (user && linux.uidMappings?.length && linux.gidMappings?.length) {
      if (!isMapped(linux.uidMappings, user.uid)) add("process.user.uid", `${user.uid} is not mapped in linux.uidMappings`);
      if (!isMapped(linux.gidMappings, user.gid)) add("process.user.gid", `${user.gid} is not mapped in linux.gidMappings`);
      user.additionalGids?.forEach((g, i) => {
        if (!isMapped(linux.gidMappings!, g)) add(`process.user.additionalGids[${i}]`, `${g} is not mapped in linux.gidMappings`);
      });
      linux.devices?.forEach((d, i) => {
        if (d.uid !== undefined && !isMapped(linux.uidMappings!, d.uid)) add(`linux.devices[${i}].uid`, `${d.uid} is not mapped in linux.uidMappings`);
        if (d.gid !== undefined && !isMapped(linux.gidMappings!, d.gid)) add(`linux.devices[${i}].gid`, `${d.gid} is not mapped in linux.gidMappings`);
      });
    }
  } else if (userNs) {
    // Devices are bound from the host there, and the owner the config asks for
    // cannot be checked against the host's node without the namespace's maps.
    linux.devices?.forEach((d, i) => {
      for (const k of ["uid", "gid"] as const) {
        if (d[k] !== undefined && d.type !== "p") add(`linux.devices[${i}].${k}`, `cannot be checked against the host's node in a user namespace joined by path`);
      }
    });
  }

  // time namespace offsets: written when a new time namespace is made.
  if (linux.timeOffsets) {
    for (const clock of Object.keys(linux.timeOffsets)) {
      if (clock !== "monotonic" && clock !== "boottime") {
        add(subPath("linux.timeOffsets", clock), `unknown clock ${show(clock)}: must be "monotonic" or "boottime"`);
      }
    }
    const time = nsEntry("time");
    if (Object.keys(linux.timeOffsets).length) {
      if (!time) add("linux.timeOffsets", "needs a time namespace in linux.namespaces");
      else if (time.path !== undefined) add("linux.timeOffsets", "cannot be set when joining an existing time namespace (it has a path)");
    }
  }

  // linux.devices
  const devicePaths = new Map<string, number>();
  linux.devices?.forEach((d, i) => {
    const at = `linux.devices[${i}]`;
    if (!isAbs(d.path)) add(`${at}.path`, `must be an absolute path (got ${show(d.path)})`);
    // podman sends S_IFCHR|0666 and the like: the type bits may be there, if they agree with type.
    const typeBits = (d.fileMode ?? 0) & S_IFMT;
    if (typeBits && typeBits !== DEVICE_TYPE_BITS[d.type]) {
      add(`${at}.fileMode`, `file type bits 0o${typeBits.toString(8)} do not match device type ${show(d.type)}`);
    }
    if (d.type !== "p") {
      if (d.major === undefined) add(`${at}.major`, `required for device type ${show(d.type)}`);
      if (d.minor === undefined) add(`${at}.minor`, `required for device type ${show(d.type)}`);
    }
    const norm = path.normalize(d.path);
    const first = devicePaths.get(norm);
    if (first !== undefined) add(`${at}.path`, `duplicate device ${show(d.path)} (first at linux.devices[${first}])`);
    else devicePaths.set(norm, i);
  });

  // linux.resources.devices: rules the device cgroup can enforce, in the order given.
  for (const issue of deviceRuleIssues(spec)) add(issue.path, issue.message);

  // linux.netDevices: moved into the container's network namespace.
  if (linux.netDevices) {
    const names = Object.keys(linux.netDevices);
    if (names.length && !nsEntry("network")) add("linux.netDevices", "moving network devices needs a network namespace in linux.namespaces");
    // The executor moves devices with rt's own privileges: joined into another
    // user namespace it has none over rt's network namespace.
    const user = nsEntry("user");
    if (names.length && user?.path !== undefined) add("linux.netDevices", "cannot be moved when joining an existing user namespace (linux.namespaces user has a path): the runtime then has no privilege over its own network namespace");
    const targets = new Map<string, string>();
    for (const host of names) {
      const at = subPath("linux.netDevices", host);
      if (!validIfName(host)) add(at, `invalid network interface name ${show(host)}`);
      else if (host.includes("%")) add(at, `no network device is named ${show(host)}: "%" only appears in name templates`);
      else if (host === "lo") add(at, "the loopback device cannot leave its network namespace");
      const inner = linux.netDevices[host]?.name;
      if (inner !== undefined && !validIfName(inner)) add(`${at}.name`, `invalid network interface name ${show(inner)}`);
      else if (inner !== undefined && inner.includes("%") && !/^[^%]*%d[^%]*$/.test(inner)) {
        add(`${at}.name`, `a name template has exactly one "%d" and no other "%" (got ${show(inner)})`);
      }
      const target = inner ?? host;
      // Every network namespace has its own "lo"; other names must not meet
      // twice (a %d template is filled in by the kernel, so it may repeat).
      const where = inner !== undefined ? `${at}.name` : at;
      if (!validIfName(target) || (target.includes("%") && !/^[^%]*%d[^%]*$/.test(target))) continue;
      if (target === "lo") add(where, `the container's network namespace already has a device named "lo"`);
      else if (!target.includes("%")) {
        const first = targets.get(target);
        if (first !== undefined) add(where, `duplicate device name ${show(target)} in the container (also ${first})`);
        else targets.set(target, at);
      }
    }
  }

  // linux.cgroupsPath
  if (linux.cgroupsPath !== undefined && linux.cgroupsPath.split(/[/:]/).includes("..")) {
    add("linux.cgroupsPath", `".." is not allowed (got ${show(linux.cgroupsPath)})`);
  }

  if (linux.rootfsPropagation !== undefined && !ROOTFS_PROPAGATIONS.includes(linux.rootfsPropagation)) {
    add("linux.rootfsPropagation", `must be one of ${ROOTFS_PROPAGATIONS.map(show).join(", ")} (got ${show(linux.rootfsPropagation)})`);
  }

  // linux.seccomp
  const sc = linux.seccomp;
  if (sc) seccompIssues(sc, add);

  // linux.sysctl: namespaced settings need their namespace, or they would change the host's.
  for (const key of Object.keys(linux.sysctl ?? {})) {
    const ns = sysctlNamespace(key);
    if (!ns) add(subPath("linux.sysctl", key), "is not isolated by any namespace: setting it would change the host (rt accepts net.*, the ipc keys kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*, and kernel.hostname, kernel.domainname)");
    else if (!nsEntry(ns)) add(subPath("linux.sysctl", key), `needs ${NS_LABEL[ns]} namespace in linux.namespaces`);
  }

  for (const f of ["maskedPaths", "readonlyPaths"] as const) {
    linux[f]?.forEach((p, i) => {
      if (!isAbs(p)) add(`linux.${f}[${i}]`, `must be an absolute path (got ${show(p)})`);
    });
  }

  // No mount namespace: the container shares rt's, and rt mounts nothing in
  // it (see planSharedRoot in src/linux/plan.ts). What needs a mount is refused.
  if (!nsEntry("mount")) {
    const why = "needs a mount namespace in linux.namespaces (without one it would change the host's mounts)";
    if (spec.mounts?.length) add("mounts", why);
    if (linux.maskedPaths?.length) add("linux.maskedPaths", why);
    if (linux.readonlyPaths?.length) add("linux.readonlyPaths", why);
    if (spec.root?.readonly) add("root.readonly", why);
    if (linux.rootfsPropagation !== undefined) add("linux.rootfsPropagation", why);
    if (linux.devices?.length) add("linux.devices", "needs a mount namespace in linux.namespaces (without one the nodes would be made in a tree the host shares)");
  }

  // What the kernel or the executor could not take (NUL bytes, lengths, counts): ./limits.ts.
  limitIssues(spec, add, subPath);

  // linux.memoryPolicy: set_mempolicy(2)'s rules on nodes per mode.
  const mp = linux.memoryPolicy;
  if (mp) {
    if (mp.nodes !== undefined) idListIssue(mp.nodes, "linux.memoryPolicy.nodes", add);
    const hasNodes = (mp.nodes ?? "").trim() !== "";
    if (MEMPOLICY_NO_NODES.has(mp.mode) && hasNodes) add("linux.memoryPolicy.nodes", `${mp.mode} takes no nodes`);
    if (MEMPOLICY_NEEDS_NODES.has(mp.mode) && !hasNodes) add("linux.memoryPolicy.nodes", `${mp.mode} needs at least one node`);
  }

  return out;
}

/** Where rt-exec's libseccomp is named in messages. */
const LIBSECCOMP = `libseccomp ${LIBSECCOMP_VERSION} (which rt-exec is built with)`;
/** The syscall by which the init hands the listener its fd: notifying it would wait for an agent that has no fd yet. */
const SENDS_LISTENER_FD = new Set(["sendmsg"]);

/** linux.seccomp: what the kernel or the libseccomp in rt-exec cannot do as asked. */
function seccompIssues(sc: LinuxSeccomp, add: (p: string, m: string) => void): void {
  const at = "linux.seccomp";
  const errnoRet = (p: string, action: string, v: number | undefined) => {
    if (v === undefined) return;
    if (!ERRNO_ACTIONS.has(action)) add(p, `only SCMP_ACT_ERRNO and SCMP_ACT_TRACE return an errno, not ${action}`);
    // The kernel caps an ERRNO action's errno at MAX_ERRNO; TRACE's value has 16 bits.
    else if (action === "SCMP_ACT_ERRNO" && v > 4095) add(p, `${v} is not an errno the kernel can return (at most 4095)`);
    else if (v > 0xffff) add(p, `${v} does not fit the 16 bits of SECCOMP_RET_DATA`);
  };
  errnoRet(`${at}.defaultErrnoRet`, sc.defaultAction, sc.defaultErrnoRet);
  if (sc.defaultAction === "SCMP_ACT_NOTIFY") {
    add(`${at}.defaultAction`, "SCMP_ACT_NOTIFY cannot be the default action: the init's own syscalls, the one that hands the listener its fd among them, would wait for an agent that has no fd yet");
  }
  sc.architectures?.forEach((a, i) => {
    if (!hasOwn(LIBSECCOMP_ARCHS, a)) add(`${at}.architectures[${i}]`, `${LIBSECCOMP} does not know ${a}`);
  });
  sc.flags?.forEach((f, i) => {
    if (!LIBSECCOMP_FLAGS.includes(f)) add(`${at}.flags[${i}]`, `${LIBSECCOMP} cannot set ${f}`);
  });
  let notifyAt: string | undefined;
  sc.syscalls?.forEach((s, i) => {
    const rule = `${at}.syscalls[${i}]`;
    errnoRet(`${rule}.errnoRet`, s.action, s.errnoRet);
    if (s.action === "SCMP_ACT_NOTIFY") {
      notifyAt ??= rule;
      s.names.forEach((n, j) => {
        if (SENDS_LISTENER_FD.has(n)) add(`${rule}.names[${j}]`, `SCMP_ACT_NOTIFY cannot apply to ${n}: the init sends the listener its fd with it, after the filter is loaded`);
      });
    }
    s.args?.forEach((a, k) => {
      const arg = `${rule}.args[${k}]`;
      if (a.index > 5) add(`${arg}.index`, `${a.index} is past a syscall's 6 arguments (index 0 to 5)`);
      for (const f of ["value", "valueTwo"] as const) {
        const v = a[f];
        // JSON numbers are read as doubles: larger ones are no longer the number written.
        if (v !== undefined && !Number.isSafeInteger(v)) add(`${arg}.${f}`, `${v} is above 2^53-1, which rt cannot read exactly`);
      }
    });
  });
  if (notifyAt && sc.listenerPath === undefined) add(`${at}.listenerPath`, `required when SCMP_ACT_NOTIFY is used (${notifyAt}): the agent receives the notify fd there`);
  if (notifyAt && sc.listenerPath !== undefined) {
    if (sc.listenerPath === "") add(`${at}.listenerPath`, "must not be empty");
    // sockaddr_un's sun_path: 108 bytes, the terminating NUL included.
    else if (utf8Encode(sc.listenerPath).length > 107) add(`${at}.listenerPath`, "is longer than the 107 bytes a unix socket address holds");
  }
}

/** What the spec says to log but not refuse, for a config.json that has passed the schema and semanticIssues. */
export function semanticWarnings(spec: Spec): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const add = (p: string, message: string) => out.push({ path: p, message });

  const numbers = new Map<string, number>();
  spec.linux?.devices?.forEach((d, i) => {
    if (d.type === "p" || d.major === undefined || d.minor === undefined) return;
    const k = `${d.type} ${d.major}:${d.minor}`;
    const first = numbers.get(k);
    if (first !== undefined) add(`linux.devices[${i}]`, `same type and numbers (${k}) as linux.devices[${first}]`);
    else numbers.set(k, i);
  });

  return out;
}
