// The cgroup v1 hierarchies other than devices (v1-devices.ts keeps that
// one): on a hybrid or v1 host the container's init joins every mounted v1
// hierarchy at the same path relative to its root as its unified cgroup, as
// runc does, so that each v1 controller (memory, pids, cpu, freezer, …)
// accounts and limits it. rt makes the dirs (recorded before mkdir, see
// create.ts), the executor migrates the init into all of them in one burst
// after the clone (CGROUP_JOIN migrate), delete removes what rt made.
import { host } from "../sys/host.ts";
import { readTextOrNull } from "../sys/files.ts";
import * as path from "../sys/path.ts";
import { RtError, describeSysError } from "../errors.ts";
import { createCgroup } from "./manager.ts";

/** One mounted v1 hierarchy: its name (controllers joined by ",", or name=…), its root mount, its controllers. */
export interface V1Hierarchy {
  name: string;
  mount: string;
  controllers: string[];
}

/** The container's cgroup in one v1 hierarchy, as the state record keeps it. */
export interface V1Cgroup {
  hierarchy: string;
  dir: string;
  /** The dirs rt made (outermost first), removed on delete. */
  created: string[];
}

const KNOWN = new Set(["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "hugetlb", "net_cls", "net_prio", "perf_event", "rdma", "misc"]);

let cached: V1Hierarchy[] | undefined;

/** Every v1 hierarchy mounted at its root, except one holding devices (v1-devices.ts), in mount order. */
export function v1Hierarchies(): V1Hierarchy[] {
  if (cached) return cached;
  const out: V1Hierarchy[] = [];
  let text = "";
  try { text = host().readFile("/proc/self/mountinfo"); } catch { return (cached = out); }
  for (const line of text.split("\n")) {
    const sep = line.indexOf(" - ");
    if (sep < 0) continue;
    const [fstype, , superOpts = ""] = line.slice(sep + 3).split(" ");
    const fields = line.split(" ");
    // Only a mount of the hierarchy's root: a bind of a sub-cgroup would shift every path.
    if (fstype !== "cgroup" || fields[3] !== "/") continue;
    const opts = superOpts.split(",");
    const controllers = opts.filter((o) => KNOWN.has(o));
    const named = opts.find((o) => o.startsWith("name="));
    if (controllers.includes("devices")) continue;
    if (!controllers.length && !named) continue;
    const name = controllers.length ? controllers.join(",") : named!;
    if (out.some((h) => h.name === name)) continue; // the same hierarchy mounted twice
    out.push({ name, mount: fields[4], controllers });
  }
  return (cached = out);
}

/** The container's dir in a v1 hierarchy: the unified cgroup's path relative to its mount. */
export function v1Dir(unifiedDir: string, unifiedMount: string, h: V1Hierarchy): string {
  return path.join(h.mount, path.relative(unifiedMount, unifiedDir));
}

/**
 * mkdir -p in one hierarchy; in cpuset, each new dir gets its parent's
 * cpuset.cpus and cpuset.mems (a new v1 cpuset is empty, and an empty one
 * takes no process).
 */
export function createV1Cgroup(h: V1Hierarchy, dir: string): string[] {
  const made = createCgroup(dir, h.mount);
  if (h.controllers.includes("cpuset")) {
    for (const d of made) {
      for (const f of ["cpuset.cpus", "cpuset.mems"]) {
        const mine = path.join(d, f);
        if ((readTextOrNull(mine) ?? "").trim() !== "") continue;
        const parent = (readTextOrNull(path.join(path.dirname(d), f)) ?? "").trim();
        try {
          host().writeFile(mine, parent, 0o644, "w");
        } catch (e) {
          throw new RtError(`linux.cgroupsPath: copy ${f} "${parent}" to ${mine}: ${describeSysError(e)}`);
        }
      }
    }
  }
  return made;
}

/** The hierarchy holding a controller, or undefined. */
export function hierarchyOf(controller: string): V1Hierarchy | undefined {
  return v1Hierarchies().find((h) => h.controllers.includes(controller));
}
