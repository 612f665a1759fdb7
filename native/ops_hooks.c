/* Hooks (config.md "POSIX-platform Hooks"). TypeScript decides which hook
 * runs when and with what; here are only the mechanics:
 *   HOOK_FIFO   parent: the fifo on which the init tells `rt start` how its
 *               startContainer hooks went (they run after READY, when nobody
 *               listens on the sync socket any more);
 *   HOOK_PID    init: its pid as the runtime's /proc names it (the state's pid);
 *   HOOK_PAUSE  init: "HOOKS <kind>" to rt (relayed by the parent), then wait
 *               for rt's go-ahead: rt runs prestart/createRuntime meanwhile;
 *   HOOK_RUN    init: fork + execve one hook with the state on stdin, killed
 *               at its timeout; a failure fails the op (or goes to the fifo). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ops.h"
#include "report.h"
#include "util.h"

static char host_pid[24] = "0";

int op_hook_fifo(const struct op *o) {
  /* Where the init tells `rt start` how its startContainer hooks went. */
  return make_fifo(o->argv[0], &S.hook_fifo_fd);
}

int op_hook_pid(const struct op *o) {
  (void)o;
  /* Before pivot_root /proc is still the runtime's: /proc/self is our host pid
   * even as pid 1 of a new pid namespace. */
  char buf[sizeof host_pid];
  ssize_t n = readlink("/proc/self", buf, sizeof buf - 1);
  if (n <= 0) return fail(n < 0 ? errno : EINVAL, "readlink /proc/self");
  buf[n] = 0;
  memcpy(host_pid, buf, (size_t)n + 1);
  return 0;
}

int op_hook_pause(const struct op *o) {
  /* Through the parent (sync_fd is the status pipe in the init), which waits
   * for rt's answer and writes it to the release pipe. */
  if (S.release_fd < 0) return fail(EINVAL, "HOOK_PAUSE: one per plan");
  if (report("HOOKS %s", o->argv[0]) < 0) _exit(1);
  char c;
  ssize_t n;
  do n = read(S.release_fd, &c, 1);
  while (n < 0 && errno == EINTR);
  /* rt refused (a hook failed) or is gone: the parent kills us anyway. */
  if (n != 1 || c != '1') _exit(1);
  close_own(&S.release_fd); /* nothing of the executor stays with the init */
  return 0;
}

int hooks_relay(const char *line, int release_fd) {
  if (report("%s", line) < 0) return -1;
  char c;
  ssize_t n;
  do n = read(sync_fd, &c, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1 || c != '1') return -1;
  return write(release_fd, "1", 1) == 1 ? 0 : -1;
}

static void write_all(int fd, const char *p, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return; /* the hook does not read its stdin: its business */
    p += n;
    len -= (size_t)n;
  }
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for pid until timeout_s (0: forever); -2 on expiry, else the status. */
static int wait_hook(pid_t pid, int64_t timeout_s) {
  int status;
  if (timeout_s == 0) {
    while (waitpid(pid, &status, 0) < 0)
      if (errno != EINTR) return -1;
    return status;
  }
  long long deadline = now_ms() + timeout_s * 1000;
  int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) {
      status = -1;
      break;
    }
    long long left = deadline - now_ms();
    if (left <= 0) {
      kill(pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
      status = -2;
      break;
    }
    if (pfd >= 0) {
      struct pollfd p = {.fd = pfd, .events = POLLIN};
      poll(&p, 1, (int)(left > INT_MAX ? INT_MAX : left));
    } else {
      struct timespec ts = {0, 1000000}; /* no pidfd (before 5.3): look every ms */
      nanosleep(&ts, NULL);
    }
  }
  if (pfd >= 0) close(pfd);
  return status;
}

/* path, timeout, stdin-prefix, stdin-suffix, report, nargs, arg…, env… */
static int run_hook(const struct op *o) {
  const char *path = o->argv[0];
  int64_t timeout, nargs;
  if (arg_i64(o, 1, 0, INT_MAX, &timeout) || arg_i64(o, 5, 0, (int64_t)o->argc - 6, &nargs)) return -1;
  char *const *args = o->argv + 6;
  char *const *env = o->argv + 6 + nargs; /* the rest, NULL-terminated by the decoder */
  char *dflt[] = {(char *)path, NULL};
  char **argv = dflt;
  if (nargs > 0) {
    argv = calloc((size_t)nargs + 1, sizeof *argv);
    if (!argv) return fail(ENOMEM, "hook argv");
    memcpy(argv, args, (size_t)nargs * sizeof *argv);
  }
  int in[2], err[2];
  if (pipe2(in, O_CLOEXEC) < 0) return fail(errno, "pipe2");
  if (pipe2(err, O_CLOEXEC) < 0) {
    int e = errno;
    close(in[0]), close(in[1]);
    return fail(e, "pipe2");
  }
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(in[0]), close(in[1]), close(err[0]), close(err[1]);
    return fail(e, "fork (hook %s)", path);
  }
  if (pid == 0) {
    /* stdin: the state; stdout too goes to the init's stderr (as runc's
     * hooks' output, it is for diagnostics). */
    if (dup2(in[0], 0) < 0 || dup2(2, 1) < 0) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(path, argv, env);
    int e = errno;
    write_all(err[1], (const char *)&e, sizeof e);
    _exit(127);
  }
  close(in[0]);
  close(err[1]);
  if (argv != dflt) free(argv);
  /* A pipe buffer holds the state; a hook that never reads it must not hang us. */
  fcntl(in[1], F_SETFL, O_NONBLOCK);
  write_all(in[1], o->argv[2], o->len[2]);
  write_all(in[1], host_pid, strlen(host_pid));
  write_all(in[1], o->argv[3], o->len[3]);
  close(in[1]);
  int exec_errno = 0;
  ssize_t n;
  do n = read(err[0], &exec_errno, sizeof exec_errno);
  while (n < 0 && errno == EINTR);
  close(err[0]);
  int status = wait_hook(pid, timeout);
  if (n == (ssize_t)sizeof exec_errno) return fail(exec_errno, "execve %s", path);
  if (status == -2) return fail(0, "timed out after %lld s", (long long)timeout);
  if (status == -1) return fail(errno, "waitpid");
  if (WIFSIGNALED(status)) return fail(0, "killed by signal %d", WTERMSIG(status));
  if (WEXITSTATUS(status) != 0) return fail(0, "exited with status %d", WEXITSTATUS(status));
  return 0;
}

/* report "op": a failure fails the op (create: rt hears of it as ERROR).
 * "fifo"/"fifo-last" (startContainer, after READY): the outcome goes to the
 * HOOK_FIFO, "ERROR <op> <message>" and the init exits; "OK" after the last. */
int op_hook_run(const struct op *o, long idx) {
  const char *how = o->argv[4];
  int to_fifo = strncmp(how, "fifo", 4) == 0;
  if (!to_fifo && strcmp(how, "op") != 0) return fail(EINVAL, "HOOK_RUN report must be op, fifo or fifo-last, not \"%s\"", how);
  if (to_fifo && S.hook_fifo_fd < 0) return fail(EINVAL, "HOOK_RUN to the fifo without HOOK_FIFO");
  if (run_hook(o) == 0) {
    if (strcmp(how, "fifo-last") == 0) {
      dprintf(S.hook_fifo_fd, "OK\n");
      close_own(&S.hook_fifo_fd);
    }
    return 0;
  }
  if (!to_fifo) return -1;
  dprintf(S.hook_fifo_fd, "ERROR %ld %s\n", idx, fail_message());
  _exit(1);
}
