/* Process ops: identity, limits, environment, and the final wait and execve. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/close_range.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <dirent.h>

#include "exec.h"

static char **exec_env;
static size_t exec_envc;
static char **exec_argv;
static char exec_path[PATH_MAX];

static int num(const struct op *o, uint32_t i, long long *v) {
  if (i >= o->argc || parse_ll(o->argv[i], v)) return errno = EINVAL, fail("bad number argument %u", i);
  return 0;
}

static int set_rlimit(const struct op *o) {
  long long res, soft, hard;
  if (num(o, 0, &res) || num(o, 1, &soft) || num(o, 2, &hard)) return -1;
  struct rlimit rl = {soft < 0 ? RLIM_INFINITY : (rlim_t)soft, hard < 0 ? RLIM_INFINITY : (rlim_t)hard};
  if (prlimit(0, (int)res, &rl, NULL) < 0) return fail("setrlimit %lld: %s", res, strerror(errno));
  return 0;
}

static int set_groups(const struct op *o) {
  gid_t *gids = calloc(o->argc + 1, sizeof *gids);
  if (!gids) return fail("out of memory");
  for (uint32_t i = 0; i < o->argc; i++) {
    long long g;
    if (num(o, i, &g)) return free(gids), -1;
    gids[i] = (gid_t)g;
  }
  int r = setgroups(o->argc, gids);
  free(gids);
  return r < 0 ? fail("setgroups: %s", strerror(errno)) : 0;
}

static int sysctl(const struct op *o) {
  char path[PATH_MAX];
  if (o->argc != 2) return errno = EINVAL, fail("SYSCTL: bad args");
  int n = snprintf(path, sizeof path, "/proc/sys/%s", o->argv[0]);
  if (n >= (int)sizeof path) return errno = ENAMETOOLONG, fail("sysctl name too long");
  for (char *p = path + 10; *p; p++)
    if (*p == '.') *p = '/';
  if (write_file(path, o->argv[1], o->len[1]) < 0) return fail("write %s: %s", path, strerror(errno));
  return 0;
}

/* Marks every fd >= first close-on-exec: our own fds (sync socket, fifo) are
 * still needed until execve, and none of them may reach the container. */
static int close_fds(long long first) {
  if (syscall(SYS_close_range, (unsigned)first, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return 0;
  DIR *d = opendir("/proc/self/fd");
  if (!d) return fail("list fds: %s", strerror(errno));
  struct dirent *e;
  while ((e = readdir(d))) {
    long long fd;
    if (parse_ll(e->d_name, &fd) == 0 && fd >= first && fd != dirfd(d)) fcntl((int)fd, F_SETFD, FD_CLOEXEC);
  }
  closedir(d);
  return 0;
}

int op_simple(const struct op *o) {
  long long v;
  switch (o->code) {
  case OP_SETHOSTNAME:
    return sethostname(o->argv[0], o->len[0]) < 0 ? fail("sethostname %s: %s", o->argv[0], strerror(errno)) : 0;
  case OP_SETDOMAINNAME:
    return setdomainname(o->argv[0], o->len[0]) < 0 ? fail("setdomainname %s: %s", o->argv[0], strerror(errno)) : 0;
  case OP_SYSCTL:
    return sysctl(o);
  case OP_OOM_SCORE_ADJ:
    if (write_file("/proc/self/oom_score_adj", o->argv[0], o->len[0]) < 0)
      return fail("write /proc/self/oom_score_adj: %s", strerror(errno));
    return 0;
  case OP_RLIMIT:
    return set_rlimit(o);
  case OP_CHDIR:
    return chdir(o->argv[0]) < 0 ? fail("chdir %s: %s", o->argv[0], strerror(errno)) : 0;
  case OP_UMASK:
    if (num(o, 0, &v)) return -1;
    umask((mode_t)v);
    return 0;
  case OP_SETGROUPS_IDS:
    return set_groups(o);
  case OP_SETGID:
    if (num(o, 0, &v)) return -1;
    return setresgid((gid_t)v, (gid_t)v, (gid_t)v) < 0 ? fail("setresgid %lld: %s", v, strerror(errno)) : 0;
  case OP_SETUID:
    if (num(o, 0, &v)) return -1;
    return setresuid((uid_t)v, (uid_t)v, (uid_t)v) < 0 ? fail("setresuid %lld: %s", v, strerror(errno)) : 0;
  case OP_NO_NEW_PRIVS:
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? fail("prctl no_new_privs: %s", strerror(errno)) : 0;
  case OP_ENV: {
    char **grown = realloc(exec_env, (exec_envc + 2) * sizeof *grown);
    if (!grown) return fail("out of memory");
    exec_env = grown;
    exec_env[exec_envc++] = o->argv[0];
    exec_env[exec_envc] = NULL;
    return 0;
  }
  case OP_ARGS:
    if (o->argc == 0) return errno = EINVAL, fail("no program to run");
    exec_argv = o->argv;
    return 0;
  case OP_CLOSE_FDS:
    if (num(o, 0, &v)) return -1;
    return close_fds(v);
  default:
    return errno = ENOSYS, fail("op %u is not supported by this rt-exec", o->code);
  }
}

static int executable(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) return -1;
  if (!S_ISREG(st.st_mode)) return errno = EACCES, -1;
  return access(path, X_OK);
}

/* argv[0] as execvp would find it, through the container environment's PATH. */
static int resolve_program(void) {
  const char *name = exec_argv ? exec_argv[0] : NULL;
  if (!name || !*name) return errno = EINVAL, fail("no program to run");
  if (strchr(name, '/')) {
    if (executable(name) < 0) return fail("%s: %s", name, strerror(errno));
    snprintf(exec_path, sizeof exec_path, "%s", name);
    return 0;
  }
  const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (size_t i = 0; i < exec_envc; i++)
    if (strncmp(exec_env[i], "PATH=", 5) == 0) path = exec_env[i] + 5;
  int last = ENOENT;
  for (const char *p = path;; p++) {
    const char *colon = strchr(p, ':');
    size_t dirlen = colon ? (size_t)(colon - p) : strlen(p);
    if (snprintf(exec_path, sizeof exec_path, "%.*s%s%s", (int)dirlen, p, dirlen ? "/" : "", name) < (int)sizeof exec_path) {
      if (executable(exec_path) == 0) return 0;
      if (errno != ENOENT && errno != ENOTDIR) last = errno;
    }
    if (!colon) break;
    p = colon;
  }
  errno = last;
  return fail("%s: not found in PATH %s", name, path);
}

static const int wait_signals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

static void end_on_signal(int sig) { _exit(128 + sig); }

/* Tells rt (and the executor parent, through status_fd) that the container
 * is created, then blocks until `rt start` writes to the exec fifo. */
int op_wait_start(const struct op *o, int fifo_fd, int status_fd) {
  (void)o;
  if (resolve_program() < 0) return -1;
  /* pid 1 of a pid namespace ignores signals it has no handler for: give the
   * waiting init handlers, so `rt kill` of a created container works. */
  for (size_t i = 0; i < sizeof wait_signals / sizeof *wait_signals; i++) signal(wait_signals[i], end_on_signal);
  report("READY");
  if (write(status_fd, "R", 1) < 0) _exit(1);
  close(status_fd);
  close(sync_fd);
  sync_fd = -1;
  if (fifo_fd >= 0) {
    char c;
    ssize_t n;
    do n = read(fifo_fd, &c, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1) _exit(1);
    close(fifo_fd);
  }
  for (size_t i = 0; i < sizeof wait_signals / sizeof *wait_signals; i++) signal(wait_signals[i], SIG_DFL);
  return 0;
}

void op_exec(void) {
  static char *empty[] = {NULL};
  execve(exec_path, exec_argv, exec_env ? exec_env : empty);
  /* rt has gone by now: stderr is all that is left to tell. */
  dprintf(2, "rt-exec: exec %s: %s\n", exec_path, strerror(errno));
  _exit(127);
}
