// rt update: new limits for a created, running or paused container, written
// into the cgroups it already has (cgroups/resources.ts, as create writes
// them) and kept in its record, so that what it runs under is known later.
// Only the fields create applies are taken; others are refused by name.
import { RtError } from "../errors.ts";
import { readTextOrNull } from "../sys/files.ts";
import * as path from "../sys/path.ts";
import { unifiedMount } from "../cgroups/hierarchy.ts";
import { v1Hierarchies } from "../cgroups/v1.ts";
import { applyResources, planResources, type LimitWrite } from "../cgroups/resources.ts";
import { deriveStatus, ownsCgroup } from "../state/status.ts";
import { mustRead, type OperationContext } from "./context.ts";
import type { Spec } from "../spec/types.ts";

export type Resources = NonNullable<NonNullable<Spec["linux"]>["resources"]>;

const TAKEN: Record<string, string[]> = {
  memory: ["limit", "reservation", "swap", "swappiness", "disableOOMKiller", "checkBeforeUpdate"],
  cpu: ["shares", "quota", "period", "burst", "realtimeRuntime", "realtimePeriod", "cpus", "mems", "idle"],
  pids: ["limit"],
};

/** Refuses what update cannot apply, naming the field (unknown members are ignored, as in config.json). */
function checkFields(res: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(res)) {
    if (v === undefined || v === null) continue;
    if (!(k in TAKEN)) {
      if (["devices", "blockIO", "hugepageLimits", "network", "rdma", "unified"].includes(k)) throw new RtError(`linux.resources.${k}: update of it is not implemented yet`);
      continue;
    }
    if (typeof v !== "object" || Array.isArray(v)) throw new RtError(`linux.resources.${k}: not an object`);
    for (const [f, x] of Object.entries(v as Record<string, unknown>)) {
      if (!TAKEN[k].includes(f)) {
        if (["kernel", "kernelTCP", "useHierarchy"].includes(f)) throw new RtError(`linux.resources.${k}.${f}: not applied by rt`);
        continue;
      }
      const want = f === "cpus" || f === "mems" ? "string" : f === "disableOOMKiller" || f === "checkBeforeUpdate" ? "boolean" : "number";
      if (x !== null && typeof x !== want) throw new RtError(`linux.resources.${k}.${f}: not a ${want}`);
    }
  }
}

/** `next` over `prev`, member by member (what update is given replaces only those members). */
function merge(prev: Resources, next: Resources): Resources {
  const out: Record<string, unknown> = { ...prev };
  for (const [k, v] of Object.entries(next)) {
    if (v && typeof v === "object" && !Array.isArray(v)) out[k] = { ...((prev as Record<string, object>)[k] ?? {}), ...v };
    else if (v !== undefined) out[k] = v;
  }
  return out as Resources;
}

export function updateContainer(ctx: OperationContext, id: string, res: Resources): void {
  checkFields(res as Record<string, unknown>);
  const rec = mustRead(ctx, id);
  const status = deriveStatus(ctx.store, rec);
  if (status !== "created" && status !== "running" && status !== "paused") throw new RtError(`cannot update container "${id}": it is ${status}`);
  if (!ownsCgroup(rec)) throw new RtError(`cannot update container "${id}": its cgroup ${rec.cgroupDir || "(none)"} was not created by rt`);
  const mount = unifiedMount();
  const mine = new Set((rec.v1Cgroups ?? []).map((c) => c.hierarchy));
  const hierarchies = v1Hierarchies().filter((h) => mine.has(h.name));
  const writes = planResources(res, hierarchies, mount, true);
  const v1 = Object.fromEntries((rec.v1Cgroups ?? []).map((c) => [c.hierarchy, c.dir]));
  if (res.memory?.checkBeforeUpdate) checkUsage(writes, rec.cgroupDir, v1);
  applyResources(orderForV1(writes, v1), { unifiedDir: rec.cgroupDir, unifiedMount: mount, v1 });
  rec.resources = merge((rec.resources ?? {}) as Resources, res) as Record<string, unknown>;
  ctx.store.write(rec);
}

/** checkBeforeUpdate: a memory limit below what the container uses now is refused, not left to the OOM killer. */
function checkUsage(writes: LimitWrite[], unifiedDir: string, v1: Record<string, string>): void {
  const w = writes.find((x) => x.field === "linux.resources.memory.limit");
  if (!w) return;
  const file = w.hierarchy ? path.join(v1[w.hierarchy], "memory.usage_in_bytes") : path.join(unifiedDir, "memory.current");
  const used = Number((readTextOrNull(file) ?? "0").trim());
  if (used > Number(w.value)) throw new RtError(`linux.resources.memory.limit: ${w.value} is below the container's current usage ${used} (${file}), and memory.checkBeforeUpdate is set`);
}

/** v1 keeps memory ≤ memory+swap at every step: raising both, memsw goes first. */
function orderForV1(writes: LimitWrite[], v1: Record<string, string>): LimitWrite[] {
  const lim = writes.findIndex((x) => x.file === "memory.limit_in_bytes");
  const sw = writes.findIndex((x) => x.file === "memory.memsw.limit_in_bytes");
  if (lim < 0 || sw < 0) return writes;
  const current = Number((readTextOrNull(path.join(v1[writes[sw].hierarchy], "memory.memsw.limit_in_bytes")) ?? "0").trim());
  if (Number(writes[lim].value) <= current) return writes;
  const out = writes.filter((_, i) => i !== sw);
  out.splice(lim, 0, writes[sw]);
  return out;
}
