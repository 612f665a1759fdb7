/* Decodes the plan (PLAN.md "Wire format") and checks its shape. Every size
 * is bounded before it is allocated, so a malformed or hostile plan is an
 * error, never a huge allocation or an out-of-bounds read. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plan.h"

/* ANY: either side of CLONE (CPU_AFFINITY: the executor's initial set, the init's final one;
 * OOM_SCORE_ADJ: the executor's, inherited by the init, or the init's own). */
enum phase { PARENT, CHILD, ANY };

/* Arity and phase of every op; name for messages. */
static const struct {
  const char *name;
  uint32_t min, max;
  enum phase phase;
} ops[OP_COUNT] = {
    [OP_END] = {"END", 0, 0, PARENT},
    [OP_MODE] = {"MODE", 1, 1, PARENT},
    [OP_CGROUP_JOIN] = {"CGROUP_JOIN", 1, 2, PARENT},
    [OP_OPEN_FIFO] = {"OPEN_FIFO", 1, 1, PARENT},
    [OP_NS_JOIN] = {"NS_JOIN", 2, 2, PARENT},
    [OP_UID_MAP] = {"UID_MAP", 1, 2, PARENT},
    [OP_GID_MAP] = {"GID_MAP", 1, 2, PARENT},
    [OP_SETGROUPS] = {"SETGROUPS", 1, 1, PARENT},
    [OP_CLONE] = {"CLONE", 1, 1, PARENT},
    [OP_CONSOLE] = {"CONSOLE", 1, 1, PARENT},
    [OP_SETHOSTNAME] = {"SETHOSTNAME", 1, 1, CHILD},
    [OP_SETDOMAINNAME] = {"SETDOMAINNAME", 1, 1, CHILD},
    [OP_MOUNT] = {"MOUNT", 7, 7, CHILD},
    [OP_PROPAGATE] = {"PROPAGATE", 3, 3, CHILD},
    [OP_MAKE_ROOT_PRIVATE] = {"MAKE_ROOT_PRIVATE", 1, 1, CHILD},
    [OP_BIND_ROOTFS] = {"BIND_ROOTFS", 1, 1, CHILD},
    [OP_PIVOT_ROOT] = {"PIVOT_ROOT", 1, 1, CHILD},
    [OP_MOVE_ROOT] = {"MOVE_ROOT", 1, 1, CHILD},
    [OP_MKNOD] = {"MKNOD", 7, 7, CHILD},
    [OP_BIND_DEVICE] = {"BIND_DEVICE", 8, 8, CHILD},
    [OP_SYMLINK] = {"SYMLINK", 2, 2, CHILD},
    [OP_MASK] = {"MASK", 1, 1, CHILD},
    [OP_READONLY] = {"READONLY", 1, 1, CHILD},
    [OP_REMOUNT_RO] = {"REMOUNT_RO", 1, 1, CHILD},
    [OP_SYSCTL] = {"SYSCTL", 2, 2, CHILD},
    [OP_OOM_SCORE_ADJ] = {"OOM_SCORE_ADJ", 1, 1, ANY},
    [OP_RLIMIT] = {"RLIMIT", 3, 3, CHILD},
    [OP_CHDIR] = {"CHDIR", 1, 1, CHILD},
    [OP_UMASK] = {"UMASK", 1, 1, CHILD},
    [OP_SETGROUPS_IDS] = {"SETGROUPS_IDS", 0, PLAN_MAX_ARGC, CHILD},
    [OP_SETGID] = {"SETGID", 1, 1, CHILD},
    [OP_SETUID] = {"SETUID", 1, 1, CHILD},
    [OP_NO_NEW_PRIVS] = {"NO_NEW_PRIVS", 0, 0, CHILD},
    [OP_ENV] = {"ENV", 1, 1, CHILD},
    [OP_ARGS] = {"ARGS", 1, PLAN_MAX_ARGC, CHILD},
    [OP_WAIT_START] = {"WAIT_START", 0, 0, CHILD},
    [OP_CLOSE_FDS] = {"CLOSE_FDS", 1, 1, CHILD},
    [OP_EXEC] = {"EXEC", 0, 0, CHILD},
    [OP_CAPS] = {"CAPS", 5, 5, CHILD},
    [OP_SECCOMP_INIT] = {"SECCOMP_INIT", 2, 2 + 32, CHILD},
    [OP_CONSOLE_SETUP] = {"CONSOLE_SETUP", 1, 3, CHILD},
    [OP_MOUNT_SETATTR] = {"MOUNT_SETATTR", 4, 4, CHILD},
    [OP_KEEP_CAPS] = {"KEEP_CAPS", 1, 1, CHILD},
    [OP_SECCOMP_RULE] = {"SECCOMP_RULE", 2, 2 + 4 * 6, CHILD},
    [OP_SECCOMP_LOAD] = {"SECCOMP_LOAD", 0, PLAN_MAX_ARGC, CHILD},
    [OP_SECCOMP_LISTENER] = {"SECCOMP_LISTENER", 1, 1, PARENT},
    [OP_PERSONALITY] = {"PERSONALITY", 1, 1, CHILD},
    [OP_SCHEDULER] = {"SCHEDULER", 7, 7, CHILD},
    [OP_IOPRIO] = {"IOPRIO", 2, 2, CHILD},
    [OP_CPU_AFFINITY] = {"CPU_AFFINITY", 1, PLAN_MAX_ARGC, ANY},
    [OP_MEMPOLICY] = {"MEMPOLICY", 2, PLAN_MAX_ARGC, CHILD},
    [OP_TIMENS] = {"TIMENS", 1, 1, PARENT},
    [OP_DEVICE_FILTER] = {"DEVICE_FILTER", 2, 2, PARENT},
    [OP_USERNS_FD] = {"USERNS_FD", 2, 2, PARENT},
    [OP_MOUNT_IDMAP] = {"MOUNT_IDMAP", 4, 4, CHILD},
    [OP_IDMAP_TREE] = {"IDMAP_TREE", 4, 4, PARENT},
    [OP_CHROOT] = {"CHROOT", 1, 1, CHILD},
    [OP_NETDEV] = {"NETDEV", 2, 2, PARENT},
    [OP_HOOK_FIFO] = {"HOOK_FIFO", 1, 1, PARENT},
    [OP_HOOK_PID] = {"HOOK_PID", 0, 0, CHILD},
    [OP_HOOK_PAUSE] = {"HOOK_PAUSE", 1, 1, CHILD},
    [OP_HOOK_RUN] = {"HOOK_RUN", 6, PLAN_MAX_ARGC, CHILD},
    [OP_KEYRING] = {"KEYRING", 2, 2, CHILD},
    [OP_DUMPABLE] = {"DUMPABLE", 1, 1, ANY},
    [OP_SETSID] = {"SETSID", 0, 0, CHILD},
    [OP_TMPCOPYUP] = {"TMPCOPYUP", 3, 3, CHILD},
};

const char *op_name(uint32_t code) { return code < OP_COUNT ? ops[code].name : "unknown op"; }

/* Buffered reads from the socket. rt sends nothing after END, so reading
 * ahead can never swallow anything meant for later. */
struct reader {
  int fd;
  unsigned char buf[65536];
  size_t pos, end;
  size_t total; /* bytes consumed: the 4 MiB bound covers the whole plan */
};

static int take(struct reader *r, void *dst, size_t len, char *err, size_t errlen) {
  if (len > PLAN_MAX_BYTES - r->total) {
    snprintf(err, errlen, "plan: larger than %u bytes", PLAN_MAX_BYTES);
    return -1;
  }
  unsigned char *d = dst;
  while (len > 0) {
    if (r->pos == r->end) {
      ssize_t n = read(r->fd, r->buf, sizeof r->buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        snprintf(err, errlen, "plan: truncated after %zu bytes%s%s", r->total, n < 0 ? ": " : "",
                 n < 0 ? strerror(errno) : "");
        return -1;
      }
      r->pos = 0;
      r->end = (size_t)n;
    }
    size_t k = r->end - r->pos < len ? r->end - r->pos : len;
    memcpy(d, r->buf + r->pos, k);
    r->pos += k;
    r->total += k;
    d += k;
    len -= k;
  }
  return 0;
}

static int take_u32(struct reader *r, uint32_t *v, char *err, size_t errlen) {
  unsigned char b[4];
  if (take(r, b, 4, err, errlen)) return -1;
  *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
  return 0;
}

#define OOM() (snprintf(err, errlen, "plan: out of memory"), -1)

int plan_read(int fd, struct plan *out, char *err, size_t errlen) {
  static struct reader r;
  r.fd = fd;
  r.pos = r.end = r.total = 0;
  char magic[8];
  size_t cap = 64;
  out->n = 0;
  out->ops = malloc(cap * sizeof *out->ops);
  if (!out->ops) return OOM();
  if (take(&r, magic, sizeof magic, err, errlen)) return -1;
  if (memcmp(magic, "RTPLAN01", 8) != 0) return snprintf(err, errlen, "plan: bad magic (want RTPLAN01)"), -1;
  for (;;) {
    struct op o = {0};
    if (take_u32(&r, &o.code, err, errlen) || take_u32(&r, &o.argc, err, errlen)) return -1;
    if (o.argc > PLAN_MAX_ARGC)
      return snprintf(err, errlen, "plan: op %zu has %u args (at most %u)", out->n, o.argc, PLAN_MAX_ARGC), -1;
    o.argv = calloc((size_t)o.argc + 1, sizeof *o.argv);
    o.len = calloc((size_t)o.argc + 1, sizeof *o.len);
    if (!o.argv || !o.len) return OOM();
    for (uint32_t i = 0; i < o.argc; i++) {
      uint32_t len;
      if (take_u32(&r, &len, err, errlen)) return -1;
      if (len > PLAN_MAX_BYTES - r.total)
        return snprintf(err, errlen, "plan: larger than %u bytes", PLAN_MAX_BYTES), -1;
      o.argv[i] = malloc((size_t)len + 1);
      if (!o.argv[i]) return OOM();
      if (take(&r, o.argv[i], len, err, errlen)) return -1;
      o.argv[i][len] = 0;
      o.len[i] = len;
    }
    if (o.code == OP_END) {
      if (o.argc != 0) return snprintf(err, errlen, "plan: END with %u args", o.argc), -1;
      return 0;
    }
    if (out->n == PLAN_MAX_OPS) return snprintf(err, errlen, "plan: more than %u ops", PLAN_MAX_OPS), -1;
    if (out->n == cap) {
      cap *= 2;
      struct op *grown = realloc(out->ops, cap * sizeof *grown);
      if (!grown) return OOM();
      out->ops = grown;
    }
    out->ops[out->n++] = o;
  }
}

int plan_check(const struct plan *p, long *bad, char *err, size_t errlen) {
  long clone_at = -1, wait_at = -1;
  for (size_t i = 0; i < p->n; i++) {
    const struct op *o = &p->ops[i];
    *bad = (long)i;
    if (o->code == OP_END || o->code >= OP_COUNT)
      return snprintf(err, errlen, "plan: unknown opcode %u", o->code), -1;
    if (o->argc < ops[o->code].min || o->argc > ops[o->code].max)
      return snprintf(err, errlen, "%s: %u args (want %u to %u)", ops[o->code].name, o->argc, ops[o->code].min,
                      ops[o->code].max), -1;
    /* Args are used as C strings: an embedded NUL would silently cut a path
     * short. Only DEVICE_FILTER's program is binary. */
    for (uint32_t a = 0; a < o->argc; a++)
      if (!(o->code == OP_DEVICE_FILTER && a == 1) && memchr(o->argv[a], 0, o->len[a]))
        return snprintf(err, errlen, "%s: argument %u contains a NUL byte", ops[o->code].name, a), -1;
    if (o->code == OP_CLONE) {
      if (clone_at >= 0) return snprintf(err, errlen, "plan: a second CLONE (first at op %ld)", clone_at), -1;
      clone_at = (long)i;
    } else if (ops[o->code].phase == PARENT && clone_at >= 0) {
      return snprintf(err, errlen, "%s must come before CLONE", ops[o->code].name), -1;
    } else if (ops[o->code].phase == CHILD && clone_at < 0) {
      return snprintf(err, errlen, "%s must come after CLONE", ops[o->code].name), -1;
    }
    if (o->code == OP_WAIT_START) {
      if (wait_at >= 0) return snprintf(err, errlen, "plan: a second WAIT_START (first at op %ld)", wait_at), -1;
      wait_at = (long)i;
    }
    if (o->code == OP_EXEC && i + 1 != p->n) return snprintf(err, errlen, "EXEC must be the last op"), -1;
  }
  *bad = -1;
  if (clone_at < 0) return snprintf(err, errlen, "plan: no CLONE"), -1;
  /* READY comes from WAIT_START: without it the executor could not tell a
   * created container from a dead one. */
  if (wait_at < 0) return snprintf(err, errlen, "plan: no WAIT_START"), -1;
  if (p->n == 0 || p->ops[p->n - 1].code != OP_EXEC) return snprintf(err, errlen, "plan: does not end with EXEC"), -1;
  return 0;
}
