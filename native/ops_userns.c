/* User namespaces for idmapped mounts: USERNS_FD, MOUNT_IDMAP (PLAN.md).
 * (stub: filled in by its own change; every op fails with ENOSYS until then, never skipped) */
#include <errno.h>

#include "ops.h"
#include "report.h"

int op_userns_fd(const struct op *o) {
  (void)o;
  return fail(ENOSYS, "userns_fd: not built yet");
}

int op_mount_idmap(const struct op *o) {
  (void)o;
  return fail(ENOSYS, "mount_idmap: not built yet");
}

