// The Linux process attributes beyond ids and limits: personality, scheduler,
// ioPriority, execCPUAffinity, memoryPolicy and the time namespace's offsets.
// Names become the kernel's numbers here (the tables below, checked against
// /usr/include by test/unit/process-attrs.test.ts); rt-exec only makes the
// syscalls (native/ops_sched.c, PLAN.md ops 46–51).
import { RtError } from "../errors.ts";
import { Op } from "../process/wire.ts";
import type { PlanContext, PlanOp } from "./context.ts";

export interface ProcessAttrOps {
  /** Before CLONE: TIMENS, CPU_AFFINITY (execCPUAffinity.initial). */
  parent: PlanOp[];
  /** First ops of the init: CPU_AFFINITY (execCPUAffinity.final). */
  atStart: PlanOp[];
  /** After RLIMIT, before the seccomp filter and the uid switch (they may need privileges): PERSONALITY, SCHEDULER, IOPRIO, MEMPOLICY. */
  beforeIds: PlanOp[];
}

/** <linux/personality.h> */
export const PERSONALITY_DOMAINS: Record<string, number> = { LINUX: 0x0000, LINUX32: 0x0008 };

/** <linux/sched.h>. SCHED_ISO (4) was reserved and never implemented: refused in semantic.ts. */
export const SCHED_POLICIES: Record<string, number> = {
  SCHED_OTHER: 0, SCHED_FIFO: 1, SCHED_RR: 2, SCHED_BATCH: 3, SCHED_IDLE: 5, SCHED_DEADLINE: 6,
};
export const SCHED_FLAGS: Record<string, number> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01, SCHED_FLAG_RECLAIM: 0x02, SCHED_FLAG_DL_OVERRUN: 0x04,
  SCHED_FLAG_KEEP_POLICY: 0x08, SCHED_FLAG_KEEP_PARAMS: 0x10,
  // UTIL_CLAMP_MIN 0x20 / UTIL_CLAMP_MAX 0x40 need clamp values the spec has no field for: refused in semantic.ts.
};

/** <linux/ioprio.h> */
export const IOPRIO_CLASSES: Record<string, number> = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 };

/** <linux/mempolicy.h>. MPOL_WEIGHTED_INTERLEAVE (Linux 6.9) is newer than some headers. */
export const MPOL_MODES: Record<string, number> = {
  MPOL_DEFAULT: 0, MPOL_PREFERRED: 1, MPOL_BIND: 2, MPOL_INTERLEAVE: 3, MPOL_LOCAL: 4,
  MPOL_PREFERRED_MANY: 5, MPOL_WEIGHTED_INTERLEAVE: 6,
};
export const MPOL_FLAGS: Record<string, number> = {
  MPOL_F_STATIC_NODES: 1 << 15, MPOL_F_RELATIVE_NODES: 1 << 14, MPOL_F_NUMA_BALANCING: 1 << 13,
};

/** Highest CPU or node number a list may name (the executor sizes its masks from the list). */
export const MAX_CPU_OR_NODE = 8191;

/**
 * "0-3,7" → [0, 1, 2, 3, 7] (sorted, unique): the list format of
 * execCPUAffinity and memoryPolicy.nodes (blanks allowed around items), with
 * the kernel's "a-b:used/group" strides ("0-7:2/4" → 0, 1, 4, 5).
 */
export function parseIdList(list: string, field: string): number[] {
  const out = new Set<number>();
  for (const raw of list.split(",")) {
    const item = raw.trim();
    if (item === "") continue;
    const m = /^(\d+)(?:-(\d+)(?::(\d+)\/(\d+))?)?$/.exec(item);
    if (!m) throw new RtError(`${field}: "${item}" is not a number or a range a-b[:used/group]`);
    const lo = Number(m[1]), hi = m[2] === undefined ? lo : Number(m[2]);
    // The kernel's stride form (bitmap_parselist): of every `group` numbers from lo, the first `used`.
    const used = m[3] === undefined ? 1 : Number(m[3]), group = m[4] === undefined ? 1 : Number(m[4]);
    if (hi < lo) throw new RtError(`${field}: range "${item}" ends before it starts`);
    if (group === 0 || used === 0 || used > group) throw new RtError(`${field}: "${item}" needs 0 < used <= group`);
    if (hi > MAX_CPU_OR_NODE) throw new RtError(`${field}: ${hi} is above ${MAX_CPU_OR_NODE}`);
    for (let i = lo; i <= hi; i++) if ((i - lo) % group < used) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

function mask(names: string[] | undefined, table: Record<string, number>, field: string): number {
  let m = 0;
  (names ?? []).forEach((n, i) => {
    const v = Object.prototype.hasOwnProperty.call(table, n) ? table[n] : undefined;
    if (v === undefined) throw new RtError(`${field}[${i}]: unsupported flag "${n}"`);
    m |= v;
  });
  return m;
}

function lookup(table: Record<string, number>, name: string, field: string): number {
  const v = Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
  if (v === undefined) throw new RtError(`${field}: unsupported value "${name}"`);
  return v;
}

/** The time namespace's offsets file: one line per clock the config names. */
export function timeOffsets(offsets: Record<string, { secs?: number; nanosecs?: number }> | undefined): string {
  let out = "";
  for (const clock of ["monotonic", "boottime"]) {
    const o = offsets?.[clock];
    if (o) out += `${clock} ${Math.trunc(o.secs ?? 0)} ${Math.trunc(o.nanosecs ?? 0)}\n`;
  }
  return out;
}

export function processAttrOps(ctx: PlanContext): ProcessAttrOps {
  const parent: PlanOp[] = [];
  const atStart: PlanOp[] = [];
  const beforeIds: PlanOp[] = [];
  const proc = ctx.spec.process;
  const linux = ctx.spec.linux;

  // A new time namespace is made by the executor itself (unshare), so that
  // the offsets can be written before any process lives in it: the init is
  // then cloned into it (namespaces.ts leaves CLONE_NEWTIME out of CLONE).
  if (ctx.ns.newTime) {
    const offsets = timeOffsets(linux?.timeOffsets);
    parent.push({ op: Op.TIMENS, field: offsets ? "linux.timeOffsets" : "linux.namespaces (time)", args: [offsets] });
  }

  // initial: the executor's CPUs, which the init inherits as it is cloned
  // into the container's cgroup; final: the init's, once it is in there.
  const aff = proc?.execCPUAffinity;
  if (aff?.initial) {
    const cpus = parseIdList(aff.initial, "process.execCPUAffinity.initial");
    if (cpus.length) parent.push({ op: Op.CPU_AFFINITY, field: "process.execCPUAffinity.initial", args: cpus });
  }
  if (aff?.final) {
    const cpus = parseIdList(aff.final, "process.execCPUAffinity.final");
    if (cpus.length) atStart.push({ op: Op.CPU_AFFINITY, field: "process.execCPUAffinity.final", args: cpus });
  }

  const pers = linux?.personality;
  if (pers) {
    if (pers.flags?.length) throw new RtError(`linux.personality.flags: not supported (runtime-spec defines none)`);
    beforeIds.push({ op: Op.PERSONALITY, field: "linux.personality", args: [lookup(PERSONALITY_DOMAINS, pers.domain, "linux.personality.domain")] });
  }

  const s = proc?.scheduler;
  if (s) {
    beforeIds.push({
      op: Op.SCHEDULER,
      field: "process.scheduler",
      args: [
        lookup(SCHED_POLICIES, s.policy, "process.scheduler.policy"),
        mask(s.flags, SCHED_FLAGS, "process.scheduler.flags"),
        Math.trunc(s.nice ?? 0),
        Math.trunc(s.priority ?? 0),
        BigInt(Math.trunc(s.runtime ?? 0)),
        BigInt(Math.trunc(s.deadline ?? 0)),
        BigInt(Math.trunc(s.period ?? 0)),
      ],
    });
  }

  const io = proc?.ioPriority;
  if (io) {
    beforeIds.push({ op: Op.IOPRIO, field: "process.ioPriority", args: [lookup(IOPRIO_CLASSES, io.class, "process.ioPriority.class"), Math.trunc(io.priority ?? 0)] });
  }

  const mp = linux?.memoryPolicy;
  if (mp) {
    const nodes = parseIdList(mp.nodes ?? "", "linux.memoryPolicy.nodes");
    beforeIds.push({
      op: Op.MEMPOLICY,
      field: "linux.memoryPolicy",
      args: [lookup(MPOL_MODES, mp.mode, "linux.memoryPolicy.mode"), mask(mp.flags, MPOL_FLAGS, "linux.memoryPolicy.flags"), ...nodes],
    });
  }

  return { parent, atStart, beforeIds };
}
