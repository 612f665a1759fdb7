/* Seccomp (linux.seccomp): SECCOMP_LISTENER, SECCOMP_INIT, SECCOMP_RULE,
 * SECCOMP_LOAD (PLAN.md). libseccomp turns the rules into BPF and loads it;
 * every value it is given (actions with their data, flags, arch tokens,
 * comparison operators) arrives as a number that TypeScript chose. This file
 * only hands them over, in plan order. */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ops.h"
#include "report.h"
#include "util.h"

/* The SECCOMP_FILTER_FLAG_* bits of SECCOMP_INIT's flags (linux/seccomp.h). */
#define FLAG_TSYNC 1u
#define FLAG_LOG 2u
#define FLAG_SPEC_ALLOW 4u
#define FLAG_WAIT_KILLABLE_RECV 32u

/* libseccomp learnt SCMP_FLTATR_CTL_WAITKILL in 2.6.0. */
#define HAVE_WAITKILL (SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6))

/* The filter being built: from SECCOMP_INIT to SECCOMP_LOAD. */
static scmp_filter_ctx filter;

int op_seccomp_listener(const struct op *o) {
  const char *path = o->argv[0];
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path) return fail(ENAMETOOLONG, "connect %s (seccomp listener)", path);
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(errno, "socket (seccomp listener)");
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    int e = errno;
    close(fd);
    return fail(e, "connect %s (seccomp listener)", path);
  }
  close_own(&S.seccomp_fd);
  S.seccomp_fd = fd;
  own_fd(fd);
  return 0;
}

static int set_attr(enum scmp_filter_attr attr, uint32_t value, const char *what) {
  int rc = seccomp_attr_set(filter, attr, value);
  return rc < 0 ? fail(-rc, "seccomp_attr_set %s=%u", what, value) : 0;
}

int op_seccomp_init(const struct op *o) {
  uint64_t action, flags;
  if (arg_u64(o, 0, &action) || arg_u64(o, 1, &flags)) return -1;
  if (action > UINT32_MAX) return fail(EINVAL, "SECCOMP_INIT: default action %llu is not a 32-bit value", (unsigned long long)action);
  if (filter) return fail(EINVAL, "SECCOMP_INIT: a filter is already being built (no SECCOMP_LOAD since)");
  uint64_t known = FLAG_TSYNC | FLAG_LOG | FLAG_SPEC_ALLOW | (HAVE_WAITKILL ? FLAG_WAIT_KILLABLE_RECV : 0);
  if (flags & ~known)
    return fail(EINVAL, "SECCOMP_INIT: filter flags %#llx unknown to libseccomp %d.%d.%d",
                (unsigned long long)(flags & ~known), SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
  filter = seccomp_init((uint32_t)action);
  if (!filter) return fail(EINVAL, "seccomp_init: default action %#llx refused", (unsigned long long)action);
  /* no_new_privs is NO_NEW_PRIVS's business (libseccomp would set it on
   * load); and load errors should be the kernel's errno, not libseccomp's. */
  if (set_attr(SCMP_FLTATR_CTL_NNP, 0, "CTL_NNP") || set_attr(SCMP_FLTATR_API_SYSRAWRC, 1, "API_SYSRAWRC")) return -1;
  if ((flags & FLAG_TSYNC) && set_attr(SCMP_FLTATR_CTL_TSYNC, 1, "CTL_TSYNC")) return -1;
  if ((flags & FLAG_LOG) && set_attr(SCMP_FLTATR_CTL_LOG, 1, "CTL_LOG")) return -1;
  if ((flags & FLAG_SPEC_ALLOW) && set_attr(SCMP_FLTATR_CTL_SSB, 1, "CTL_SSB")) return -1;
#if HAVE_WAITKILL
  if ((flags & FLAG_WAIT_KILLABLE_RECV) && set_attr(SCMP_FLTATR_CTL_WAITKILL, 1, "CTL_WAITKILL")) return -1;
#endif
  for (uint32_t i = 2; i < o->argc; i++) {
    uint64_t arch;
    if (arg_u64(o, i, &arch)) return -1;
    if (arch > UINT32_MAX) return fail(EINVAL, "SECCOMP_INIT: arch %llu is not a 32-bit token", (unsigned long long)arch);
    int rc = seccomp_arch_add(filter, (uint32_t)arch);
    /* EEXIST: the native arch, which every new filter has. */
    if (rc < 0 && rc != -EEXIST) return fail(-rc, "seccomp_arch_add %#llx", (unsigned long long)arch);
  }
  return 0;
}

int op_seccomp_rule(const struct op *o) {
  if (!filter) return fail(EINVAL, "SECCOMP_RULE without SECCOMP_INIT");
  if ((o->argc - 2) % 4) return fail(EINVAL, "SECCOMP_RULE: conditions come in fours (index, op, value, value-two)");
  const char *name = o->argv[0];
  uint64_t action;
  if (arg_u64(o, 1, &action)) return -1;
  if (action > UINT32_MAX) return fail(EINVAL, "SECCOMP_RULE %s: action %llu is not a 32-bit value", name, (unsigned long long)action);
  int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR) return fail(EINVAL, "SECCOMP_RULE: libseccomp does not know the syscall \"%s\"", name);
  struct scmp_arg_cmp cmp[6];
  unsigned n = (o->argc - 2) / 4;
  for (unsigned c = 0; c < n; c++) {
    int64_t index, cmpop;
    uint32_t at = 2 + 4 * c;
    if (arg_i64(o, at, 0, 5, &index) || arg_i64(o, at + 1, SCMP_CMP_NE, SCMP_CMP_MASKED_EQ, &cmpop) ||
        arg_u64(o, at + 2, &cmp[c].datum_a) || arg_u64(o, at + 3, &cmp[c].datum_b))
      return -1;
    cmp[c].arg = (unsigned)index;
    cmp[c].op = (enum scmp_compare)cmpop;
  }
  int rc = seccomp_rule_add_array(filter, (uint32_t)action, nr, n, cmp);
  if (rc < 0) return fail(-rc, "seccomp_rule_add %s (action %#llx, %u conditions)", name, (unsigned long long)action, n);
  return 0;
}

/* The payload goes out whole (a stream socket may take it in parts); the fd
 * rides on the first sendmsg only, as the spec asks. */
static int send_state(int sock, int fd, const char *payload, size_t len) {
  char cbuf[CMSG_SPACE(sizeof(int))];
  memset(cbuf, 0, sizeof cbuf);
  size_t off = 0;
  int first = 1;
  while (off < len || first) {
    struct iovec iov = {.iov_base = (void *)(payload + off), .iov_len = len - off};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (first) {
      msg.msg_control = cbuf;
      msg.msg_controllen = sizeof cbuf;
      struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    off += (size_t)n;
    first = 0;
  }
  return 0;
}

/* The args joined by the init's host pid: the state JSON names it twice. */
static char *join_by_pid(const struct op *o, size_t *len) {
  char pid[24];
  int plen = snprintf(pid, sizeof pid, "%d", (int)S.init_host_pid);
  size_t total = 0;
  for (uint32_t i = 0; i < o->argc; i++) total += o->len[i] + (i ? (size_t)plen : 0);
  char *out = malloc(total + 1), *p = out;
  if (!out) return NULL;
  for (uint32_t i = 0; i < o->argc; i++) {
    if (i) memcpy(p, pid, (size_t)plen), p += plen;
    memcpy(p, o->argv[i], o->len[i]), p += o->len[i];
  }
  *p = 0;
  *len = total;
  return out;
}

int op_seccomp_load(const struct op *o) {
  if (!filter) return fail(EINVAL, "SECCOMP_LOAD without SECCOMP_INIT");
  if (o->argc == 1) return fail(EINVAL, "SECCOMP_LOAD: one payload piece (want none, or two or more around the pid)");
  if (o->argc >= 2 && S.seccomp_fd < 0) return fail(EINVAL, "SECCOMP_LOAD with a payload but no SECCOMP_LISTENER");
  /* The payload is made before the filter is in force: between the load and
   * the sendmsg the init makes no syscall that the filter could hand to an
   * agent which does not have the fd yet. */
  size_t len = 0;
  char *payload = NULL;
  if (o->argc >= 2 && !(payload = join_by_pid(o, &len))) return fail(ENOMEM, "SECCOMP_LOAD: payload");
  /* The context is not released: its memory goes at execve, and releasing
   * it could close the notify fd handed on below. */
  scmp_filter_ctx loaded = filter;
  filter = NULL;
  int rc = seccomp_load(loaded);
  if (rc < 0) {
    free(payload);
    return fail(-rc, "seccomp_load");
  }
  if (!payload) return 0;
  int fd = seccomp_notify_fd(loaded);
  if (fd < 0) rc = fail(-fd, "seccomp_notify_fd");
  else if (send_state(S.seccomp_fd, fd, payload, len) < 0) rc = fail(errno, "sendmsg seccomp fd and state (seccomp listener)");
  free(payload);
  if (fd >= 0) close(fd);
  close_own(&S.seccomp_fd);
  return rc;
}
