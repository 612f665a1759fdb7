/* Namespaces: joining (NS_JOIN), creating (CLONE), what the parent does for
 * the new init before releasing it (id maps, cgroup), and the UTS names. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ops.h"
#include "report.h"
#include "util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
  const char *name;
  int flag;
} ns_types[] = {
    {"user", CLONE_NEWUSER}, {"pid", CLONE_NEWPID},       {"mount", CLONE_NEWNS},      {"uts", CLONE_NEWUTS},
    {"ipc", CLONE_NEWIPC},   {"network", CLONE_NEWNET},   {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
};

int op_ns_join(const struct op *o) {
  int flag = -1;
  for (size_t i = 0; i < sizeof ns_types / sizeof *ns_types; i++)
    if (strcmp(o->argv[0], ns_types[i].name) == 0) flag = ns_types[i].flag;
  if (flag < 0) return fail(EINVAL, "NS_JOIN: unknown namespace type \"%s\"", o->argv[0]);
  /* O_NONBLOCK: a fifo at that path must not hang the executor in open(). */
  int fd = open(o->argv[1], O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return fail(errno, "open %s (%s namespace)", o->argv[1], o->argv[0]);
  /* The flag makes the kernel check that the file is a namespace of that type. */
  int r = setns(fd, flag), e = errno;
  close(fd);
  return r < 0 ? fail(e, "setns %s (%s namespace)", o->argv[1], o->argv[0]) : 0;
}

/* Opened now, written after clone: the dir is resolved in the executor's own
 * mount namespace, even if a later NS_JOIN mount changes what paths mean.
 * The first CGROUP_JOIN is the container's cgroup (unified hierarchy); any
 * later one is another hierarchy's (v1 devices), joined by migration. */
int op_cgroup_join(const struct op *o, long idx) {
  int born = o->argc > 1 && strcmp(o->argv[1], "born") == 0;
  if (o->argc > 1 && !born && strcmp(o->argv[1], "migrate") != 0)
    return fail(EINVAL, "CGROUP_JOIN: mode must be born or migrate, not %s", o->argv[1]);
  int first = S.cgroup_fd < 0;
  if (!first && born) return fail(EINVAL, "CGROUP_JOIN: only the first CGROUP_JOIN can be born (the init is cloned into one cgroup)");
  if (!first && S.n_cgroup_extra == RT_MAX_EXTRA_CGROUPS)
    return fail(EINVAL, "CGROUP_JOIN: more than %d of them", RT_MAX_EXTRA_CGROUPS + 1);
  int fd = open(o->argv[0], O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail(errno, "open cgroup %s", o->argv[0]);
  own_fd(fd);
  /* A migration's cgroup.procs is opened now, while the executor is still in
   * rt's namespaces: the kernel checks the write against the opener's
   * credentials and cgroup namespace (Linux 5.16+), and a later NS_JOIN of
   * the container's cgroup namespace (a delegation boundary under
   * nsdelegate) or user namespace would make it ENOENT or EACCES. */
  int procs = -1;
  if (!born) {
    procs = openat(fd, "cgroup.procs", O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (procs < 0) {
      int e = errno;
      close_own(&fd);
      return fail(e, "open %s/cgroup.procs", o->argv[0]);
    }
    own_fd(procs);
  }
  if (!first) {
    close_own(&fd); /* the dir itself is needed for CLONE_INTO_CGROUP only */
    fd = procs;
    S.cgroup_extra_fd[S.n_cgroup_extra] = fd;
    S.cgroup_extra_path[S.n_cgroup_extra] = o->argv[0];
    S.cgroup_extra_op[S.n_cgroup_extra++] = idx;
    return 0;
  }
  S.cgroup_fd = fd;
  S.cgroup_procs_fd = procs;
  S.cgroup_op = idx;
  /* "born": rt made this cgroup just now, so the init may be cloned into it.
   * Not for an older cgroup: a kernel that has seen cgroup.kill written there
   * can kill a child cloned into it (CLONE_INTO_CGROUP) at birth. */
  S.cgroup_born = born;
  return 0;
}

void close_cgroup_fds(void) {
  close_own(&S.cgroup_fd);
  close_own(&S.cgroup_procs_fd);
  for (int i = 0; i < S.n_cgroup_extra; i++) close_own(&S.cgroup_extra_fd[i]);
}

int clone_flags(const struct op *o, unsigned long long *flags) {
  const unsigned long long allowed = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
                                     CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWTIME;
  uint64_t v;
  if (arg_u64(o, 0, &v)) return -1;
  /* Anything but CLONE_NEW* (CLONE_VM, CLONE_FILES …) would share state with
   * the executor and break every assumption below. */
  if (v & ~allowed) return fail(EINVAL, "CLONE: flags %#llx are not CLONE_NEW* flags", (unsigned long long)(v & ~allowed));
  *flags = v;
  return 0;
}

/* struct clone_args of clone3(2), version 2 (88 bytes, with `cgroup`).
 * Spelled out here because <linux/sched.h> clashes with glibc's <sched.h>. */
struct clone3_args {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};
#define RT_CLONE_INTO_CGROUP 0x200000000ULL

pid_t clone_child(unsigned long long flags) {
  /* clone3 with no stack behaves like fork; it is also the only way to pass
   * CLONE_NEWTIME (whose bit is CSIGNAL's in the old clone). With a cgroup,
   * CLONE_INTO_CGROUP has the init born in it: writing its pid to
   * cgroup.procs afterwards is a migration that costs milliseconds. */
  struct clone3_args args = {.flags = flags, .exit_signal = SIGCHLD};
  long pid = -1;
  if (S.cgroup_fd >= 0 && S.cgroup_born) {
    args.flags |= RT_CLONE_INTO_CGROUP;
    args.cgroup = (uint64_t)S.cgroup_fd;
    pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid >= 0) {
      if (pid > 0) S.cgroup_joined = 1;
      return (pid_t)pid;
    }
    /* Older kernels (< 5.7) or a cgroup v1 fd: join by writing cgroup.procs. */
    args.flags = flags;
    args.cgroup = 0;
  }
  pid = syscall(SYS_clone3, &args, 64);
  if (pid < 0 && errno == ENOSYS && !(flags & CLONE_NEWTIME))
    pid = syscall(SYS_clone, (unsigned long)flags | SIGCHLD, 0, 0, 0, 0);
  return (pid_t)pid;
}

static int write_proc(pid_t pid, const char *file, const struct op *o) {
  char path[64];
  snprintf(path, sizeof path, "%d/%s", pid, file);
  if (write_file_at(S.proc_fd, path, o->argv[0], o->len[0]) < 0) return fail(errno, "write /proc/%s", path);
  return 0;
}

/* UID_MAP/GID_MAP with a helper (rootless: newuidmap, newgidmap, setuid
 * programs that check /etc/subuid and /etc/subgid): `helper <pid> <the
 * map's numbers…>`, its output on our stderr, its exit status the verdict. */
static int run_map_helper(pid_t pid, const struct op *o) {
  char *argv[2 + 4096 / 2 + 1], pidstr[16], buf[4096];
  if (o->len[0] >= sizeof buf) return fail(E2BIG, "%s: map of %u bytes", o->argv[1], o->len[0]);
  memcpy(buf, o->argv[0], o->len[0] + 1);
  snprintf(pidstr, sizeof pidstr, "%d", pid);
  int n = 0;
  argv[n++] = o->argv[1];
  argv[n++] = pidstr;
  for (char *save = NULL, *t = strtok_r(buf, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save)) argv[n++] = t;
  argv[n] = NULL;
  pid_t h = fork();
  if (h < 0) return fail(errno, "fork (for %s)", o->argv[1]);
  if (h == 0) {
    char *envp[] = {NULL};
    dup2(2, 1);
    execve(o->argv[1], argv, envp);
    dprintf(2, "rt-exec: execve %s: %s\n", o->argv[1], strerror(errno));
    _exit(127);
  }
  int status;
  while (waitpid(h, &status, 0) < 0)
    if (errno != EINTR) return fail(errno, "waitpid %s", o->argv[1]);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return fail(0, "%s %d: exited with status %d", o->argv[1], pid, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  return 0;
}

static int write_map(pid_t pid, const char *file, const struct op *o) {
  return o->argc > 1 ? run_map_helper(pid, o) : write_proc(pid, file, o);
}

int prepare_child(pid_t pid, long *op) {
  /* setgroups must be written before gid_map, or the kernel refuses "deny". */
  if (S.setgroups && (*op = S.setgroups_op, write_proc(pid, "setgroups", S.setgroups) < 0)) return -1;
  if (S.uid_map && (*op = S.uid_map_op, write_map(pid, "uid_map", S.uid_map) < 0)) return -1;
  if (S.gid_map && (*op = S.gid_map_op, write_map(pid, "gid_map", S.gid_map) < 0)) return -1;
  char val[32];
  int n = snprintf(val, sizeof val, "%d", pid);
  if (S.cgroup_fd >= 0 && !S.cgroup_joined) {
    *op = S.cgroup_op;
    /* born, where the kernel refused CLONE_INTO_CGROUP: opened only now */
    if ((S.cgroup_procs_fd >= 0 ? write_fd(S.cgroup_procs_fd, val, (size_t)n) : write_file_at(S.cgroup_fd, "cgroup.procs", val, (size_t)n)) < 0)
      return fail(errno, "write %d to cgroup.procs", pid);
  }
  /* Every hierarchy before the init is released: it never runs outside them. */
  for (int i = 0; i < S.n_cgroup_extra; i++) {
    *op = S.cgroup_extra_op[i];
    if (write_fd(S.cgroup_extra_fd[i], val, (size_t)n) < 0)
      return fail(errno, "write %d to %s/cgroup.procs", pid, S.cgroup_extra_path[i]);
  }
  if (netdev_apply(pid, op) < 0) return -1;
  *op = -1;
  return 0;
}

int op_sethostname(const struct op *o) {
  if (sethostname(o->argv[0], o->len[0]) < 0) return fail(errno, "sethostname \"%s\"", o->argv[0]);
  return 0;
}

int op_setdomainname(const struct op *o) {
  if (setdomainname(o->argv[0], o->len[0]) < 0) return fail(errno, "setdomainname \"%s\"", o->argv[0]);
  return 0;
}
