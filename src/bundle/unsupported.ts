// Fail closed: what the schema allows but this build of rt does not carry out
// is refused by name, with the reason, instead of being accepted and dropped.
// One table, path → reason; create and validate both go through it (after the
// schema and the semantic rules, from validate.ts's checkConfig). The paths are
// the README ledger's (`a.b`, `a[]` each array entry, `a.*` each map key), and
// the ledger test checks that every row the README calls refused is here.
//
// A refused field may still be present with a value that asks for nothing:
// engines write zero values for "unset" (runc and Docker send `cpu.shares: 0`,
// `blockIO.weight: 0`, `memory: {}`). Such values are accepted:
//  - absent, null, an empty list, an empty map or object, an empty string
//    (but a map whose keys are the request, netDevices and unified, asks for
//    something as soon as it has a key, and process.capabilities and
//    linux.intelRdt ask for something whenever present);
//  - an object or list all of whose members ask for nothing;
//  - the leaf values in UNSET below: for cgroup resources, 0 where the kernel
//    file's default is "no limit / default weight", -1 where the field means
//    "unlimited", false for the memory toggles. pids.limit 0 asks for nothing
//    either: podman 4.3 writes it for --pids-limit=-1, and runc takes 0 as "not set".
// Any other value is refused. Unknown members (the spec's Extensibility) are
// not in the table and stay ignored.
import { host } from "../sys/host.ts";
import { parseMountOptions } from "../linux/mount-options.ts";
import type { Spec } from "../spec/types.ts";
import { subPath, type ValidationIssue } from "./semantic.ts";

/** What the host offers that decides a reason (read once per check). */
export interface HostFacts {
  apparmor: boolean;
  selinux: boolean;
  resctrl: boolean;
}

interface Refusal {
  /** A ledger path: the subtree at this path is refused when it asks for something. */
  path: string;
  reason: string | ((h: HostFacts) => string);
  /** Refuse only values this picks out, given the object that holds them (default: any value that asks for something). */
  when?: (value: unknown, holder: Record<string, unknown>) => boolean;
}

const NOT_YET = "not implemented yet";
const OTHER_PLATFORM = "is for another platform: rt runs Linux containers only";
const lsm = (name: string, has: boolean, what: string) =>
  has ? `rt does not apply ${name} ${what} yet` : `this host has no ${name}`;
// Fields whose mere presence is a request: empty capability sets mean "no
// capabilities", an empty intelRdt means "a resctrl group named after the container".
const PRESENT = (v: unknown) => v !== undefined && v !== null;
// A bind mount's options are flags: mount(2) ignores the data string of an
// MS_BIND mount, so a filesystem option there (size=, mode=, crun's
// src-nofollow, …) would be dropped.
const BIND_WITH_DATA = (v: unknown, m: Record<string, unknown>) => {
  try {
    const o = parseMountOptions(v as string[], m.type as string | undefined, "");
    return o.bind && o.data !== "";
  } catch {
    return false; // idmap and ridmap: refused by their own line
  }
};
const ID_MAPPED = (v: unknown) => Array.isArray(v) && v.some((o) => o === "idmap" || o === "ridmap");

export const REFUSALS: readonly Refusal[] = [
  // Other branches implement these; each line goes when its branch is merged.

  // Not on any branch yet.
  // memory, cpu and pids are applied (src/cgroups/resources.ts), but for these:
  { path: "linux.resources.memory.kernel", reason: "kernel memory limits are deprecated, and gone from cgroup v2 and from Linux 6.x's v1" },
  { path: "linux.resources.memory.kernelTCP", reason: `kernel TCP memory limits: ${NOT_YET}` },
  { path: "linux.resources.memory.useHierarchy", reason: `memory.use_hierarchy: ${NOT_YET}` },
  { path: "linux.resources.blockIO", reason: `cgroup resource limits: ${NOT_YET}` },
  { path: "linux.resources.hugepageLimits", reason: `cgroup resource limits: ${NOT_YET}` },
  { path: "linux.resources.network", reason: "net_cls and net_prio are cgroup v1 controllers; rt manages cgroup v2 only" },
  { path: "linux.resources.rdma", reason: `cgroup resource limits: ${NOT_YET}` },
  { path: "linux.intelRdt", when: PRESENT, reason: (h) => (h.resctrl ? `Intel RDT: ${NOT_YET}` : "this host has no resctrl filesystem (/sys/fs/resctrl)") },
  { path: "process.apparmorProfile", reason: (h) => lsm("AppArmor", h.apparmor, "profiles") },
  { path: "process.selinuxLabel", reason: (h) => lsm("SELinux", h.selinux, "labels") },
  { path: "linux.mountLabel", reason: (h) => lsm("SELinux", h.selinux, "labels") },
  { path: "mounts[].options", reason: "tmpcopyup is for a tmpfs mount only (it copies the directory's contents into the new tmpfs)", when: (v, m) => Array.isArray(v) && v.includes("tmpcopyup") && m.type !== "tmpfs" },
  { path: "mounts[].options", reason: "a bind mount takes no filesystem options (mount(2) ignores them): only flags, propagation and bind or rbind", when: BIND_WITH_DATA },
  { path: "process.commandLine", reason: "is for Windows only" },
  { path: "process.user.username", reason: "is for Windows only (Linux uses uid and gid)" },
  { path: "windows", reason: OTHER_PLATFORM },
  { path: "solaris", reason: OTHER_PLATFORM },
  { path: "vm", reason: "rt runs containers, not virtual machines" },
  { path: "zos", reason: OTHER_PLATFORM },
  { path: "freebsd", reason: OTHER_PLATFORM },
];

/** Leaf values that ask for nothing (see the header), by ledger path. */
export const UNSET: Readonly<Record<string, readonly unknown[]>> = {
  "linux.resources.memory.limit": [0, -1],
  "linux.resources.memory.reservation": [0, -1],
  "linux.resources.memory.swap": [0, -1],
  "linux.resources.memory.kernel": [0, -1],
  "linux.resources.memory.kernelTCP": [0, -1],
  "linux.resources.memory.disableOOMKiller": [false],
  "linux.resources.memory.useHierarchy": [false],
  // Only `update` reads it (container/update.ts): no value asks for anything at create.
  "linux.resources.memory.checkBeforeUpdate": [true, false],
  "linux.resources.cpu.shares": [0],
  "linux.resources.cpu.quota": [0, -1],
  "linux.resources.cpu.burst": [0],
  "linux.resources.cpu.period": [0],
  "linux.resources.cpu.realtimeRuntime": [0],
  "linux.resources.cpu.realtimePeriod": [0],
  "linux.resources.cpu.idle": [0],
  "linux.resources.pids.limit": [0, -1],
  "linux.resources.blockIO.weight": [0],
  "linux.resources.blockIO.leafWeight": [0],
  "linux.resources.network.classID": [0],
};

let facts: HostFacts | undefined;
/** AppArmor enabled (the module's parameter, or its securityfs directory), SELinux by its mounted filesystem, resctrl mounted. */
export function hostFacts(): HostFacts {
  if (facts) return facts;
  const read = (p: string) => { try { return host().readFile(p); } catch { return ""; } };
  const exists = (p: string) => { try { host().stat(p); return true; } catch { return false; } };
  facts = {
    apparmor: read("/sys/module/apparmor/parameters/enabled").trim() === "Y" || exists("/sys/kernel/security/apparmor"),
    selinux: exists("/sys/fs/selinux/enforce"),
    resctrl: exists("/sys/fs/resctrl/schemata"),
  };
  return facts;
}

/** Does this value, found at ledger path p, ask for anything? */
function asks(value: unknown, p: string): boolean {
  if (value === undefined || value === null || value === "") return false;
  const unset = UNSET[p];
  if (unset && unset.includes(value)) return false;
  if (Array.isArray(value)) return value.some((v) => asks(v, `${p}[]`));
  if (typeof value === "object") {
    const o = value as Record<string, unknown>;
    // A map's keys are `*` in ledger paths; an object's are its members. Either way each value is judged.
    return Object.keys(o).some((k) => asks(o[k], `${p}.${k}`) && asks(o[k], `${p}.*`));
  }
  return true;
}

/** The values at a ledger path, each with its concrete path (`mounts[2].options`, `linux.netDevices.eth0`). */
function find(doc: unknown, pattern: string): { path: string; value: unknown; holder: Record<string, unknown> }[] {
  let cur: { path: string; value: unknown; holder: Record<string, unknown> }[] = [{ path: "", value: doc, holder: {} }];
  for (const seg of pattern.match(/[^.[\]]+|\[\]/g) ?? []) {
    const next: typeof cur = [];
    for (const { path, value } of cur) {
      if (value === null || typeof value !== "object") continue;
      if (seg === "[]") {
        if (Array.isArray(value)) value.forEach((v, i) => next.push({ path: subPath(path, i), value: v, holder: {} }));
      } else if (seg === "*") {
        for (const [k, v] of Object.entries(value)) next.push({ path: subPath(path, k), value: v, holder: value as Record<string, unknown> });
      } else if (!Array.isArray(value) && Object.prototype.hasOwnProperty.call(value, seg)) {
        const holder = value as Record<string, unknown>;
        next.push({ path: subPath(path, seg), value: holder[seg], holder });
      }
    }
    cur = next;
  }
  return cur;
}

/** Every field of a valid config that this build of rt would not carry out, each named with the reason. */
export function unsupportedIssues(spec: Spec, h?: HostFacts): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const r of REFUSALS) {
    for (const { path, value, holder } of find(spec, r.path)) {
      if (r.when ? !r.when(value, holder) : !asks(value, r.path)) continue;
      // The host is read only when a reason depends on it: create's cold path stays as it was.
      out.push({ path, message: typeof r.reason === "string" ? r.reason : r.reason(h ?? hostFacts()) });
    }
  }
  return out;
}
