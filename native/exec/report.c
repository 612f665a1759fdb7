/* Reports to rt: one ASCII line per event on the sync socket. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"

int sync_fd = -1;
char op_msg[1024];

static void send_line(const char *line, size_t len) {
  while (len > 0 && sync_fd >= 0) {
    ssize_t n = write(sync_fd, line, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    line += n;
    len -= (size_t)n;
  }
}

void report(const char *fmt, ...) {
  char buf[2048];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n > sizeof buf - 2) n = sizeof buf - 2;
  buf[n++] = '\n';
  send_line(buf, (size_t)n);
}

void report_error(long op, int err, const char *fmt, ...) {
  char msg[1536];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  /* One line: a newline inside a path must not split the report. */
  for (char *p = msg; *p; p++)
    if (*p == '\n') *p = ' ';
  report("ERROR %ld %d %s", op, err, msg);
}

int fail(const char *fmt, ...) {
  int saved = errno;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(op_msg, sizeof op_msg, fmt, ap);
  va_end(ap);
  errno = saved;
  return -1;
}
