/* Mount ops. Targets inside the rootfs are opened with openat2(RESOLVE_IN_ROOT)
 * and mounted through /proc/self/fd/N, so a symlink in the rootfs can never
 * send a mount to the host (the class of bug behind runc's CVE-2021-30465). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exec.h"

/* The rootfs, opened after BIND_ROOTFS so that lookups see the bind mount
 * that pivot_root will make the new root (not the directory underneath). */
static int root_fd = -1;
static char root_path[PATH_MAX];

static int open_root(const char *root) {
  if (root_fd >= 0 && strcmp(root, root_path) == 0) return root_fd;
  if (root_fd >= 0) close(root_fd);
  root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) return fail("open rootfs %s: %s", root, strerror(errno));
  snprintf(root_path, sizeof root_path, "%s", root);
  return root_fd;
}

static int open_in_root(int rfd, const char *path, int flags) {
  struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC), .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  return (int)syscall(SYS_openat2, rfd, path, &how, sizeof how);
}

/* Creates path (a dir, or a file as the last component) inside the root,
 * each parent resolved in root so a symlinked parent cannot point outside. */
static int create_in_root(int rfd, const char *path, int as_file) {
  char buf[PATH_MAX];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return errno = ENAMETOOLONG, -1;
  char *p = buf;
  while (*p == '/') p++;
  while (*p) {
    char *slash = strchr(p, '/');
    int last = !slash || !slash[strspn(slash, "/")];
    if (slash) *slash = 0;
    int fd = open_in_root(rfd, buf, O_PATH);
    if (fd >= 0) {
      close(fd);
    } else if (errno == ENOENT) {
      char *base = strrchr(buf, '/');
      int parent;
      if (base && base != buf) {
        *base = 0;
        parent = open_in_root(rfd, buf, O_PATH | O_DIRECTORY);
        *base = '/';
        base++;
      } else {
        parent = open_in_root(rfd, "/", O_PATH | O_DIRECTORY);
        base = base ? base + 1 : buf;
      }
      if (parent < 0) return -1;
      int r;
      if (last && as_file) {
        r = openat(parent, base, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
        if (r >= 0) close(r);
      } else {
        r = mkdirat(parent, base, 0755);
      }
      int e = errno;
      close(parent);
      if (r < 0 && e != EEXIST) return errno = e, -1;
    } else {
      return -1;
    }
    if (!slash) break;
    *slash = '/';
    p = slash + 1;
    while (*p == '/') p++;
  }
  return 0;
}

static void fd_path(char *out, size_t len, int fd) { snprintf(out, len, "/proc/self/fd/%d", fd); }

/* MOUNT source target fstype flags data create root */
int op_mount(const struct op *o) {
  if (o->argc != 7) return errno = EINVAL, fail("MOUNT needs 7 args");
  const char *source = o->argv[0], *target = o->argv[1], *fstype = o->argv[2], *data = o->argv[4];
  const char *create = o->argv[5];
  long long flags;
  if (parse_ll(o->argv[3], &flags)) return errno = EINVAL, fail("MOUNT: bad flags %s", o->argv[3]);
  int rfd = open_root(o->argv[6]);
  if (rfd < 0) return -1;
  if (*create && create_in_root(rfd, target, strcmp(create, "file") == 0) < 0)
    return fail("create mount point %s in rootfs: %s", target, strerror(errno));
  int tfd = open_in_root(rfd, target, O_PATH);
  if (tfd < 0) return fail("open mount point %s in rootfs: %s", target, strerror(errno));
  char tpath[64], spath[64];
  fd_path(tpath, sizeof tpath, tfd);
  int sfd = -1, r;
  if ((flags & MS_BIND) && !(flags & MS_REMOUNT)) {
    sfd = open(source, O_PATH | O_CLOEXEC);
    if (sfd < 0) {
      int e = errno;
      close(tfd);
      errno = e;
      return fail("open bind source %s: %s", source, strerror(errno));
    }
    fd_path(spath, sizeof spath, sfd);
    r = mount(spath, tpath, NULL, (unsigned long)flags, NULL);
  } else {
    r = mount(*source ? source : NULL, tpath, *fstype ? fstype : NULL, (unsigned long)flags, *data ? data : NULL);
  }
  int e = errno;
  if (sfd >= 0) close(sfd);
  close(tfd);
  errno = e;
  if (r < 0) return fail("mount %s%s%s on %s: %s", *source ? source : "(none)", *fstype ? " type " : "", fstype, target, strerror(e));
  return 0;
}

/* PROPAGATE target flags root */
int op_propagate(const struct op *o) {
  long long flags;
  if (o->argc != 3 || parse_ll(o->argv[1], &flags)) return errno = EINVAL, fail("PROPAGATE: bad args");
  int rfd = open_root(o->argv[2]);
  if (rfd < 0) return -1;
  int tfd = open_in_root(rfd, o->argv[0], O_PATH);
  if (tfd < 0) return fail("open %s in rootfs: %s", o->argv[0], strerror(errno));
  char tpath[64];
  fd_path(tpath, sizeof tpath, tfd);
  int r = mount(NULL, tpath, NULL, (unsigned long)flags, NULL), e = errno;
  close(tfd);
  errno = e;
  return r < 0 ? fail("set propagation of %s: %s", o->argv[0], strerror(e)) : 0;
}

int op_make_root_private(const struct op *o) {
  long long flags;
  if (o->argc != 1 || parse_ll(o->argv[0], &flags)) return errno = EINVAL, fail("MAKE_ROOT_PRIVATE: bad args");
  if (mount(NULL, "/", NULL, (unsigned long)flags, NULL) < 0) return fail("set propagation of /: %s", strerror(errno));
  return 0;
}

int op_bind_rootfs(const struct op *o) {
  if (o->argc != 1) return errno = EINVAL, fail("BIND_ROOTFS: bad args");
  if (mount(o->argv[0], o->argv[0], NULL, MS_BIND | MS_REC, NULL) < 0)
    return fail("bind mount rootfs %s: %s", o->argv[0], strerror(errno));
  if (root_fd >= 0) close(root_fd);
  root_fd = -1;
  return 0;
}

int op_pivot_root(const struct op *o) {
  if (o->argc != 1) return errno = EINVAL, fail("PIVOT_ROOT: bad args");
  if (chdir(o->argv[0]) < 0) return fail("chdir %s: %s", o->argv[0], strerror(errno));
  /* pivot_root(".", ".") stacks the old root on the new one; no put_old dir needed. */
  if (syscall(SYS_pivot_root, ".", ".") < 0) return fail("pivot_root %s: %s", o->argv[0], strerror(errno));
  /* Keep the detach of the old root from propagating anywhere. */
  if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) return fail("make old root rslave: %s", strerror(errno));
  if (umount2(".", MNT_DETACH) < 0) return fail("detach old root: %s", strerror(errno));
  if (chdir("/") < 0) return fail("chdir /: %s", strerror(errno));
  if (root_fd >= 0) close(root_fd);
  root_fd = -1;
  return 0;
}

int op_move_root(const struct op *o) {
  if (o->argc != 1) return errno = EINVAL, fail("MOVE_ROOT: bad args");
  if (chdir(o->argv[0]) < 0) return fail("chdir %s: %s", o->argv[0], strerror(errno));
  if (mount(o->argv[0], "/", NULL, MS_MOVE, NULL) < 0) return fail("move %s to /: %s", o->argv[0], strerror(errno));
  if (chroot(".") < 0) return fail("chroot: %s", strerror(errno));
  if (chdir("/") < 0) return fail("chdir /: %s", strerror(errno));
  if (root_fd >= 0) close(root_fd);
  root_fd = -1;
  return 0;
}

/* Flags of the existing mount that a bind remount must repeat (the kernel
 * refuses to drop locked flags, and we do not want to drop any). */
static unsigned long kept_flags(const char *path) {
  struct statvfs sv;
  unsigned long f = 0;
  if (statvfs(path, &sv) < 0) return 0;
  if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
  return f;
}

int op_mask(const struct op *o) {
  struct stat st;
  if (o->argc != 1) return errno = EINVAL, fail("MASK: bad args");
  if (stat(o->argv[0], &st) < 0) return errno == ENOENT ? 0 : fail("stat %s: %s", o->argv[0], strerror(errno));
  int r = S_ISDIR(st.st_mode) ? mount("tmpfs", o->argv[0], "tmpfs", MS_RDONLY, NULL)
                              : mount("/dev/null", o->argv[0], NULL, MS_BIND, NULL);
  return r < 0 ? fail("mask %s: %s", o->argv[0], strerror(errno)) : 0;
}

int op_readonly(const struct op *o) {
  if (o->argc != 1) return errno = EINVAL, fail("READONLY: bad args");
  const char *p = o->argv[0];
  if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0) return errno == ENOENT ? 0 : fail("bind %s: %s", p, strerror(errno));
  unsigned long f = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | kept_flags(p);
  if (mount(NULL, p, NULL, f, NULL) < 0) return fail("remount %s read-only: %s", p, strerror(errno));
  return 0;
}

int op_remount_ro(const struct op *o) {
  if (o->argc != 1) return errno = EINVAL, fail("REMOUNT_RO: bad args");
  const char *p = o->argv[0];
  if (mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | kept_flags(p), NULL) < 0)
    return fail("remount %s read-only: %s", p, strerror(errno));
  return 0;
}
