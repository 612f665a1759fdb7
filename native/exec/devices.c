/* Device nodes and /dev symlinks, created after pivot_root inside the new root. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "exec.h"

static int mkdir_parents(const char *path) {
  char buf[PATH_MAX];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return errno = ENAMETOOLONG, -1;
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  return 0;
}

/* MKNOD path type major minor mode uid gid */
int op_mknod(const struct op *o) {
  long long major, minor, mode, uid, gid;
  if (o->argc != 7 || parse_ll(o->argv[2], &major) || parse_ll(o->argv[3], &minor) || parse_ll(o->argv[4], &mode) ||
      parse_ll(o->argv[5], &uid) || parse_ll(o->argv[6], &gid))
    return errno = EINVAL, fail("MKNOD: bad args");
  const char *path = o->argv[0];
  mode_t type = o->argv[1][0] == 'b' ? S_IFBLK : o->argv[1][0] == 'p' ? S_IFIFO : S_IFCHR;
  if (mkdir_parents(path) < 0) return fail("mkdir parents of %s: %s", path, strerror(errno));
  if (unlink(path) < 0 && errno != ENOENT) return fail("unlink %s: %s", path, strerror(errno));
  if (mknod(path, type | ((mode_t)mode & 07777), makedev((unsigned)major, (unsigned)minor)) < 0)
    return fail("mknod %s: %s", path, strerror(errno));
  /* mknod's mode is filtered by the umask; set it exactly. */
  if (chmod(path, (mode_t)mode & 07777) < 0) return fail("chmod %s: %s", path, strerror(errno));
  if (chown(path, (uid_t)uid, (gid_t)gid) < 0) return fail("chown %s: %s", path, strerror(errno));
  return 0;
}

int op_symlink(const struct op *o) {
  if (o->argc != 2) return errno = EINVAL, fail("SYMLINK: bad args");
  if (symlink(o->argv[0], o->argv[1]) < 0 && errno != EEXIST)
    return fail("symlink %s -> %s: %s", o->argv[1], o->argv[0], strerror(errno));
  return 0;
}
