/* Namespaces: joining (NS_JOIN), creating (CLONE), what the parent does for
 * the new init before releasing it (id maps, cgroup), and the UTS names. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
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
 * mount namespace, even if a later NS_JOIN mount changes what paths mean. */
int op_cgroup_join(const struct op *o, long idx) {
  close_own(&S.cgroup_fd);
  S.cgroup_fd = open(o->argv[0], O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (S.cgroup_fd < 0) return fail(errno, "open cgroup %s", o->argv[0]);
  own_fd(S.cgroup_fd);
  S.cgroup_op = idx;
  /* "born": rt made this cgroup just now, so the init may be cloned into it.
   * Not for an older cgroup: a kernel that has seen cgroup.kill written there
   * can kill a child cloned into it (CLONE_INTO_CGROUP) at birth. */
  S.cgroup_born = o->argc > 1 && strcmp(o->argv[1], "born") == 0;
  if (o->argc > 1 && !S.cgroup_born && strcmp(o->argv[1], "migrate") != 0)
    return fail(EINVAL, "CGROUP_JOIN: mode must be born or migrate, not %s", o->argv[1]);
  return 0;
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

int prepare_child(pid_t pid, long *op) {
  /* setgroups must be written before gid_map, or the kernel refuses "deny". */
  if (S.setgroups && (*op = S.setgroups_op, write_proc(pid, "setgroups", S.setgroups) < 0)) return -1;
  if (S.uid_map && (*op = S.uid_map_op, write_proc(pid, "uid_map", S.uid_map) < 0)) return -1;
  if (S.gid_map && (*op = S.gid_map_op, write_proc(pid, "gid_map", S.gid_map) < 0)) return -1;
  if (S.cgroup_fd >= 0 && !S.cgroup_joined) {
    char val[32];
    int n = snprintf(val, sizeof val, "%d", pid);
    *op = S.cgroup_op;
    if (write_file_at(S.cgroup_fd, "cgroup.procs", val, (size_t)n) < 0)
      return fail(errno, "write %d to cgroup.procs", pid);
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
