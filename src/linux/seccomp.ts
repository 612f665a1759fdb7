// linux.seccomp → SECCOMP_LISTENER (executor) and SECCOMP_INIT, SECCOMP_RULE…,
// SECCOMP_LOAD (init). plan.ts places the filter: just before WAIT_START when
// process.noNewPrivileges is set, else before the uid switch and capability
// drop (loading needs CAP_SYS_ADMIN without no_new_privs).
// (stub: filled in by the seccomp change)
import type { PlanContext, PlanOp } from "./context.ts";

export interface SeccompOps {
  /** Before CLONE: SECCOMP_LISTENER for SCMP_ACT_NOTIFY. */
  parent: PlanOp[];
  /** SECCOMP_INIT, SECCOMP_RULE…, SECCOMP_LOAD: one filter. Empty without linux.seccomp. */
  filter: PlanOp[];
}

export function seccompOps(_ctx: PlanContext): SeccompOps {
  return { parent: [], filter: [] };
}
