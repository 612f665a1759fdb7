/* The console (process.terminal): the parent connects to rt's console socket
 * before clone; the init, inside the container, makes a pty from its own
 * devpts, takes the slave as controlling terminal and stdio, and sends the
 * master back over the socket. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "ops.h"
#include "report.h"
#include "util.h"

int op_console(const struct op *o) {
  const char *path = o->argv[0];
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path) return fail(ENAMETOOLONG, "connect %s (console socket)", path);
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(errno, "socket (console)");
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    int e = errno;
    close(fd);
    return fail(e, "connect %s (console socket)", path);
  }
  close_own(&S.console_fd);
  S.console_fd = fd;
  own_fd(fd);
  return 0;
}

static int send_fd(int sock, int fd, const char *payload) {
  char cbuf[CMSG_SPACE(sizeof(int))];
  memset(cbuf, 0, sizeof cbuf);
  struct iovec iov = {.iov_base = (void *)payload, .iov_len = strlen(payload)};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  ssize_t n;
  do n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n < 0 ? -1 : 0;
}

int op_console_setup(const struct op *o) {
  int64_t owner, rows = 0, cols = 0;
  if (arg_i64(o, 0, 0, 0xfffffffe, &owner)) return -1;
  /* process.consoleSize: both or neither (TypeScript sends both). */
  if (o->argc == 2) return fail(EINVAL, "CONSOLE_SETUP: rows without cols");
  if (o->argc == 3 && (arg_i64(o, 1, 0, 0xffff, &rows) || arg_i64(o, 2, 0, 0xffff, &cols))) return -1;
  if (S.console_fd < 0) return fail(EINVAL, "CONSOLE_SETUP without a CONSOLE op");
  int rc = 0, master = -1, slave = -1;
  char name[64];
  master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return fail(errno, "open /dev/ptmx");
  int unlock = 0;
  unsigned ptn;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0) {
    rc = fail(errno, "ioctl TIOCSPTLCK /dev/ptmx");
    goto out;
  }
  if (ioctl(master, TIOCGPTN, &ptn) < 0) {
    rc = fail(errno, "ioctl TIOCGPTN /dev/ptmx");
    goto out;
  }
  snprintf(name, sizeof name, "/dev/pts/%u", ptn);
  /* TIOCGPTPEER opens the slave of *this* master without a path lookup. */
  slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  if (slave < 0) slave = open(name, O_RDWR | O_NOCTTY);
  if (slave < 0) {
    rc = fail(errno, "open %s", name);
    goto out;
  }
  /* The process owns its terminal (as on a login): it runs as that user
   * later, and devpts made the slave root's. The group stays devpts' gid=. */
  if (fchown(slave, (uid_t)owner, (gid_t)-1) < 0) {
    rc = fail(errno, "fchown %s to uid %lld", name, (long long)owner);
    goto out;
  }
  if (o->argc == 3) {
    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    if (ioctl(slave, TIOCSWINSZ, &ws) < 0) {
      rc = fail(errno, "ioctl TIOCSWINSZ %s (%lld rows, %lld cols)", name, (long long)rows, (long long)cols);
      goto out;
    }
  }
  if (setsid() < 0) {
    rc = fail(errno, "setsid");
    goto out;
  }
  if (ioctl(slave, TIOCSCTTY, 0) < 0) {
    rc = fail(errno, "ioctl TIOCSCTTY %s", name);
    goto out;
  }
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) < 0) {
      rc = fail(errno, "dup2 %s onto %d", name, fd);
      goto out;
    }
  if (send_fd(S.console_fd, master, name) < 0) rc = fail(errno, "sendmsg pty master (console socket)");
out:
  if (slave > 2) close(slave);
  if (master >= 0) close(master);
  close_own(&S.console_fd);
  return rc;
}
