/* Runs the executor from a sealed memfd copy of itself. The container init
 * starts life as this process, and a process in the container can open
 * /proc/<init>/exe; were that the rt-exec file on the host, a container could
 * overwrite it for the next container (CVE-2019-5736). A sealed memfd is a
 * private, unwritable copy that disappears with the last process using it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "ops.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux 6.3: say explicitly that the memfd is executable */
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020 /* Linux 6.3: no chmod of the exec bits */
#endif

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

/* Before the plan is read there is no op: failures are ERROR -1. */
static void die(int report_fd, const char *what) {
  int e = errno;
  char line[512];
  int n = snprintf(line, sizeof line, "ERROR -1 %d %s: %s\n", e, what, strerror(e));
  if (n > 0 && write(report_fd, line, (size_t)n) < 0) { /* nobody left to tell */ }
  _exit(1);
}

void ensure_sealed_self(char **argv, int report_fd) {
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) die(report_fd, "open /proc/self/exe");
  int seals = fcntl(self, F_GET_SEALS);
  if (seals >= 0 && (seals & SEALS) == SEALS) { /* already the sealed copy */
    close(self);
    return;
  }
  int mfd = memfd_create("rt-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (mfd < 0 && errno == EINVAL) mfd = memfd_create("rt-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0) die(report_fd, "memfd_create rt-exec");
  for (;;) {
    ssize_t n = sendfile(mfd, self, NULL, 1 << 20);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die(report_fd, "sendfile /proc/self/exe to memfd");
    if (n == 0) break;
  }
  close(self);
  if (fcntl(mfd, F_ADD_SEALS, SEALS | F_SEAL_EXEC) < 0 && fcntl(mfd, F_ADD_SEALS, SEALS) < 0)
    die(report_fd, "fcntl F_ADD_SEALS memfd");
  /* Run it through a read-only fd and drop the writable one, so that no
   * writer of the copy exists at all. */
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", mfd);
  int ro = open(path, O_RDONLY | O_CLOEXEC);
  if (ro < 0) die(report_fd, "reopen memfd read-only");
  close(mfd);
  fexecve(ro, argv, environ);
  die(report_fd, "fexecve sealed memfd copy of rt-exec");
}
