/* Device control on cgroup v2: DEVICE_FILTER (PLAN.md).
 * (stub: filled in by its own change; every op fails with ENOSYS until then, never skipped) */
#include <errno.h>

#include "ops.h"
#include "report.h"

int op_device_filter(const struct op *o) {
  (void)o;
  return fail(ENOSYS, "device_filter: not built yet");
}

