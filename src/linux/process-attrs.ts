// The Linux process attributes beyond ids and limits: personality, scheduler,
// ioPriority, execCPUAffinity, memoryPolicy and the time namespace's offsets.
// (stub: filled in by the process-attributes change)
import type { PlanContext, PlanOp } from "./context.ts";

export interface ProcessAttrOps {
  /** Before CLONE: TIMENS, CPU_AFFINITY (execCPUAffinity.initial). */
  parent: PlanOp[];
  /** First ops of the init: CPU_AFFINITY (execCPUAffinity.final). */
  atStart: PlanOp[];
  /** After RLIMIT, before the seccomp filter and the uid switch (they may need privileges): PERSONALITY, SCHEDULER, IOPRIO, MEMPOLICY. */
  beforeIds: PlanOp[];
}

export function processAttrOps(_ctx: PlanContext): ProcessAttrOps {
  return { parent: [], atStart: [], beforeIds: [] };
}
