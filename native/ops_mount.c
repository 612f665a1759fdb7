/* Mounts. Before pivot_root every target is a path *inside* the rootfs: it is
 * opened with openat2(RESOLVE_IN_ROOT) from an fd of the rootfs, and the mount
 * goes onto /proc/self/fd/<n>, so no symlink or ".." in the rootfs can send a
 * mount onto the host (the trap behind CVE-2021-30465). Missing targets are
 * created one component at a time, each parent resolved the same way.
 * After pivot_root the rootfs is "/" and plain paths are already confined. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ops.h"
#include "report.h"
#include "util.h"

/* The rootfs, opened on first use and dropped by BIND_ROOTFS and the pivot:
 * an fd opened before BIND_ROOTFS points at the directory *under* the bind
 * mount, and mounts made through it would vanish at pivot_root. */
static int root_fd = -1;
static char root_path[PATH_MAX];

static int open_root(const char *root) {
  if (root_fd >= 0 && strcmp(root, root_path) == 0) return root_fd;
  close_own(&root_fd);
  if (strlen(root) >= sizeof root_path) return fail(ENAMETOOLONG, "rootfs %s", root);
  root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) return fail(errno, "open rootfs %s", root);
  own_fd(root_fd);
  strcpy(root_path, root);
  return root_fd;
}

static int openat2_in_root(int rfd, const char *path, int flags) {
  struct open_how how = {
      .flags = (uint64_t)(flags | O_CLOEXEC),
      /* IN_ROOT: "/", ".." and absolute symlinks stop at the rootfs. No magic
       * links: /proc/self/root-style jumps would leave it anyway. */
      .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  return (int)syscall(SYS_openat2, rfd, path, &how, sizeof how);
}

/* Creates each missing component of path inside the root: directories
 * (0755) and, if as_file, an empty file (0644) as the last one. */
static int create_in_root(int rfd, const char *path, int as_file) {
  char buf[PATH_MAX];
  if (strlen(path) >= sizeof buf) return errno = ENAMETOOLONG, -1;
  strcpy(buf, path);
  size_t n = strlen(buf);
  mode_t old_umask = umask(0); /* the modes above, whatever rt's umask was */
  int rc = 0;
  for (size_t i = 1; i <= n && rc == 0; i++) {
    /* Each prefix that ends a component: buf[0..i) */
    if (!(buf[i] == '/' || buf[i] == 0) || buf[i - 1] == '/') continue;
    char saved = buf[i];
    buf[i] = 0;
    /* Last: nothing but slashes after this component. */
    int last = saved == 0 || buf[i + 1 + strspn(buf + i + 1, "/")] == 0;
    int fd = openat2_in_root(rfd, buf, O_PATH);
    if (fd >= 0) {
      close(fd);
    } else if (errno != ENOENT) {
      rc = -1;
    } else {
      char *slash = strrchr(buf, '/');
      const char *base = slash ? slash + 1 : buf;
      int pfd;
      if (slash) {
        char keep = slash[1];
        slash[1] = 0; /* parent, with its trailing slash: "/a/" or "/" */
        pfd = openat2_in_root(rfd, buf, O_PATH | O_DIRECTORY);
        slash[1] = keep;
      } else {
        pfd = openat2_in_root(rfd, ".", O_PATH | O_DIRECTORY);
      }
      if (pfd < 0) {
        rc = -1;
      } else {
        int r;
        if (last && as_file) {
          r = openat(pfd, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
          if (r >= 0) close(r);
        } else {
          r = mkdirat(pfd, base, 0755);
        }
        /* EEXIST: a dangling symlink is there; the final openat2 will tell. */
        if (r < 0 && errno != EEXIST) rc = -1;
        int e = errno;
        close(pfd);
        errno = e;
      }
    }
    buf[i] = saved;
  }
  int e = errno;
  umask(old_umask);
  errno = e;
  return rc;
}

/* The last bind's target and the inode it bound (the root of the new
 * mount). The ops that finish that bind (the MS_REMOUNT MOUNT with its
 * per-mount flags, MOUNT_SETATTR) resolve the target again: a process that
 * can write a directory on the way (a shared volume) may have swapped it for
 * a symlink to another mount meanwhile, and "ro" would go there and leave
 * the bind writable. So they must find the very inode bound. */
static char bound_target[PATH_MAX];
static dev_t bound_dev;
static ino_t bound_ino;

void remember_bind(const char *target, int sfd) {
  struct stat st;
  bound_target[0] = 0;
  if (strlen(target) >= sizeof bound_target || fstat(sfd, &st) < 0) return;
  strcpy(bound_target, target);
  bound_dev = st.st_dev;
  bound_ino = st.st_ino;
}

/* 0 unless tfd, the target resolved again, is not what the last bind of that target bound. */
static int check_same_bind(const char *target, int tfd) {
  struct stat st;
  if (strcmp(target, bound_target) != 0) return 0;
  if (fstat(tfd, &st) < 0) return fail(errno, "fstat %s", target);
  if (st.st_dev != bound_dev || st.st_ino != bound_ino)
    return fail(EBUSY, "%s is no longer the bind mount just made there (changed under rt: a symlink swapped in?)", target);
  return 0;
}

static int mount_in_root(const char *source, const char *target, const char *fstype, unsigned long flags,
                         const char *data, const char *create, const char *root) {
  if (*create && strcmp(create, "dir") != 0 && strcmp(create, "file") != 0)
    return fail(EINVAL, "MOUNT: create must be dir, file or empty, not \"%s\"", create);
  int rfd = open_root(root);
  if (rfd < 0) return -1;
  int is_bind = (flags & MS_BIND) && !(flags & MS_REMOUNT);
  int sfd = -1, tfd = -1, rc = 0;
  char spath[64], tpath[64];
  /* The source is a host path: pin it before anything in the rootfs is touched. */
  if (is_bind) {
    sfd = open(source, O_PATH | O_CLOEXEC);
    if (sfd < 0) return fail(errno, "open %s (bind source for %s)", source, target);
    snprintf(spath, sizeof spath, "/proc/self/fd/%d", sfd);
  }
  if (*create && create_in_root(rfd, target, strcmp(create, "file") == 0) < 0) {
    rc = fail(errno, "create mount point %s in rootfs %s", target, root);
    goto out;
  }
  tfd = openat2_in_root(rfd, target, O_PATH);
  if (tfd < 0) {
    rc = fail(errno, "openat2 %s (in root %s)", target, root);
    goto out;
  }
  snprintf(tpath, sizeof tpath, "/proc/self/fd/%d", tfd);
  if ((flags & MS_REMOUNT) && (flags & MS_BIND) && check_same_bind(target, tfd) < 0) {
    rc = -1;
  } else if (is_bind) {
    if (mount(spath, tpath, NULL, flags, NULL) < 0)
      rc = fail(errno, "mount %s (target %s, bind from %s)", tpath, target, source);
    else
      remember_bind(target, sfd);
  } else if (mount(*source ? source : NULL, tpath, *fstype ? fstype : NULL, flags, *data ? data : NULL) < 0) {
    rc = fail(errno, "mount %s (target %s, source %s, type %s%s%s)", tpath, target, *source ? source : "none",
              *fstype ? fstype : "none", *data ? ", data " : "", data);
  } else if (!(flags & MS_REMOUNT) && strcmp(target, bound_target) == 0) {
    bound_target[0] = 0; /* a new filesystem on top: no bind to finish there any more */
  }
out:
  if (sfd >= 0) close(sfd);
  if (tfd >= 0) close(tfd);
  return rc;
}

/* The target of a mount resolved (and created, as MOUNT's `create` says) in
 * the rootfs, as an O_PATH fd for the *at and move_mount calls of other ops
 * (MOUNT_IDMAP). -1 after fail(). */
int open_target_in_root(const char *target, const char *create, const char *root) {
  if (*create && strcmp(create, "dir") != 0 && strcmp(create, "file") != 0)
    return fail(EINVAL, "create must be dir, file or empty, not \"%s\"", create);
  int rfd = open_root(root);
  if (rfd < 0) return -1;
  if (*create && create_in_root(rfd, target, strcmp(create, "file") == 0) < 0)
    return fail(errno, "create mount point %s in rootfs %s", target, root);
  int tfd = openat2_in_root(rfd, target, O_PATH);
  if (tfd < 0) return fail(errno, "openat2 %s (in root %s)", target, root);
  return tfd;
}

/* A directory in the rootfs, resolved like a MOUNT target, opened for
 * reading (O_RDONLY|O_DIRECTORY: getdents needs more than O_PATH). -1 with
 * errno set, no report: TMPCOPYUP decides what a failure means. */
int open_dir_in_root(const char *target, const char *root) {
  int rfd = open_root(root);
  if (rfd < 0) return -1;
  return openat2_in_root(rfd, target, O_RDONLY | O_DIRECTORY);
}

/* MOUNT source target fstype flags data create root */
int op_mount(const struct op *o) {
  uint64_t flags;
  if (arg_u64(o, 3, &flags)) return -1;
  return mount_in_root(o->argv[0], o->argv[1], o->argv[2], (unsigned long)flags, o->argv[4], o->argv[5], o->argv[6]);
}

/* BIND_DEVICE path root type major minor mode uid gid: the host's device
 * node bound onto the same path in the rootfs (where mknod is not allowed,
 * e.g. in a user namespace). The host's node must be what the plan asks for
 * (type, numbers; mode and host owner unless -1): a bind cannot change it,
 * and a different node under that name must not pass for the one asked. */
int op_bind_device(const struct op *o) {
  const char *path = o->argv[0], *type = o->argv[2];
  int64_t major, minor, mode, uid, gid;
  if (arg_i64(o, 3, 0, 0xfff, &major) || arg_i64(o, 4, 0, 0xfffff, &minor) || arg_i64(o, 5, -1, 07777, &mode) ||
      arg_i64(o, 6, -1, 0xfffffffe, &uid) || arg_i64(o, 7, -1, 0xfffffffe, &gid))
    return -1;
  mode_t kind;
  if (strcmp(type, "c") == 0 || strcmp(type, "u") == 0) kind = S_IFCHR;
  else if (strcmp(type, "b") == 0) kind = S_IFBLK;
  else if (strcmp(type, "p") == 0) kind = S_IFIFO;
  else return fail(EINVAL, "BIND_DEVICE %s: type must be c, b or p, not \"%s\"", path, type);
  struct stat st;
  if (stat(path, &st) < 0) return fail(errno, "stat %s (host device to bind)", path);
  if ((st.st_mode & S_IFMT) != kind || (kind != S_IFIFO && (major(st.st_rdev) != (unsigned)major || minor(st.st_rdev) != (unsigned)minor)))
    return fail(ENODEV, "%s on the host is not %s %lld:%lld (found mode %o, %u:%u)", path, type, (long long)major,
                (long long)minor, (unsigned)st.st_mode, major(st.st_rdev), minor(st.st_rdev));
  if (mode >= 0 && (st.st_mode & 07777) != (mode_t)mode)
    return fail(EPERM, "%s on the host has mode %04o, not %04llo (a bind mount cannot change it)", path,
                (unsigned)(st.st_mode & 07777), (unsigned long long)mode);
  if ((uid >= 0 && st.st_uid != (uid_t)uid) || (gid >= 0 && st.st_gid != (gid_t)gid))
    return fail(EPERM, "%s on the host is owned by %u:%u, not %lld:%lld (host ids; a bind mount cannot change it)", path,
                (unsigned)st.st_uid, (unsigned)st.st_gid, (long long)uid, (long long)gid);
  return mount_in_root(path, path, "", MS_BIND, "", "file", o->argv[1]);
}

/* PROPAGATE target flags root */
int op_propagate(const struct op *o) {
  uint64_t flags;
  if (arg_u64(o, 1, &flags)) return -1;
  int rfd = open_root(o->argv[2]);
  if (rfd < 0) return -1;
  int tfd = openat2_in_root(rfd, o->argv[0], O_PATH);
  if (tfd < 0) return fail(errno, "openat2 %s (in root %s)", o->argv[0], o->argv[2]);
  char tpath[64];
  snprintf(tpath, sizeof tpath, "/proc/self/fd/%d", tfd);
  int r = mount(NULL, tpath, NULL, (unsigned long)flags, NULL), e = errno;
  close(tfd);
  return r < 0 ? fail(e, "mount %s (target %s, propagation %#llx)", tpath, o->argv[0], (unsigned long long)flags) : 0;
}

/* MOUNT_SETATTR target set clear root: mount_setattr(2) with AT_RECURSIVE,
 * for the spec's recursive options (rro, rnosuid, …) that must reach every
 * mount below the target, which a bind remount cannot do. */
struct rt_mount_attr {
  uint64_t attr_set, attr_clr, propagation, userns_fd;
};

int op_mount_setattr(const struct op *o) {
  uint64_t set, clr;
  if (arg_u64(o, 1, &set) || arg_u64(o, 2, &clr)) return -1;
  int rfd = open_root(o->argv[3]);
  if (rfd < 0) return -1;
  int tfd = openat2_in_root(rfd, o->argv[0], O_PATH);
  if (tfd < 0) return fail(errno, "openat2 %s (in root %s)", o->argv[0], o->argv[3]);
  if (check_same_bind(o->argv[0], tfd) < 0) {
    close(tfd);
    return -1;
  }
  struct rt_mount_attr attr = {.attr_set = set, .attr_clr = clr};
  int r = (int)syscall(SYS_mount_setattr, tfd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr), e = errno;
  close(tfd);
  return r < 0 ? fail(e, "mount_setattr %s (set %#llx, clear %#llx)", o->argv[0], (unsigned long long)set, (unsigned long long)clr) : 0;
}

int op_make_root_private(const struct op *o) {
  uint64_t flags;
  if (arg_u64(o, 0, &flags)) return -1;
  if (mount(NULL, "/", NULL, (unsigned long)flags, NULL) < 0) return fail(errno, "mount / (propagation %#llx)", (unsigned long long)flags);
  return 0;
}

int op_bind_rootfs(const struct op *o) {
  const char *r = o->argv[0];
  if (mount(r, r, NULL, MS_BIND | MS_REC, NULL) < 0) return fail(errno, "mount %s (bind onto itself)", r);
  close_own(&root_fd);
  return 0;
}

int op_pivot_root(const struct op *o) {
  const char *r = o->argv[0];
  close_own(&root_fd);
  if (chdir(r) < 0) return fail(errno, "chdir %s", r);
  /* pivot_root(".", ".") stacks the old root on top of the new one, so no
   * put_old directory is needed in the rootfs. */
  if (syscall(SYS_pivot_root, ".", ".") < 0) return fail(errno, "pivot_root %s", r);
  /* Make the old root a slave before detaching it, so that with a shared
   * rootfs propagation the detach cannot propagate back to the host. */
  if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) return fail(errno, "mount old root (rslave)");
  if (umount2(".", MNT_DETACH) < 0) return fail(errno, "umount2 old root");
  if (chdir("/") < 0) return fail(errno, "chdir /");
  return 0;
}

int op_move_root(const struct op *o) {
  const char *r = o->argv[0];
  close_own(&root_fd);
  if (chdir(r) < 0) return fail(errno, "chdir %s", r);
  if (mount(r, "/", NULL, MS_MOVE, NULL) < 0) return fail(errno, "mount %s onto / (move)", r);
  if (chroot(".") < 0) return fail(errno, "chroot %s", r);
  if (chdir("/") < 0) return fail(errno, "chdir /");
  return 0;
}

/* CHROOT rootfs: the container shares the runtime's mount namespace, so
 * nothing is mounted or moved; the init only changes its root. */
int op_chroot(const struct op *o) {
  const char *r = o->argv[0];
  close_own(&root_fd);
  if (chdir(r) < 0) return fail(errno, "chdir %s", r);
  if (chroot(".") < 0) return fail(errno, "chroot %s", r);
  if (chdir("/") < 0) return fail(errno, "chdir /");
  return 0;
}

/* Flags of an existing mount that a bind remount must repeat: the kernel
 * refuses to clear locked ones, and silently clearing others is wrong. */
static unsigned long kept_flags(const char *path) {
  struct statvfs sv;
  unsigned long f = 0;
  if (statvfs(path, &sv) < 0) return 0;
  if (sv.f_flag & ST_RDONLY) f |= MS_RDONLY;
  if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
  return f;
}

/* The container's /dev/null, pinned by an O_PATH fd and checked to be the
 * null device (c 1:3): a process that can write the container's /dev (a
 * shared volume there, a joined mount namespace) could have replaced it
 * with a symlink to, say, /proc/sys/kernel/core_pattern, and a bind by name
 * would put that file, writable, over the masked path (CVE-2025-31133). */
static int open_dev_null(void) {
  int fd = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return fail(errno, "open /dev/null (O_PATH|O_NOFOLLOW, to mask with)");
  struct stat st;
  if (fstat(fd, &st) < 0) {
    int e = errno;
    close(fd);
    return fail(e, "fstat /dev/null");
  }
  if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
    close(fd);
    return fail(EPERM, "/dev/null is not the null device (mode %o, %u:%u): refusing to bind it over a masked path",
                (unsigned)st.st_mode, major(st.st_rdev), minor(st.st_rdev));
  }
  return fd;
}

int op_mask(const struct op *o) {
  const char *p = o->argv[0];
  struct stat st;
  if (stat(p, &st) < 0) return errno == ENOENT ? 0 : fail(errno, "stat %s (masked path)", p);
  if (S_ISDIR(st.st_mode)) {
    if (mount("tmpfs", p, "tmpfs", MS_RDONLY, NULL) < 0) return fail(errno, "mount tmpfs on %s (masked path)", p);
    return 0;
  }
  int null = open_dev_null();
  if (null < 0) return -1;
  char src[64];
  snprintf(src, sizeof src, "/proc/self/fd/%d", null);
  int r = mount(src, p, NULL, MS_BIND, NULL), e = errno;
  close(null);
  return r < 0 ? fail(e, "mount /dev/null on %s (masked path, bind)", p) : 0;
}

int op_readonly(const struct op *o) {
  const char *p = o->argv[0];
  if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0)
    return errno == ENOENT ? 0 : fail(errno, "mount %s (bind onto itself, read-only path)", p);
  unsigned long f = MS_BIND | MS_REMOUNT | MS_REC | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | kept_flags(p);
  if (mount(NULL, p, NULL, f, NULL) < 0) return fail(errno, "mount %s (remount read-only)", p);
  return 0;
}

int op_remount_ro(const struct op *o) {
  const char *p = o->argv[0];
  if (mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | kept_flags(p), NULL) < 0)
    return fail(errno, "mount %s (remount read-only)", p);
  return 0;
}
