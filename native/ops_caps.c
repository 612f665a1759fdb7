/* Capabilities: CAPS and KEEP_CAPS (PLAN.md).
 * (stub: filled in by its own change; every op fails with ENOSYS until then, never skipped) */
#include <errno.h>

#include "ops.h"
#include "report.h"

int op_caps(const struct op *o) {
  (void)o;
  return fail(ENOSYS, "caps: not built yet");
}

int op_keep_caps(const struct op *o) {
  (void)o;
  return fail(ENOSYS, "keep_caps: not built yet");
}

