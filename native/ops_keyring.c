/* KEYRING (PLAN.md op 62): the init's own session keyring, so the container
 * does not share (and cannot read) the session keyring of whoever ran rt.
 * TypeScript chooses the name and the permission bits; here it is two
 * keyctl calls. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ops.h"
#include "report.h"
#include "util.h"

#define RT_KEYCTL_DESCRIBE 6
#define RT_KEYCTL_SETPERM 5
#define RT_KEYCTL_JOIN_SESSION_KEYRING 1

/* KEYRING name perm-set */
int op_keyring(const struct op *o) {
  const char *name = o->argv[0];
  int64_t set;
  if (arg_i64(o, 1, 0, 0xffffffffLL, &set)) return -1;
  long id = syscall(SYS_keyctl, RT_KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0);
  /* A kernel built without keys (CONFIG_KEYS=n) has no keyring to share
   * either: nothing to isolate, so nothing to do. */
  if (id < 0 && errno == ENOSYS) return 0;
  if (id < 0) return fail(errno, "keyctl(KEYCTL_JOIN_SESSION_KEYRING, \"%s\")", name);
  /* "type;uid;gid;perm;description": perm is the 4th field, hex. */
  char desc[512];
  long n = syscall(SYS_keyctl, RT_KEYCTL_DESCRIBE, id, desc, sizeof desc - 1, 0);
  if (n < 0) return fail(errno, "keyctl(KEYCTL_DESCRIBE, %ld) of session keyring \"%s\"", id, name);
  desc[(size_t)n < sizeof desc ? (size_t)n : sizeof desc - 1] = '\0';
  char *p = desc;
  for (int field = 0; field < 3 && p; field++) {
    p = strchr(p, ';');
    if (p) p++;
  }
  char *end = NULL;
  unsigned long perm = p ? strtoul(p, &end, 16) : 0;
  if (!p || end == p || *end != ';') return fail(EINVAL, "keyctl(KEYCTL_DESCRIBE) of \"%s\": unexpected answer \"%s\"", name, desc);
  unsigned long want = perm | (unsigned long)set;
  if (want != perm && syscall(SYS_keyctl, RT_KEYCTL_SETPERM, id, want, 0, 0) < 0)
    return fail(errno, "keyctl(KEYCTL_SETPERM, \"%s\", %#lx)", name, want);
  return 0;
}
