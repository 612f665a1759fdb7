/* Report lines (PLAN.md "Reports"): to rt on the sync socket, or, in the
 * init, to the executor on the status pipe (a pipe: write(), since send()
 * says ENOTSOCK there). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "report.h"

int sync_fd = -1;
int sync_is_pipe;

static char msg_buf[2048];
static int msg_errno;

/* MSG_NOSIGNAL: rt may have closed its end (it stops reading after READY,
 * so a late EXIT meets a closed socket); that must be EPIPE, not SIGPIPE. */
static int send_all(const char *p, size_t len) {
  /* The init knows its channel is a pipe: a seccomp filter loaded by then
   * may refuse send() with an errno of its own, not ENOTSOCK. */
  int use_write = sync_is_pipe;
  while (len > 0) {
    ssize_t n = use_write ? write(sync_fd, p, len) : send(sync_fd, p, len, MSG_NOSIGNAL);
    if (n < 0 && errno == ENOTSOCK && !use_write) {
      use_write = 1;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

int report(const char *fmt, ...) {
  char line[sizeof msg_buf + 64];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return -1;
  if ((size_t)n > sizeof line - 2) n = (int)sizeof line - 2;
  /* One report a line: a newline inside a path must not start a new one. */
  for (int i = 0; i < n; i++)
    if (line[i] == '\n' || line[i] == '\r') line[i] = ' ';
  line[n++] = '\n';
  if (sync_fd < 0) return -1;
  return send_all(line, (size_t)n);
}

void report_error(long op, int err, const char *msg) {
  if (sync_fd >= 0 && report("ERROR %ld %d %s", op, err, msg) == 0) return;
  /* After READY rt is no longer listening: stderr is all that is left. */
  dprintf(2, "rt-exec: op %ld: %s\n", op, msg);
}

int fail(int err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(msg_buf, sizeof msg_buf, fmt, ap);
  va_end(ap);
  if (err && n >= 0 && (size_t)n < sizeof msg_buf)
    snprintf(msg_buf + n, sizeof msg_buf - (size_t)n, ": %s", strerror(err));
  msg_errno = err;
  errno = err;
  return -1;
}

int fail_errno(void) { return msg_errno; }
const char *fail_message(void) { return msg_buf; }
