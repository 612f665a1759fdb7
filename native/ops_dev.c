/* Device nodes and /dev symlinks, made after pivot_root, inside the new root
 * (plain paths can no longer leave it). */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ops.h"
#include "report.h"
#include "util.h"

static int mkdir_parents(const char *path) {
  char buf[PATH_MAX];
  if (strlen(path) >= sizeof buf) return errno = ENAMETOOLONG, -1;
  strcpy(buf, path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/' || p[-1] == '/') continue;
    *p = 0;
    int r = mkdir(buf, 0755);
    *p = '/';
    if (r < 0 && errno != EEXIST) return -1;
  }
  return 0;
}

/* MKNOD path type major minor mode uid gid */
int op_mknod(const struct op *o) {
  const char *path = o->argv[0], *type = o->argv[1];
  int64_t major, minor, mode, uid, gid;
  if (arg_i64(o, 2, 0, 0xfff, &major) || arg_i64(o, 3, 0, 0xfffff, &minor) || arg_i64(o, 4, 0, 07777, &mode) ||
      arg_i64(o, 5, -1, 0xfffffffe, &uid) || arg_i64(o, 6, -1, 0xfffffffe, &gid))
    return -1;
  mode_t kind;
  if (strcmp(type, "c") == 0 || strcmp(type, "u") == 0) kind = S_IFCHR;
  else if (strcmp(type, "b") == 0) kind = S_IFBLK;
  else if (strcmp(type, "p") == 0) kind = S_IFIFO;
  else return fail(EINVAL, "MKNOD %s: type must be c, b or p, not \"%s\"", path, type);
  if (path[0] != '/') return fail(EINVAL, "MKNOD: path \"%s\" is not absolute", path);
  mode_t old_umask = umask(0);
  int r = mkdir_parents(path);
  umask(old_umask);
  if (r < 0) return fail(errno, "mkdir parents of %s", path);
  /* An existing node (the image's, or a default device) is replaced. */
  if (unlink(path) < 0 && errno != ENOENT) return fail(errno, "unlink %s", path);
  /* The exact mode at birth (umask 0; chown clears set-id bits of regular
   * files only), then lchown: nothing here may follow a symlink, since a
   * process that can write this /dev (a shared volume) may have put one in
   * the node's place meanwhile, to have rt chown or chmod what it points to. */
  old_umask = umask(0);
  r = mknod(path, kind | (mode_t)mode, makedev((unsigned)major, (unsigned)minor));
  int e = errno;
  umask(old_umask);
  if (r < 0) return fail(e, "mknod %s (%s %lld:%lld)", path, type, (long long)major, (long long)minor);
  if (lchown(path, (uid_t)uid, (gid_t)gid) < 0) return fail(errno, "chown %s to %lld:%lld", path, (long long)uid, (long long)gid);
  return 0;
}

/* SYMLINK target linkpath */
int op_symlink(const struct op *o) {
  if (symlink(o->argv[0], o->argv[1]) < 0 && errno != EEXIST)
    return fail(errno, "symlink %s -> %s", o->argv[1], o->argv[0]);
  return 0;
}
