/* Seccomp: SECCOMP_LISTENER, SECCOMP_INIT, SECCOMP_RULE, SECCOMP_LOAD (PLAN.md), through libseccomp.
 * (stub: filled in by its own change; every op fails with ENOSYS until then, never skipped) */
#include <errno.h>

#include "ops.h"
#include "report.h"

int op_seccomp_listener(const struct op *o) {
  (void)o;
  return fail(ENOSYS, "seccomp_listener: not built yet");
}

int op_seccomp_init(const struct op *o) {
  (void)o;
  return fail(ENOSYS, "seccomp_init: not built yet");
}

int op_seccomp_rule(const struct op *o) {
  (void)o;
  return fail(ENOSYS, "seccomp_rule: not built yet");
}

int op_seccomp_load(const struct op *o) {
  (void)o;
  return fail(ENOSYS, "seccomp_load: not built yet");
}

