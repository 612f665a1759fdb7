/* Process attributes: PERSONALITY, SCHEDULER, IOPRIO, CPU_AFFINITY, MEMPOLICY, TIMENS (PLAN.md).
 * (stub: filled in by its own change; every op fails with ENOSYS until then, never skipped) */
#include <errno.h>

#include "ops.h"
#include "report.h"

int op_personality(const struct op *o) {
  (void)o;
  return fail(ENOSYS, "personality: not built yet");
}

int op_scheduler(const struct op *o) {
  (void)o;
  return fail(ENOSYS, "scheduler: not built yet");
}

int op_ioprio(const struct op *o) {
  (void)o;
  return fail(ENOSYS, "ioprio: not built yet");
}

int op_cpu_affinity(const struct op *o) {
  (void)o;
  return fail(ENOSYS, "cpu_affinity: not built yet");
}

int op_mempolicy(const struct op *o) {
  (void)o;
  return fail(ENOSYS, "mempolicy: not built yet");
}

int op_timens(const struct op *o) {
  (void)o;
  return fail(ENOSYS, "timens: not built yet");
}

