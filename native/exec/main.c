/* rt-exec <sync-fd>: reads a plan from rt and carries it out (../PLAN.md).
 * Ops before CLONE run here; CLONE makes the container init, which runs the
 * rest. This file holds the phases; the ops live in mounts.c, devices.c,
 * process.c. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec.h"

extern char **environ;

/* A container must never be able to overwrite this binary through
 * /proc/<pid>/exe (runc's CVE-2019-5736): run from a sealed memfd copy. */
static void ensure_sealed_self(char **argv) {
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) return;
  int seals = fcntl(self, F_GET_SEALS);
  const int want = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
  if (seals >= 0 && (seals & want) == want) {
    close(self);
    return;
  }
  struct stat st;
  int mfd = memfd_create("rt-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0 || fstat(self, &st) < 0) goto out;
  for (off_t off = 0; off < st.st_size;) {
    ssize_t n = sendfile(mfd, self, &off, (size_t)(st.st_size - off));
    if (n <= 0) goto out;
  }
  if (fcntl(mfd, F_ADD_SEALS, want) < 0) goto out;
  close(self);
  fexecve(mfd, argv, environ);
out:
  dprintf(2, "rt-exec: cannot run from a sealed copy of itself: %s\n", strerror(errno));
  _exit(1);
}

static const struct { const char *name; int flag; } ns_types[] = {
    {"user", CLONE_NEWUSER}, {"pid", CLONE_NEWPID},       {"mount", CLONE_NEWNS},   {"uts", CLONE_NEWUTS},
    {"ipc", CLONE_NEWIPC},   {"network", CLONE_NEWNET},   {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
};

static int join_ns(const struct op *o) {
  int flag = -1;
  if (o->argc != 2) return errno = EINVAL, fail("NS_JOIN: bad args");
  for (size_t i = 0; i < sizeof ns_types / sizeof *ns_types; i++)
    if (strcmp(o->argv[0], ns_types[i].name) == 0) flag = ns_types[i].flag;
  if (flag < 0) return errno = EINVAL, fail("unknown namespace type %s", o->argv[0]);
  int fd = open(o->argv[1], O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail("open %s: %s", o->argv[1], strerror(errno));
  int r = setns(fd, flag), e = errno;
  close(fd);
  errno = e;
  return r < 0 ? fail("setns %s (%s): %s", o->argv[1], o->argv[0], strerror(e)) : 0;
}

static int connect_console(const char *path) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path) return errno = ENAMETOOLONG, fail("console socket path too long");
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail("socket: %s", strerror(errno));
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    int e = errno;
    close(fd);
    errno = e;
    return fail("connect %s: %s", path, strerror(e));
  }
  return fd;
}

/* State the parent collects before CLONE. */
static struct {
  int detach;
  const char *cgroup_dir;
  long cgroup_op;
  int fifo_fd;
  int console_fd;
  const struct op *uid_map, *gid_map, *setgroups;
  long uid_op, gid_op, setgroups_op;
} pre = {.detach = 1, .fifo_fd = -1, .console_fd = -1};

static int write_proc(pid_t pid, const char *file, const struct op *o, long idx) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
  if (write_file(path, o->argv[0], o->len[0]) < 0) {
    report_error(idx, errno, "write %s: %s", path, strerror(errno));
    return -1;
  }
  return 0;
}

/* After clone: what only the parent can do for the child, then let it go. */
static int prepare_child(pid_t pid) {
  if (pre.setgroups && write_proc(pid, "setgroups", pre.setgroups, pre.setgroups_op)) return -1;
  if (pre.uid_map && write_proc(pid, "uid_map", pre.uid_map, pre.uid_op)) return -1;
  if (pre.gid_map && write_proc(pid, "gid_map", pre.gid_map, pre.gid_op)) return -1;
  if (pre.cgroup_dir) {
    char path[4096], val[32];
    snprintf(path, sizeof path, "%s/cgroup.procs", pre.cgroup_dir);
    int n = snprintf(val, sizeof val, "%d", pid);
    if (write_file(path, val, (size_t)n) < 0) {
      report_error(pre.cgroup_op, errno, "write %s: %s", path, strerror(errno));
      return -1;
    }
  }
  return 0;
}

static int run_child_op(const struct op *o, int status_fd) {
  switch (o->code) {
  case OP_MOUNT: return op_mount(o);
  case OP_PROPAGATE: return op_propagate(o);
  case OP_MAKE_ROOT_PRIVATE: return op_make_root_private(o);
  case OP_BIND_ROOTFS: return op_bind_rootfs(o);
  case OP_PIVOT_ROOT: return op_pivot_root(o);
  case OP_MOVE_ROOT: return op_move_root(o);
  case OP_MASK: return op_mask(o);
  case OP_READONLY: return op_readonly(o);
  case OP_REMOUNT_RO: return op_remount_ro(o);
  case OP_MKNOD: return op_mknod(o);
  case OP_SYMLINK: return op_symlink(o);
  case OP_WAIT_START: return op_wait_start(o, pre.fifo_fd, status_fd);
  case OP_EXEC: op_exec();
  default: return op_simple(o);
  }
}

/* The container init: waits to be released, then runs ops after CLONE. */
static void child(const struct plan *p, size_t first, int release_fd, int status_fd, int unshare_cgroup) {
  char c;
  if (read(release_fd, &c, 1) != 1) _exit(1);
  close(release_fd);
  if (unshare_cgroup && unshare(CLONE_NEWCGROUP) < 0) {
    report_error((long)first - 1, errno, "unshare cgroup namespace: %s", strerror(errno));
    _exit(1);
  }
  for (size_t i = first; i < p->n; i++) {
    if (run_child_op(&p->ops[i], status_fd) < 0) {
      report_error((long)i, errno, "%s", op_msg);
      if (write(status_fd, "E", 1) < 0) _exit(1);
      _exit(1);
    }
  }
  report_error(-1, 0, "plan ended without EXEC");
  _exit(1);
}

/* The executor after clone: release the init, report, wait for READY. */
static int parent(pid_t pid, int release_fd, int status_fd) {
  if (prepare_child(pid) < 0) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return 1;
  }
  report("PID %d", pid);
  if (write(release_fd, "1", 1) != 1) return 1;
  close(release_fd);
  char c = 0;
  ssize_t n;
  do n = read(status_fd, &c, 1);
  while (n < 0 && errno == EINTR);
  int status;
  if (n == 1 && c == 'R') {
    if (pre.detach) return 0;
    close(sync_fd);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  if (n == 1) { /* 'E': the child reported its own error */
    waitpid(pid, NULL, 0);
    return 1;
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  report_error(-1, 0, "container init exited unexpectedly (%s %d)", WIFSIGNALED(status) ? "signal" : "status",
               WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
  return 1;
}

static int do_clone(const struct plan *p, size_t i) {
  const struct op *o = &p->ops[i];
  long long flags;
  if (o->argc != 1 || parse_ll(o->argv[0], &flags)) {
    report_error((long)i, EINVAL, "CLONE: bad flags");
    return 1;
  }
  /* Joining the cgroup happens after clone, so a new cgroup namespace is
   * made by the child once it is in its cgroup (rooted there). */
  int unshare_cgroup = pre.cgroup_dir && (flags & CLONE_NEWCGROUP);
  if (unshare_cgroup) flags &= ~(long long)CLONE_NEWCGROUP;
  int release[2], status[2];
  if (pipe2(release, O_CLOEXEC) < 0 || pipe2(status, O_CLOEXEC) < 0) {
    report_error((long)i, errno, "pipe: %s", strerror(errno));
    return 1;
  }
  pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, NULL);
  if (pid < 0) {
    report_error((long)i, errno, "clone: %s", strerror(errno));
    return 1;
  }
  if (pid == 0) {
    close(release[1]);
    close(status[0]);
    child(p, i + 1, release[0], status[1], unshare_cgroup);
  }
  close(release[0]);
  close(status[1]);
  return parent(pid, release[1], status[0]);
}

int main(int argc, char **argv) {
  long long fd;
  if (argc != 2 || parse_ll(argv[1], &fd) || fd < 3) {
    dprintf(2, "usage: rt-exec <sync-fd> (run by rt, not by hand)\n");
    return 2;
  }
  ensure_sealed_self(argv);
  sync_fd = (int)fd;
  fcntl(sync_fd, F_SETFD, FD_CLOEXEC);
  /* Start from default signal dispositions and an empty mask, whatever the
   * spawner had: the container inherits both across execve. */
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (int s = 1; s < NSIG; s++)
    if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);

  struct plan p;
  char err[256];
  if (plan_read(sync_fd, &p, err, sizeof err) < 0) {
    report_error(-1, EINVAL, "%s", err);
    return 1;
  }
  for (size_t i = 0; i < p.n; i++) {
    const struct op *o = &p.ops[i];
    int r = 0;
    switch (o->code) {
    case OP_MODE: pre.detach = o->argc == 1 && strcmp(o->argv[0], "wait") != 0; break;
    case OP_CGROUP_JOIN: pre.cgroup_dir = o->argv[0]; pre.cgroup_op = (long)i; break;
    case OP_OPEN_FIFO:
      if (mkfifo(o->argv[0], 0600) < 0) r = fail("mkfifo %s: %s", o->argv[0], strerror(errno));
      else if ((pre.fifo_fd = open(o->argv[0], O_RDWR | O_CLOEXEC)) < 0) r = fail("open %s: %s", o->argv[0], strerror(errno));
      break;
    case OP_CONSOLE: r = pre.console_fd = connect_console(o->argv[0]); break;
    case OP_NS_JOIN: r = join_ns(o); break;
    case OP_UID_MAP: pre.uid_map = o; pre.uid_op = (long)i; break;
    case OP_GID_MAP: pre.gid_map = o; pre.gid_op = (long)i; break;
    case OP_SETGROUPS: pre.setgroups = o; pre.setgroups_op = (long)i; break;
    case OP_CLONE: return do_clone(&p, i);
    default: errno = EINVAL; r = fail("op %u cannot run before CLONE", o->code);
    }
    if (r < 0) {
      report_error((long)i, errno, "%s", op_msg);
      return 1;
    }
  }
  report_error(-1, EINVAL, "plan has no CLONE");
  return 1;
}
