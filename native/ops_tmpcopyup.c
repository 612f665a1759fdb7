/* TMPCOPYUP step target root: the `tmpcopyup` mount option (crun's, podman's).
 * TypeScript puts `TMPCOPYUP open` right before the tmpfs MOUNT of that
 * target and `TMPCOPYUP copy` right after it. `open` opens the directory the
 * tmpfs will cover (resolved in the rootfs like a MOUNT target) and keeps the
 * fd; `copy` opens the target again (now the new tmpfs) and copies the tree
 * from the kept fd into it: regular files, directories and symlinks (never
 * followed: copied as symlinks), with their modes, owners and timestamps.
 * Devices, fifos and sockets are skipped. Depth is bounded. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops.h"
#include "report.h"
#include "util.h"

#define TMPCOPYUP_MAX_DEPTH 64

static int pending_fd = -1;          /* `open`'s directory, for the next `copy` */
static char pending_target[PATH_MAX]; /* the target it was opened for */

/* Owner, then mode (chown clears set-id bits), then timestamps. An owner
 * this user namespace cannot map (EINVAL) or set (EPERM) is left as it is. */
static int copy_attrs(int fd, const struct stat *st, const char *what) {
  if (fchown(fd, st->st_uid, st->st_gid) < 0 && errno != EPERM && errno != EINVAL)
    return fail(errno, "tmpcopyup: fchown %s", what);
  if (fchmod(fd, st->st_mode & 07777) < 0) return fail(errno, "tmpcopyup: fchmod %s", what);
  struct timespec ts[2] = {st->st_atim, st->st_mtim};
  if (futimens(fd, ts) < 0) return fail(errno, "tmpcopyup: futimens %s", what);
  return 0;
}

static int copy_file(int sdir, int ddir, const char *name, const struct stat *st, const char *path) {
  int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (in < 0) return fail(errno, "tmpcopyup: open %s", path);
  int out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0) {
    int e = errno;
    close(in);
    return fail(e, "tmpcopyup: create %s", path);
  }
  int rc = 0;
  struct stat now;
  if (fstat(in, &now) < 0 || !S_ISREG(now.st_mode)) {
    rc = fail(errno ? errno : EBUSY, "tmpcopyup: %s is no longer a regular file", path);
  } else {
    char buf[65536];
    for (;;) {
      ssize_t n = read(in, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) { rc = fail(errno, "tmpcopyup: read %s", path); break; }
      if (n == 0) break;
      for (ssize_t off = 0; off < n;) {
        ssize_t w = write(out, buf + off, (size_t)(n - off));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) { rc = fail(errno, "tmpcopyup: write %s", path); break; }
        off += w;
      }
      if (rc) break;
    }
  }
  if (rc == 0) rc = copy_attrs(out, st, path);
  close(in);
  close(out);
  return rc;
}

static int copy_symlink(int sdir, int ddir, const char *name, const struct stat *st, const char *path) {
  char target[PATH_MAX];
  ssize_t n = readlinkat(sdir, name, target, sizeof target - 1);
  if (n < 0) return fail(errno, "tmpcopyup: readlink %s", path);
  target[n] = 0;
  if (symlinkat(target, ddir, name) < 0) return fail(errno, "tmpcopyup: symlink %s", path);
  if (fchownat(ddir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM && errno != EINVAL)
    return fail(errno, "tmpcopyup: lchown %s", path);
  struct timespec ts[2] = {st->st_atim, st->st_mtim};
  if (utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW) < 0) return fail(errno, "tmpcopyup: utimensat %s", path);
  return 0;
}

/* Copies the entries of sdir into ddir (both O_RDONLY|O_DIRECTORY); path names sdir for messages. */
static int copy_tree(int sdir, int ddir, const char *path, int depth) {
  if (depth > TMPCOPYUP_MAX_DEPTH) return fail(ELOOP, "tmpcopyup: %s is more than %d directories deep", path, TMPCOPYUP_MAX_DEPTH);
  int dfd = dup(sdir);
  if (dfd < 0) return fail(errno, "tmpcopyup: dup");
  DIR *d = fdopendir(dfd);
  if (!d) {
    int e = errno;
    close(dfd);
    return fail(e, "tmpcopyup: opendir %s", path);
  }
  int rc = 0;
  for (;;) {
    errno = 0;
    struct dirent *e = readdir(d);
    if (!e) {
      if (errno) rc = fail(errno, "tmpcopyup: readdir %s", path);
      break;
    }
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    char sub[PATH_MAX];
    snprintf(sub, sizeof sub, "%s/%s", strcmp(path, "/") == 0 ? "" : path, e->d_name);
    struct stat st;
    if (fstatat(sdir, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) { rc = fail(errno, "tmpcopyup: stat %s", sub); break; }
    if (S_ISREG(st.st_mode)) {
      rc = copy_file(sdir, ddir, e->d_name, &st, sub);
    } else if (S_ISLNK(st.st_mode)) {
      rc = copy_symlink(sdir, ddir, e->d_name, &st, sub);
    } else if (S_ISDIR(st.st_mode)) {
      int s2 = openat(sdir, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (s2 < 0) { rc = fail(errno, "tmpcopyup: open %s", sub); break; }
      if (mkdirat(ddir, e->d_name, 0700) < 0) {
        rc = fail(errno, "tmpcopyup: mkdir %s", sub);
        close(s2);
        break;
      }
      int d2 = openat(ddir, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (d2 < 0) {
        rc = fail(errno, "tmpcopyup: open the copy of %s", sub);
        close(s2);
        break;
      }
      rc = copy_tree(s2, d2, sub, depth + 1);
      if (rc == 0) rc = copy_attrs(d2, &st, sub); /* after its entries: they change its mtime */
      close(s2);
      close(d2);
    }
    /* devices, fifos, sockets: skipped */
    if (rc) break;
  }
  closedir(d);
  return rc;
}

int op_tmpcopyup(const struct op *o) {
  const char *step = o->argv[0], *target = o->argv[1], *root = o->argv[2];
  if (strcmp(step, "open") == 0) {
    close_own(&pending_fd);
    if (strlen(target) >= sizeof pending_target) return fail(ENAMETOOLONG, "tmpcopyup: %s", target);
    strcpy(pending_target, target);
    int fd = open_dir_in_root(target, root);
    if (fd < 0) {
      /* No directory there yet: the MOUNT creates it, nothing to copy. */
      if (errno == ENOENT) return 0;
      return fail(errno, "tmpcopyup: open %s (in root %s)", target, root);
    }
    pending_fd = fd;
    own_fd(fd);
    return 0;
  }
  if (strcmp(step, "copy") != 0) return fail(EINVAL, "TMPCOPYUP step must be open or copy, not \"%s\"", step);
  if (strcmp(target, pending_target) != 0) return fail(EINVAL, "TMPCOPYUP copy %s without an open of it", target);
  pending_target[0] = 0;
  if (pending_fd < 0) return 0;
  int dst = open_dir_in_root(target, root);
  if (dst < 0) {
    int e = errno;
    close_own(&pending_fd);
    return fail(e, "tmpcopyup: open the new mount %s (in root %s)", target, root);
  }
  struct stat st;
  int rc = fstat(pending_fd, &st) < 0 ? fail(errno, "tmpcopyup: fstat %s", target) : copy_tree(pending_fd, dst, target, 0);
  /* The tmpfs's root takes the directory's owner, mode and timestamps. */
  if (rc == 0) rc = copy_attrs(dst, &st, target);
  close(dst);
  close_own(&pending_fd);
  return rc;
}
