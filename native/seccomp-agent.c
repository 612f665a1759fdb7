/* seccomp-agent SOCKET STATE-FILE ERRNO: a seccomp notify agent for the
 * tests (linux.seccomp.listenerPath). It listens on the unix socket SOCKET,
 * takes one connection, receives the container process state JSON with the
 * seccomp fd (SCM_RIGHTS), saves the JSON to STATE-FILE, then answers every
 * notified mkdir/mkdirat with -ERRNO (ERRNO 0: success, without making
 * anything) and lets any other notified syscall go on. Prints "LISTENING"
 * once it listens and "<syscall> <pid>" for each answer; exits when the
 * container is gone. Host side only, linked with libseccomp. */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int die(const char *what) {
  fprintf(stderr, "seccomp-agent: %s: %s\n", what, strerror(errno));
  return 1;
}

/* The whole state (the runtime closes the connection after it) and the fd
 * that came with its first part. */
static int receive(int c, char *buf, size_t cap, size_t *len, int *fd) {
  *len = 0;
  *fd = -1;
  for (;;) {
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {.iov_base = buf + *len, .iov_len = cap - 1 - *len};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
    ssize_t n = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) memcpy(fd, CMSG_DATA(cm), sizeof *fd);
    if (n == 0 || *len + (size_t)n == cap - 1) break;
    *len += (size_t)n;
  }
  buf[*len] = 0;
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fputs("usage: seccomp-agent SOCKET STATE-FILE ERRNO\n", stderr);
    return 2;
  }
  int answer = atoi(argv[3]);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(argv[1]) >= sizeof addr.sun_path) return fputs("seccomp-agent: socket path too long\n", stderr), 2;
  strcpy(addr.sun_path, argv[1]);
  int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (ls < 0) return die("socket");
  if (bind(ls, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(ls, 1) < 0) return die(argv[1]);
  printf("LISTENING\n");
  fflush(stdout);
  int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
  if (c < 0) return die("accept");
  static char state[1 << 20];
  size_t len;
  int fd;
  if (receive(c, state, sizeof state, &len, &fd) < 0) return die("recvmsg");
  close(c);
  FILE *f = fopen(argv[2], "w");
  if (!f || fwrite(state, 1, len, f) != len || fclose(f) != 0) return die(argv[2]);
  if (fd < 0) return fputs("seccomp-agent: no fd came with the state\n", stderr), 1;

  struct seccomp_notif *req;
  struct seccomp_notif_resp *resp;
  if (seccomp_notify_alloc(&req, &resp) < 0) return fputs("seccomp-agent: seccomp_notify_alloc failed\n", stderr), 1;
  for (;;) {
    int rc = seccomp_notify_receive(fd, req);
    if (rc == -EINTR) continue;
    if (rc < 0) break; /* the container is gone */
    char *name = seccomp_syscall_resolve_num_arch(req->data.arch, req->data.nr);
    int is_mkdir = name && (!strcmp(name, "mkdir") || !strcmp(name, "mkdirat"));
    memset(resp, 0, sizeof *resp);
    resp->id = req->id;
    if (is_mkdir) resp->error = -answer;
    else resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    printf("%s %u\n", name ? name : "?", req->pid);
    fflush(stdout);
    free(name);
    /* ENOENT: the caller died meanwhile; go on with the others. */
    seccomp_notify_respond(fd, resp);
  }
  seccomp_notify_free(req, resp);
  return 0;
}
