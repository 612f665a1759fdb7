// linux.resources (memory, cpu, pids) → the files of the controller that
// holds each field on this host: the v1 hierarchy that has the controller
// (hybrid and v1 hosts), else the unified hierarchy if it offers it (pure v2,
// with the documented conversions). A field whose controller the host has
// in neither is refused naming both, before anything is made (fail closed).
// Written by rt into the container's cgroups before the init joins them.
import { host } from "../sys/host.ts";
import { exists, readTextOrNull } from "../sys/files.ts";
import * as path from "../sys/path.ts";
import { RtError, describeSysError } from "../errors.ts";
import type { V1Hierarchy } from "./v1.ts";

type Resources = NonNullable<NonNullable<import("../spec/types.ts").Spec["linux"]>["resources"]>;

/** One file write: in the v1 hierarchy `hierarchy`, or in the unified cgroup (hierarchy ""). */
export interface LimitWrite {
  field: string;
  controller: string;
  hierarchy: string;
  file: string;
  value: string;
  /** unified keys: the file must exist (never created by the write). */
  mustExist?: boolean;
}

/** Where a controller is on this host: a v1 hierarchy's name, "" for unified, null for nowhere. */
function locate(controller: string, hierarchies: V1Hierarchy[], unifiedControllers: string[]): string | null {
  const h = hierarchies.find((x) => x.controllers.includes(controller));
  if (h) return h.name;
  return unifiedControllers.includes(controller) ? "" : null;
}

/** runc's documented conversion of cpu.shares [2, 262144] to cpu.weight [1, 10000]. */
export function sharesToWeight(shares: number): number {
  return Math.floor(1 + ((shares - 2) * 9999) / 262142);
}

const set = (v: unknown): v is number => typeof v === "number" && v !== 0;

/**
 * The writes for a config's resources, in the order the kernel needs them
 * (a v1 memory+swap limit after the memory limit, a period before a quota).
 * Throws for a field this host cannot enforce.
 */
export function planResources(res: Resources | undefined, hierarchies: V1Hierarchy[], unifiedMount: string | null, update = false, skipped: V1Hierarchy[] = []): LimitWrite[] {
  if (!res) return [];
  // At create -1 asks for nothing (a new cgroup is unlimited); in update it lifts a limit.
  if (update) return planLifts(res, hierarchies, unifiedMount).concat(planResources(res, hierarchies, unifiedMount));
  const unified = unifiedMount ? (readTextOrNull(path.join(unifiedMount, "cgroup.controllers")) ?? "").trim().split(/\s+/).filter(Boolean) : [];
  const out: LimitWrite[] = [];
  const where = (field: string, controller: string): string => {
    const h = locate(controller, hierarchies, unified);
    if (h === null) {
      // Rootless: the host has the controller, in a v1 hierarchy the caller cannot write to.
      if (skipped.some((s) => s.controllers.includes(controller))) throw new RtError(`linux.resources.${field}: the ${controller} controller is in a v1 hierarchy here, which a rootless container does not join (only root can write there), and the unified hierarchy does not offer it`);
      throw new RtError(`linux.resources.${field}: this host has no ${controller} controller (no v1 hierarchy has it, and the unified hierarchy does not offer it)`);
    }
    return h;
  };
  const v2Only = (field: string, controller: string, why: string) => {
    throw new RtError(`linux.resources.${field}: the ${controller} controller is in the unified hierarchy here (cgroup v2), which has ${why}`);
  };
  const w = (field: string, controller: string, hierarchy: string, file: string, value: string | number) =>
    out.push({ field: `linux.resources.${field}`, controller, hierarchy, file, value: String(value) });

  const mem = res.memory;
  if (mem) {
    const limit = mem.limit, swap = mem.swap;
    if (set(limit) && limit !== -1 || set(swap) && swap !== -1 || set(mem.reservation) && mem.reservation !== -1 || mem.swappiness !== undefined || mem.disableOOMKiller) {
      const h = where("memory", "memory");
      if (h !== "") {
        if (set(limit) && limit !== -1) w("memory.limit", "memory", h, "memory.limit_in_bytes", limit);
        if (set(swap) && swap !== -1) w("memory.swap", "memory", h, "memory.memsw.limit_in_bytes", swap);
        if (set(mem.reservation) && mem.reservation !== -1) w("memory.reservation", "memory", h, "memory.soft_limit_in_bytes", mem.reservation);
        if (mem.swappiness !== undefined && mem.swappiness !== null) w("memory.swappiness", "memory", h, "memory.swappiness", mem.swappiness);
        if (mem.disableOOMKiller) w("memory.disableOOMKiller", "memory", h, "memory.oom_control", 1);
      } else {
        if (set(limit) && limit !== -1) w("memory.limit", "memory", h, "memory.max", limit);
        // OCI's swap is memory+swap; v2's memory.swap.max is the swap alone.
        if (set(swap) && swap !== -1) {
          if (!set(limit) || limit === -1) throw new RtError("linux.resources.memory.swap: on cgroup v2 it needs memory.limit (memory.swap.max is swap minus the memory limit)");
          if (swap < limit) throw new RtError(`linux.resources.memory.swap: ${swap} is less than memory.limit ${limit} (swap counts memory plus swap)`);
          w("memory.swap", "memory", h, "memory.swap.max", swap - limit);
        }
        if (set(mem.reservation) && mem.reservation !== -1) w("memory.reservation", "memory", h, "memory.low", mem.reservation);
        if (mem.swappiness !== undefined && mem.swappiness !== null) v2Only("memory.swappiness", "memory", "no swappiness file");
        if (mem.disableOOMKiller) v2Only("memory.disableOOMKiller", "memory", "no way to disable the OOM killer");
      }
    }
  }

  // pids.limit 0 asks for nothing (runc 1.1 skips it; podman 4.3 writes it for
  // --pids-limit=-1, and the config check lets it through as unset): writing
  // it as pids.max 0 would leave the container unable to fork at all.
  const pids = res.pids;
  if (pids && pids.limit !== undefined && pids.limit !== -1 && pids.limit !== 0) {
    const h = where("pids.limit", "pids");
    w("pids.limit", "pids", h, "pids.max", pids.limit > 0 ? pids.limit : "max");
  }

  const cpu = res.cpu;
  if (cpu) {
    const quota = set(cpu.quota) && cpu.quota !== -1 ? cpu.quota : undefined;
    const period = set(cpu.period) ? cpu.period : undefined;
    if (set(cpu.shares) || quota !== undefined || period !== undefined || set(cpu.burst) || set(cpu.realtimeRuntime) || set(cpu.realtimePeriod) || set(cpu.idle)) {
      const h = where("cpu", "cpu");
      if (h !== "") {
        if (set(cpu.shares)) w("cpu.shares", "cpu", h, "cpu.shares", cpu.shares);
        if (period !== undefined) w("cpu.period", "cpu", h, "cpu.cfs_period_us", period);
        if (quota !== undefined) w("cpu.quota", "cpu", h, "cpu.cfs_quota_us", quota);
        if (set(cpu.burst)) w("cpu.burst", "cpu", h, "cpu.cfs_burst_us", cpu.burst);
        if (set(cpu.realtimePeriod)) w("cpu.realtimePeriod", "cpu", h, "cpu.rt_period_us", cpu.realtimePeriod);
        if (set(cpu.realtimeRuntime)) w("cpu.realtimeRuntime", "cpu", h, "cpu.rt_runtime_us", cpu.realtimeRuntime);
        if (set(cpu.idle)) w("cpu.idle", "cpu", h, "cpu.idle", cpu.idle);
      } else {
        if (set(cpu.shares)) {
          if (cpu.shares < 2 || cpu.shares > 262144) throw new RtError(`linux.resources.cpu.shares: ${cpu.shares} is outside [2, 262144], which cpu.weight maps`);
          w("cpu.shares", "cpu", h, "cpu.weight", sharesToWeight(cpu.shares));
        }
        if (quota !== undefined || period !== undefined) w(quota !== undefined ? "cpu.quota" : "cpu.period", "cpu", h, "cpu.max", `${quota ?? "max"} ${period ?? 100000}`);
        if (set(cpu.burst)) w("cpu.burst", "cpu", h, "cpu.max.burst", cpu.burst);
        if (set(cpu.realtimePeriod)) v2Only("cpu.realtimePeriod", "cpu", "no realtime bandwidth files");
        if (set(cpu.realtimeRuntime)) v2Only("cpu.realtimeRuntime", "cpu", "no realtime bandwidth files");
        if (set(cpu.idle)) w("cpu.idle", "cpu", h, "cpu.idle", cpu.idle);
      }
    }
    if (cpu.cpus) w("cpu.cpus", "cpuset", where("cpu.cpus", "cpuset"), "cpuset.cpus", cpu.cpus);
    if (cpu.mems) w("cpu.mems", "cpuset", where("cpu.mems", "cpuset"), "cpuset.mems", cpu.mems);
  }

  // unified: cgroup v2 files, written verbatim into the container's unified
  // cgroup. A key names its controller by its prefix ("pids.max"); "cgroup.*"
  // are core files every cgroup has. A controller held by a v1 hierarchy
  // here has no files in the unified cgroup: refused, naming it.
  for (const [key, value] of Object.entries(res.unified ?? {})) {
    const field = `unified.${key}`;
    if (!/^[a-z_0-9]+\.[a-z_0-9.]+$/i.test(key)) throw new RtError(`linux.resources.${field}: not a cgroup file name (controller.file)`);
    if (typeof value !== "string") throw new RtError(`linux.resources.${field}: the value must be a string`);
    const controller = key.slice(0, key.indexOf("."));
    if (controller !== "cgroup") {
      const h = hierarchies.find((x) => x.controllers.includes(controller));
      if (h) throw new RtError(`linux.resources.${field}: the ${controller} controller is in the v1 hierarchy ${h.mount} here, so the unified cgroup has no ${key}`);
      if (!unified.includes(controller)) throw new RtError(`linux.resources.${field}: the unified hierarchy offers no ${controller} controller here (cgroup.controllers: ${unified.join(" ") || "none"})`);
    }
    out.push({ field: `linux.resources.${field}`, controller: controller === "cgroup" ? "" : controller, hierarchy: "", file: key, value, mustExist: true });
  }
  return out;
}

/** update's -1 values: the limit goes back to none (v1 -1, v2 "max"). */
function planLifts(res: Resources, hierarchies: V1Hierarchy[], unifiedMount: string | null): LimitWrite[] {
  const unified = unifiedMount ? (readTextOrNull(path.join(unifiedMount, "cgroup.controllers")) ?? "").trim().split(/\s+/).filter(Boolean) : [];
  const out: LimitWrite[] = [];
  const lift = (field: string, controller: string, v1File: string, v2File: string, v2Value = "max") => {
    const h = locate(controller, hierarchies, unified);
    if (h === null) throw new RtError(`linux.resources.${field}: this host has no ${controller} controller (no v1 hierarchy has it, and the unified hierarchy does not offer it)`);
    out.push({ field: `linux.resources.${field}`, controller, hierarchy: h, file: h ? v1File : v2File, value: h ? "-1" : v2Value });
  };
  // memory+swap before memory on v1: memsw may never be below the memory limit.
  if (res.memory?.swap === -1) lift("memory.swap", "memory", "memory.memsw.limit_in_bytes", "memory.swap.max");
  if (res.memory?.limit === -1) lift("memory.limit", "memory", "memory.limit_in_bytes", "memory.max");
  if (res.pids?.limit === -1) {
    const h = locate("pids", hierarchies, unified);
    if (h === null) throw new RtError("linux.resources.pids.limit: this host has no pids controller (no v1 hierarchy has it, and the unified hierarchy does not offer it)");
    out.push({ field: "linux.resources.pids.limit", controller: "pids", hierarchy: h, file: "pids.max", value: "max" });
  }
  if (res.cpu?.quota === -1) lift("cpu.quota", "cpu", "cpu.cfs_quota_us", "cpu.max", `max ${res.cpu.period || 100000}`);
  return out;
}

export interface CgroupDirs {
  unifiedDir: string;
  unifiedMount: string | null;
  /** The container's dir in each v1 hierarchy, by hierarchy name. */
  v1: Record<string, string>;
}

/**
 * Writes the limits. For the unified hierarchy, first enables each needed
 * controller in cgroup.subtree_control from the mount down to the
 * container's parent (a v2 controller's files exist only where the parent
 * enabled it).
 */
export function applyResources(writes: LimitWrite[], dirs: CgroupDirs): void {
  const v2 = [...new Set(writes.filter((x) => x.hierarchy === "" && x.controller !== "").map((x) => x.controller))];
  if (v2.length && dirs.unifiedMount) {
    const rel = path.relative(dirs.unifiedMount, dirs.unifiedDir).split("/");
    let cur = dirs.unifiedMount;
    for (const part of rel) {
      const file = path.join(cur, "cgroup.subtree_control");
      const on = (readTextOrNull(file) ?? "").trim().split(/\s+/);
      const missing = v2.filter((c) => !on.includes(c));
      if (missing.length) {
        try {
          host().writeFile(file, missing.map((c) => `+${c}`).join(" "), 0o644, "w");
        } catch (e) {
          throw new RtError(`linux.resources: enable ${missing.join(", ")} in ${file}: ${describeSysError(e)}`);
        }
      }
      cur = path.join(cur, part);
    }
  }
  for (const x of writes) {
    const dir = x.hierarchy === "" ? dirs.unifiedDir : dirs.v1[x.hierarchy];
    if (!dir) throw new RtError(`${x.field}: the container has no cgroup in the ${x.hierarchy || "unified"} hierarchy`);
    const file = path.join(dir, x.file);
    if (x.mustExist && !exists(file)) throw new RtError(`${x.field}: ${file} does not exist`);
    try {
      host().writeFile(file, x.value, 0o644, "w");
    } catch (e) {
      throw new RtError(`${x.field}: write ${x.value} to ${file}: ${describeSysError(e)}`);
    }
  }
}
