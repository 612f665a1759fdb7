/* rt-exec <sync-fd>: reads a plan from rt and carries it out (PLAN.md).
 *
 * Phases: ops before CLONE run here, in the executor ("parent"). CLONE makes
 * the container init ("child"), which waits until the parent has written its
 * id maps and cgroup, then runs every op after CLONE. The child sends its one
 * report (READY, or ERROR) up a status pipe; the parent relays it to rt on
 * the sync socket, an ERROR only after it has killed and reaped the child. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe_flags.h"
#include "ops.h"
#include "plan.h"
#include "report.h"
#include "util.h"

struct exec_state S = {.proc_fd = -1, .cgroup_fd = -1, .cgroup_procs_fd = -1, .fifo_fd = -1, .console_fd = -1, .seccomp_fd = -1, .hook_fifo_fd = -1, .release_fd = -1};

static int run_parent_op(const struct op *o, long i) {
  switch (o->code) {
  case OP_MODE:
    if (strcmp(o->argv[0], "wait") == 0) S.wait_mode = 1;
    else if (strcmp(o->argv[0], "detach") == 0) S.wait_mode = 0;
    else return fail(EINVAL, "MODE must be detach or wait, not \"%s\"", o->argv[0]);
    return 0;
  case OP_CGROUP_JOIN: return op_cgroup_join(o, i);
  case OP_OPEN_FIFO: return op_open_fifo(o);
  case OP_NS_JOIN: return op_ns_join(o);
  case OP_UID_MAP: S.uid_map = o, S.uid_map_op = i; return 0;
  case OP_GID_MAP: S.gid_map = o, S.gid_map_op = i; return 0;
  case OP_SETGROUPS:
    if (strcmp(o->argv[0], "allow") != 0 && strcmp(o->argv[0], "deny") != 0)
      return fail(EINVAL, "SETGROUPS must be allow or deny, not \"%s\"", o->argv[0]);
    S.setgroups = o, S.setgroups_op = i;
    return 0;
  case OP_CONSOLE: return op_console(o);
  case OP_SECCOMP_LISTENER: return op_seccomp_listener(o);
  case OP_CPU_AFFINITY: return op_cpu_affinity(o);
  case OP_OOM_SCORE_ADJ: return op_oom_score_adj(o); /* inherited by the init */
  case OP_TIMENS: return op_timens(o);
  case OP_DEVICE_FILTER: return op_device_filter(o);
  case OP_USERNS_FD: return op_userns_fd(o);
  case OP_IDMAP_TREE: return op_idmap_tree(o);
  case OP_NETDEV: return op_netdev(o, i);
  case OP_HOOK_FIFO: return op_hook_fifo(o);
  case OP_DUMPABLE: return op_dumpable(o);
  default: return fail(EINVAL, "%s cannot run in the executor", op_name(o->code));
  }
}

static int run_child_op(const struct op *o, long i) {
  switch (o->code) {
  case OP_SETHOSTNAME: return op_sethostname(o);
  case OP_SETDOMAINNAME: return op_setdomainname(o);
  case OP_MOUNT: return op_mount(o);
  case OP_PROPAGATE: return op_propagate(o);
  case OP_MOUNT_SETATTR: return op_mount_setattr(o);
  case OP_MAKE_ROOT_PRIVATE: return op_make_root_private(o);
  case OP_BIND_ROOTFS: return op_bind_rootfs(o);
  case OP_PIVOT_ROOT: return op_pivot_root(o);
  case OP_MOVE_ROOT: return op_move_root(o);
  case OP_MKNOD: return op_mknod(o);
  case OP_BIND_DEVICE: return op_bind_device(o);
  case OP_SYMLINK: return op_symlink(o);
  case OP_MASK: return op_mask(o);
  case OP_READONLY: return op_readonly(o);
  case OP_REMOUNT_RO: return op_remount_ro(o);
  case OP_SYSCTL: return op_sysctl(o);
  case OP_OOM_SCORE_ADJ: return op_oom_score_adj(o);
  case OP_RLIMIT: return op_rlimit(o);
  case OP_CHDIR: return op_chdir(o);
  case OP_UMASK: return op_umask(o);
  case OP_SETGROUPS_IDS: return op_setgroups_ids(o);
  case OP_SETGID: return op_setgid(o);
  case OP_SETUID: return op_setuid(o);
  case OP_NO_NEW_PRIVS: return op_no_new_privs(o);
  case OP_ENV: return op_env(o);
  case OP_ARGS: return op_args(o);
  case OP_WAIT_START: return op_wait_start(o);
  case OP_CLOSE_FDS: return op_close_fds(o);
  case OP_EXEC: return op_exec(o);
  case OP_CONSOLE_SETUP: return op_console_setup(o);
  case OP_CAPS: return op_caps(o);
  case OP_KEEP_CAPS: return op_keep_caps(o);
  case OP_SECCOMP_INIT: return op_seccomp_init(o);
  case OP_SECCOMP_RULE: return op_seccomp_rule(o);
  case OP_SECCOMP_LOAD: return op_seccomp_load(o);
  case OP_PERSONALITY: return op_personality(o);
  case OP_SCHEDULER: return op_scheduler(o);
  case OP_IOPRIO: return op_ioprio(o);
  case OP_CPU_AFFINITY: return op_cpu_affinity(o);
  case OP_MEMPOLICY: return op_mempolicy(o);
  case OP_MOUNT_IDMAP: return op_mount_idmap(o);
  case OP_CHROOT: return op_chroot(o);
  case OP_HOOK_PID: return op_hook_pid(o);
  case OP_HOOK_PAUSE: return op_hook_pause(o);
  case OP_HOOK_RUN: return op_hook_run(o, i);
  case OP_KEYRING: return op_keyring(o);
  case OP_DUMPABLE: return op_dumpable(o);
  case OP_SETSID: return op_setsid();
  case OP_TMPCOPYUP: return op_tmpcopyup(o);
  /* Never skip an op silently: an unknown one fails the create. */
  default: return fail(ENOSYS, "%s: this rt-exec does not carry it out", op_name(o->code));
  }
}

/* The container init: waits to be released, then runs the ops after CLONE.
 * Its reports go to the parent (sync_fd is the status pipe here), which
 * relays them: an ERROR reaches rt only once this process is dead. */
static void __attribute__((noreturn)) child(const struct plan *p, size_t clone_at, int release_fd, int unshare_cgroup,
                                            int dumpable_for_maps) {
  /* Until READY the init must not outlive the executor (rt would never hear
   * of it); WAIT_START lifts this. If the parent is already gone, the read
   * below sees EOF. */
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  /* See do_clone: dumpable only while the parent writes the id maps. */
  if (dumpable_for_maps && (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0 || write(sync_fd, "M", 1) != 1)) _exit(1);
  /* The release is the init's own pid as the executor sees it (a pid
   * namespace hides it from getpid): SECCOMP_LOAD sends it to the listener. */
  pid_t pid;
  size_t got = 0;
  while (got < sizeof pid) {
    ssize_t n = read(release_fd, (char *)&pid + got, sizeof pid - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(1); /* the parent gave up on us */
    got += (size_t)n;
  }
  S.init_host_pid = pid;
  /* HOOK_PAUSE waits on it for rt's go-ahead (and closes it then); without
   * one, the init holds no pipe to the executor. */
  for (size_t i = clone_at + 1; i < p->n && S.release_fd < 0; i++)
    if (p->ops[i].code == OP_HOOK_PAUSE) S.release_fd = release_fd;
  if (S.release_fd < 0) close_own(&release_fd);
  if (dumpable_for_maps && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
    fail(errno, "prctl PR_SET_DUMPABLE 0");
    report_error((long)clone_at, fail_errno(), fail_message());
    _exit(1);
  }
  if (unshare_cgroup && unshare(CLONE_NEWCGROUP) < 0) {
    fail(errno, "unshare CLONE_NEWCGROUP");
    report_error((long)clone_at, fail_errno(), fail_message());
    _exit(1);
  }
  for (size_t i = clone_at + 1; i < p->n; i++) {
    const struct op *o = &p->ops[i];
    if (run_child_op(o, (long)i) == 0) continue;
    report_error((long)i, fail_errno(), fail_message());
    /* A failed execve after READY: the exit status is all rt can still see. */
    _exit(o->code != OP_EXEC ? 1 : fail_errno() == ENOENT ? 127 : 126);
  }
  _exit(1); /* not reached: plan_check makes EXEC the last op */
}

static int kill_and_reap(pid_t pid) {
  int status = 0;
  kill(pid, SIGKILL);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  return status;
}

static int shell_status(int status) { return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status); }

/* The init's one report (READY or ERROR …) from the status pipe, without its
 * newline; "" if the init died without one. Gives up (returns NULL) if rt
 * hangs up first: nobody would ever learn about this container. */
static const char *await_report(int status_fd) {
  static char line[4096];
  size_t len = 0;
  struct pollfd fds[2] = {{.fd = status_fd, .events = POLLIN}, {.fd = sync_fd, .events = 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return NULL;
    }
    if (fds[0].revents) {
      ssize_t n = read(status_fd, line + len, sizeof line - 1 - len);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break; /* EOF: the init is gone */
      len += (size_t)n;
      char *nl = memchr(line, '\n', len);
      if (nl) {
        *nl = 0;
        return line;
      }
      if (len == sizeof line - 1) break;
      continue;
    }
    if (fds[1].revents & (POLLHUP | POLLERR)) return NULL;
  }
  line[0] = 0;
  return line;
}

/* The executor after clone: prepare and release the init, then relay its
 * report (and, in mode wait, its exit). Returns the executor's exit code. */
static int parent(pid_t pid, int release_fd, int status_fd, int dumpable_for_maps) {
  /* Those are the init's now. */
  close_own(&S.fifo_fd);
  close_own(&S.hook_fifo_fd);
  close_own(&S.console_fd);
  close_own(&S.seccomp_fd);
  if (dumpable_for_maps) { /* the init's "M": it is dumpable, its maps can be written */
    char c;
    ssize_t n;
    do n = read(status_fd, &c, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1 || c != 'M') {
      int status = kill_and_reap(pid);
      char msg[160];
      snprintf(msg, sizeof msg, "container init exited before its id maps were written (status %d)", shell_status(status));
      report_error(-1, 0, msg);
      return 1;
    }
  }
  long bad;
  if (prepare_child(pid, &bad) < 0) {
    kill_and_reap(pid);
    report_error(bad, fail_errno(), fail_message());
    return 1;
  }
  /* PID goes out before the init runs, so it precedes whatever it reports. */
  if (report("PID %d", pid) < 0) {
    kill_and_reap(pid);
    return 1;
  }
  if (write(release_fd, &pid, sizeof pid) != (ssize_t)sizeof pid) { /* the init died: await_report sees EOF */ }

  /* HOOK_PAUSE: the init waits while rt runs prestart/createRuntime hooks. */
  const char *line;
  while ((line = await_report(status_fd)) && strncmp(line, "HOOKS ", 6) == 0) {
    if (hooks_relay(line, release_fd) < 0) {
      kill_and_reap(pid);
      return 1;
    }
  }
  close_own(&release_fd);
  close_own(&status_fd);
  if (!line) { /* rt is gone */
    kill_and_reap(pid);
    return 1;
  }
  if (strncmp(line, "ERROR ", 6) == 0) {
    /* The contract: after ERROR the init is gone. Make it so, then tell. */
    kill_and_reap(pid);
    report("%s", line);
    return 1;
  }
  if (strcmp(line, "READY") != 0) {
    int status = kill_and_reap(pid);
    char msg[160];
    if (WIFSIGNALED(status))
      snprintf(msg, sizeof msg, "container init exited unexpectedly (status %d: signal %d)", shell_status(status), WTERMSIG(status));
    else
      snprintf(msg, sizeof msg, "container init exited unexpectedly (status %d)", shell_status(status));
    report_error(-1, 0, msg);
    return 1;
  }
  if (report("READY") < 0) { /* rt is gone: nobody knows this container */
    kill_and_reap(pid);
    return 1;
  }
  if (!S.wait_mode) return 0; /* detach: the init is reparented */
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  int code = shell_status(status);
  report("EXIT %d", code); /* rt may have stopped listening: that is fine */
  return code;
}

static int do_clone(const struct plan *p, size_t at) {
  unsigned long long flags;
  if (clone_flags(&p->ops[at], &flags) < 0) goto fail;
  /* With CGROUP_JOIN the new cgroup namespace is made by the init itself once
   * it is in its cgroup, so the namespace is rooted there. */
  int unshare_cgroup = S.cgroup_fd >= 0 && (flags & CLONE_NEWCGROUP);
  if (unshare_cgroup) flags &= ~(unsigned long long)CLONE_NEWCGROUP;
  /* The init is non-dumpable (main), so its /proc/<pid> files belong to
   * root. Root writes its uid_map, gid_map and setgroups all the same, and
   * newuidmap/newgidmap check the owner of /proc/<pid> itself, which stays
   * the init's; but an executor that is not root (rootless) writing the maps
   * itself needs the files its own: for that the init makes itself dumpable
   * until it is released, as runc does around its map writes. It is then in
   * a user namespace of its own, owned by that same user, so no one the
   * user does not already trust can reach it meanwhile. */
  int dumpable_for_maps = (flags & CLONE_NEWUSER) && geteuid() != 0 &&
                          ((S.uid_map && S.uid_map->argc == 1) || (S.gid_map && S.gid_map->argc == 1) || S.setgroups);
  int release[2], status[2];
  if (pipe2(release, O_CLOEXEC) < 0) {
    fail(errno, "pipe2");
    goto fail;
  }
  if (pipe2(status, O_CLOEXEC) < 0) {
    fail(errno, "pipe2");
    goto fail;
  }
  for (int i = 0; i < 2; i++) own_fd(release[i]), own_fd(status[i]);
  /* rt's cwd is a host directory the init has no use for (every path of the
   * plan is absolute; CONSOLE has connected by now): not one to hold. */
  if (chdir("/") < 0) {
    fail(errno, "chdir /");
    goto fail;
  }
  pid_t pid = clone_child(flags);
  if (pid < 0) {
    fail(errno, "clone (flags %#llx)", flags);
    goto fail;
  }
  if (pid == 0) {
    close_own(&release[1]);
    close_own(&status[0]);
    /* The init reports through the parent only (see await_report). */
    close_own(&sync_fd);
    /* The host's /proc and the cgroup dir are the parent's business; an fd
     * to either must not sit in the init while a container could reach it. */
    close_own(&S.proc_fd);
    close_cgroup_fds();
    userns_fds_close(0);
    netdev_close();
    sync_fd = status[1];
    sync_is_pipe = 1;
    child(p, at, release[0], unshare_cgroup, dumpable_for_maps);
  }
  close_own(&release[0]);
  close_own(&status[1]);
  userns_fds_close(1);
  return parent(pid, release[1], status[0], dumpable_for_maps);
fail:
  report_error((long)at, fail_errno(), fail_message());
  return 1;
}

int main(int argc, char **argv) {
  int64_t fd;
  /* rt features: a probe of the kernel, no plan (probe_flags.c). */
  if (argc >= 2 && strcmp(argv[1], "--seccomp-flags") == 0) return probe_seccomp_flags(argc - 2, argv + 2);
  if (argc != 2 || parse_i64(argv[1], 3, INT_MAX, &fd) || fcntl((int)fd, F_GETFD) < 0) {
    dprintf(2, "usage: rt-exec <sync-fd>  (started by rt, which sends the plan on sync-fd)\n");
    return 2;
  }
  /* Before anything else, and before sync-fd becomes close-on-exec. */
  ensure_sealed_self(argv, (int)fd);

  sync_fd = (int)fd;
  own_fd(sync_fd);
  fcntl(sync_fd, F_SETFD, FD_CLOEXEC);
  int fl = fcntl(sync_fd, F_GETFL);
  if (fl >= 0 && (fl & O_NONBLOCK)) fcntl(sync_fd, F_SETFL, fl & ~O_NONBLOCK); /* our own end: blocking reads */

  /* The init inherits mask and dispositions across execve: start clean,
   * whatever rt's runtime (Node, Bun) left behind. */
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  struct sigaction dfl = {.sa_handler = SIG_DFL};
  for (int s = 1; s < NSIG; s++)
    if (s != SIGKILL && s != SIGSTOP) sigaction(s, &dfl, NULL);

  S.proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (S.proc_fd < 0) {
    fail(errno, "open /proc");
    report_error(-1, fail_errno(), fail_message());
    return 1;
  }
  own_fd(S.proc_fd);

  struct plan p;
  char err[512];
  long bad;
  if (plan_read(sync_fd, &p, err, sizeof err) < 0) {
    report_error(-1, EINVAL, err);
    return 1;
  }
  if (plan_check(&p, &bad, err, sizeof err) < 0) {
    report_error(bad, EINVAL, err);
    return 1;
  }
  int dumpable = 1;
  for (size_t i = 0; i < p.n; i++) {
    /* Non-dumpable from the first op on (a leading OOM_SCORE_ADJ aside) until
     * the init's execve, which resets it. The init is cloned from this
     * process, lives in the pid namespace the container joins, and until
     * pivot_root its root, cwd and fds are host ones: dumpable, anyone there
     * with CAP_SYS_PTRACE over the init's user namespace (the root of a
     * joined user namespace) could read them through /proc/<pid>/root, cwd
     * and fd, or open its exe; non-dumpable, only a holder of CAP_SYS_PTRACE
     * on the host can. Before any NS_JOIN too, so the executor itself is
     * never reachable from a namespace it joins. It also gives the files of
     * /proc/<pid> to root: /proc/self/oom_score_adj is then no longer
     * writable by a non-root executor (rootless), so OOM_SCORE_ADJ comes
     * first (the init inherits the value), and see do_clone for the id maps. */
    if (dumpable && p.ops[i].code != OP_OOM_SCORE_ADJ) {
      if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
        fail(errno, "prctl PR_SET_DUMPABLE 0");
        report_error((long)i, fail_errno(), fail_message());
        return 1;
      }
      dumpable = 0;
    }
    if (p.ops[i].code == OP_CLONE) return do_clone(&p, i);
    if (run_parent_op(&p.ops[i], (long)i) < 0) {
      report_error((long)i, fail_errno(), fail_message());
      return 1;
    }
  }
  return 1; /* not reached: plan_check requires a CLONE */
}
