/* Idmapped mounts (PLAN.md USERNS_FD, IDMAP_TREE, MOUNT_IDMAP).
 *
 * The kernel lets only a process with CAP_SYS_ADMIN in the user namespace
 * that owns a filesystem's superblock idmap its mounts: for a host
 * filesystem, the initial user namespace. The container's init has no such
 * capability once it is in its own user namespace, so the executor prepares
 * each idmapped tree before CLONE (a detached clone of the source with the
 * idmapping set) and the init, which inherits the fd, only moves it into
 * place in its rootfs. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ops.h"
#include "report.h"
#include "util.h"

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#define RT_MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#define RT_MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#define RT_MOUNT_ATTR_IDMAP 0x00100000

struct rt_idmap_attr {
  uint64_t attr_set, attr_clr, propagation, userns_fd;
};

/* Numbered from 0 in plan order, as the ops that use them name them. */
#define MAX_FDS 256
static int userns[MAX_FDS], trees[MAX_FDS];
static int n_userns, n_trees;

/* USERNS_FD uid-map gid-map: a user namespace that exists only to lend its
 * mapping to mounts. A child of ours is made in it, its maps written from
 * here (we are root in the parent namespace, so any map is allowed and
 * setgroups need not be denied), the namespace kept by an fd, the child
 * reaped. */
int op_userns_fd(const struct op *o) {
  if (n_userns == MAX_FDS) return fail(EINVAL, "USERNS_FD: more than %d", MAX_FDS);
  int hold[2];
  if (pipe2(hold, O_CLOEXEC) < 0) return fail(errno, "pipe2");
  pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
  if (pid < 0) {
    int e = errno;
    close(hold[0]), close(hold[1]);
    return fail(e, "clone CLONE_NEWUSER (user namespace for an idmapped mount)");
  }
  if (pid == 0) { /* wait until the parent holds the namespace (EOF), then go */
    char c;
    close(hold[1]);
    while (read(hold[0], &c, 1) < 0 && errno == EINTR) {}
    _exit(0);
  }
  close(hold[0]);
  char path[64];
  int rc = 0, fd = -1;
  snprintf(path, sizeof path, "%d/uid_map", pid);
  if (write_file_at(S.proc_fd, path, o->argv[0], o->len[0]) < 0) rc = fail(errno, "write /proc/%s", path);
  snprintf(path, sizeof path, "%d/gid_map", pid);
  if (!rc && write_file_at(S.proc_fd, path, o->argv[1], o->len[1]) < 0) rc = fail(errno, "write /proc/%s", path);
  snprintf(path, sizeof path, "%d/ns/user", pid);
  if (!rc && (fd = openat(S.proc_fd, path, O_RDONLY | O_CLOEXEC)) < 0) rc = fail(errno, "open /proc/%s", path);
  close(hold[1]);
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
  if (rc) return rc;
  own_fd(fd);
  userns[n_userns++] = fd;
  return 0;
}

/* IDMAP_TREE source userns-index tree-recursive idmap-recursive: a detached
 * copy of source (the whole tree below it when tree-recursive, as rbind),
 * idmapped with USERNS_FD number userns-index (every mount of the copy when
 * idmap-recursive, as ridmap; else its top mount only, as idmap). */
int op_idmap_tree(const struct op *o) {
  int64_t ui, rec_tree, rec_map;
  if (arg_i64(o, 1, 0, n_userns - 1, &ui) || arg_i64(o, 2, 0, 1, &rec_tree) || arg_i64(o, 3, 0, 1, &rec_map)) return -1;
  if (n_trees == MAX_FDS) return fail(EINVAL, "IDMAP_TREE: more than %d", MAX_FDS);
  const char *src = o->argv[0];
  int fd = (int)syscall(SYS_open_tree, AT_FDCWD, src, OPEN_TREE_CLONE | O_CLOEXEC | (rec_tree ? AT_RECURSIVE : 0));
  if (fd < 0) return fail(errno, "open_tree %s (OPEN_TREE_CLONE%s)", src, rec_tree ? "|AT_RECURSIVE" : "");
  struct rt_idmap_attr attr = {.attr_set = RT_MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns[ui]};
  if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | (rec_map ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0) {
    int e = errno;
    close(fd);
    /* EINVAL here is mostly a filesystem without idmapped mounts (or, with
     * ridmap, one mount below the source on such a filesystem). */
    return fail(e, "mount_setattr %s (MOUNT_ATTR_IDMAP%s)", src, rec_map ? ", AT_RECURSIVE" : "");
  }
  own_fd(fd);
  trees[n_trees++] = fd;
  return 0;
}

/* MOUNT_IDMAP target create root tree-index: the prepared tree moved onto
 * target, resolved (and created) in root as MOUNT's target is. */
int op_mount_idmap(const struct op *o) {
  int64_t ti;
  if (arg_i64(o, 3, 0, n_trees - 1, &ti)) return -1;
  if (trees[ti] < 0) return fail(EINVAL, "MOUNT_IDMAP: tree %lld was already used", (long long)ti);
  int tfd = open_target_in_root(o->argv[0], o->argv[1], o->argv[2]);
  if (tfd < 0) return -1;
  int r = (int)syscall(SYS_move_mount, trees[ti], "", tfd, "", RT_MOVE_MOUNT_F_EMPTY_PATH | RT_MOVE_MOUNT_T_EMPTY_PATH);
  int e = errno;
  close(tfd);
  if (r == 0) remember_bind(o->argv[0], trees[ti]); /* its remount and MOUNT_SETATTR must find it */
  close_own(&trees[ti]);
  return r < 0 ? fail(e, "move_mount idmapped tree onto %s (in root %s)", o->argv[0], o->argv[2]) : 0;
}

void userns_fds_close(int trees_too) {
  for (int i = 0; i < n_userns; i++) close_own(&userns[i]);
  for (int i = 0; trees_too && i < n_trees; i++) close_own(&trees[i]);
}
