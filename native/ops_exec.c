/* The end of the plan: the exec fifo, environment and argv, closing inherited
 * fds, waiting for `rt start`, and execve. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops.h"
#include "report.h"
#include "util.h"

static char **exec_env;
static size_t exec_envc;
static char *const *exec_argv;
static char exec_path[PATH_MAX]; /* argv[0] resolved; empty until then */

int op_open_fifo(const struct op *o) {
  /* The exec fifo: `rt start` writes its byte here (O_RDWR: a reader always exists, so that open never blocks). */
  return make_fifo(o->argv[0], &S.fifo_fd);
}

int op_env(const struct op *o) {
  char **grown = realloc(exec_env, (exec_envc + 2) * sizeof *grown);
  if (!grown) return fail(ENOMEM, "ENV");
  exec_env = grown;
  exec_env[exec_envc++] = o->argv[0];
  exec_env[exec_envc] = NULL;
  return 0;
}

int op_args(const struct op *o) {
  exec_argv = o->argv; /* NULL-terminated by the decoder */
  exec_path[0] = 0;
  return 0;
}

/* Closes every fd >= first that is not one of ours (ours are O_CLOEXEC and
 * go at execve, and some are still needed until then). */
int op_close_fds(const struct op *o) {
  int64_t first;
  if (arg_i64(o, 0, 0, INT_MAX, &first)) return -1;
  /* close_range over the gaps between our own fds. */
  int own[64], n = own_fds(own, 64);
  unsigned lo = (unsigned)first;
  for (int i = 0; i < n; i++) {
    if ((unsigned)own[i] < lo) continue;
    if ((unsigned)own[i] > lo && close_range(lo, (unsigned)own[i] - 1, 0) < 0) goto by_listing;
    lo = (unsigned)own[i] + 1;
  }
  if (close_range(lo, ~0u, 0) == 0) return 0;
by_listing:
  /* No close_range (before Linux 5.9): read the list, then close. */
  {
    DIR *d = opendir("/proc/self/fd");
    if (!d) return fail(errno, "opendir /proc/self/fd");
    int fds[4096], n = 0;
    struct dirent *e;
    int64_t fd;
    while ((e = readdir(d)) && n < 4096)
      if (parse_i64(e->d_name, 0, INT_MAX, &fd) == 0 && fd >= first && fd != dirfd(d) && !is_own_fd((int)fd))
        fds[n++] = (int)fd;
    closedir(d);
    for (int i = 0; i < n; i++) close(fds[i]);
  }
  return 0;
}

static int executable(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) return -1;
  if (!S_ISREG(st.st_mode)) return errno = EACCES, -1;
  return access(path, X_OK);
}

/* argv[0] as execvp would find it, but through the *container's* PATH (from
 * the ENV ops), checked as the container user in the container's root. */
static int resolve_program(void) {
  if (exec_path[0]) return 0;
  const char *name = exec_argv ? exec_argv[0] : NULL;
  if (!name || !*name) return fail(ENOENT, "no program to run (empty argv[0])");
  if (strchr(name, '/')) {
    if (executable(name) < 0) return fail(errno, "exec %s", name);
    if (strlen(name) >= sizeof exec_path) return fail(ENAMETOOLONG, "exec %s", name);
    strcpy(exec_path, name);
    return 0;
  }
  const char *path = NULL;
  for (size_t i = 0; i < exec_envc && !path; i++)
    if (strncmp(exec_env[i], "PATH=", 5) == 0) path = exec_env[i] + 5;
  if (!path) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  int err = ENOENT;
  for (const char *p = path;;) {
    const char *colon = strchr(p, ':');
    size_t dirlen = colon ? (size_t)(colon - p) : strlen(p);
    /* An empty entry is the current directory, as for execvp. */
    int n = snprintf(exec_path, sizeof exec_path, "%.*s%s%s", (int)dirlen, p, dirlen ? "/" : "", name);
    if (n > 0 && (size_t)n < sizeof exec_path) {
      if (executable(exec_path) == 0) return 0;
      if (errno == EACCES) err = EACCES; /* found, but not runnable: say so */
    }
    if (!colon) break;
    p = colon + 1;
  }
  exec_path[0] = 0;
  return fail(err, "exec %s (searched PATH=%s)", name, path);
}

static const int stop_signals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

static void end_on_signal(int sig) { _exit(128 + sig); }

static void set_stop_handlers(void (*h)(int)) {
  struct sigaction sa = {.sa_handler = h};
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < sizeof stop_signals / sizeof *stop_signals; i++) sigaction(stop_signals[i], &sa, NULL);
}

int op_wait_start(const struct op *o) {
  (void)o;
  /* Fail `create`, not `start`, for a program that cannot run. */
  if (resolve_program() < 0) return -1;
  /* As pid 1 of a new pid namespace the init ignores signals it has no
   * handler for: give it handlers, so a created container can be killed. */
  set_stop_handlers(end_on_signal);
  /* From READY on the init lives on its own (mode detach: the executor exits). */
  prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
  /* In the init, sync_fd is the status pipe to the parent, which relays
   * READY to rt; closing it is the "close the sync socket" of PLAN.md. */
  if (report("READY") < 0) _exit(1);
  close_own(&sync_fd);
  if (S.fifo_fd >= 0) {
    char c;
    ssize_t n;
    do n = read(S.fifo_fd, &c, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1) _exit(1);
    close_own(&S.fifo_fd);
  }
  set_stop_handlers(SIG_DFL);
  return 0;
}

int op_exec(const struct op *o) {
  (void)o;
  static char *empty[] = {NULL};
  if (resolve_program() < 0) return -1;
  execve(exec_path, exec_argv, exec_env ? exec_env : empty);
  return fail(errno, "execve %s", exec_path);
}
