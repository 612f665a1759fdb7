// process.capabilities → KEEP_CAPS (before the uid switch) and CAPS (after it).
// (stub: filled in by the capabilities change)
import type { PlanContext, PlanOp } from "./context.ts";

export interface CapabilityOps {
  /** Before SETGROUPS_IDS/SETGID/SETUID: KEEP_CAPS 1 when a non-root user must keep capabilities. */
  beforeIds: PlanOp[];
  /** After SETUID: CAPS with the five sets. */
  afterIds: PlanOp[];
}

export function capabilityOps(_ctx: PlanContext): CapabilityOps {
  return { beforeIds: [], afterIds: [] };
}
