/* The init's process attributes: limits, identity, umask, cwd, no_new_privs,
 * oom_score_adj, sysctls. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops.h"
#include "report.h"
#include "util.h"

#define MAX_ID 0xfffffffe /* (uid_t)-1 means "unchanged" to the kernel */

int op_sysctl(const struct op *o) {
  const char *key = o->argv[0];
  char path[PATH_MAX];
  if (!*key || key[0] == '/' || key[0] == '.') return fail(EINVAL, "SYSCTL: bad key \"%s\"", key);
  if (snprintf(path, sizeof path, "/proc/sys/%s", key) >= (int)sizeof path) return fail(ENAMETOOLONG, "SYSCTL %s", key);
  /* Every '.' becomes '/': no ".." can survive, so the key stays under /proc/sys. */
  for (char *p = path + strlen("/proc/sys/"); *p; p++)
    if (*p == '.') *p = '/';
  if (write_file_at(AT_FDCWD, path, o->argv[1], o->len[1]) < 0) return fail(errno, "write %s", path);
  return 0;
}

int op_oom_score_adj(const struct op *o) {
  int64_t v;
  if (arg_i64(o, 0, -1000, 1000, &v)) return -1;
  if (write_file_at(AT_FDCWD, "/proc/self/oom_score_adj", o->argv[0], o->len[0]) < 0)
    return fail(errno, "write /proc/self/oom_score_adj (%s)", o->argv[0]);
  return 0;
}

static const char *const rlimit_names[] = {
    "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS",
    "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING",
    "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
};

/* "-1" is RLIM_INFINITY; anything else an unsigned 64-bit value. */
static int rlim_arg(const struct op *o, uint32_t i, rlim_t *out) {
  if (strcmp(o->argv[i], "-1") == 0) {
    *out = RLIM_INFINITY;
    return 0;
  }
  uint64_t v;
  if (arg_u64(o, i, &v)) return -1;
  *out = (rlim_t)v;
  return 0;
}

int op_rlimit(const struct op *o) {
  int64_t res;
  struct rlimit rl;
  if (arg_i64(o, 0, 0, 63, &res) || rlim_arg(o, 1, &rl.rlim_cur) || rlim_arg(o, 2, &rl.rlim_max)) return -1;
  if (prlimit(0, (int)res, &rl, NULL) < 0) {
    char name[32];
    snprintf(name, sizeof name, "%s", res < 16 ? rlimit_names[res] : "resource");
    return fail(errno, "prlimit %s (%lld) soft %s hard %s", name, (long long)res, o->argv[1], o->argv[2]);
  }
  return 0;
}

int op_chdir(const struct op *o) {
  if (chdir(o->argv[0]) < 0) return fail(errno, "chdir %s", o->argv[0]);
  return 0;
}

int op_umask(const struct op *o) {
  int64_t v;
  if (arg_i64(o, 0, 0, 0777, &v)) return -1;
  umask((mode_t)v);
  return 0;
}

int op_setgroups_ids(const struct op *o) {
  gid_t *gids = calloc((size_t)o->argc + 1, sizeof *gids);
  if (!gids) return fail(ENOMEM, "setgroups");
  for (uint32_t i = 0; i < o->argc; i++) {
    int64_t g;
    if (arg_i64(o, i, 0, MAX_ID, &g)) return free(gids), -1;
    gids[i] = (gid_t)g;
  }
  int r = setgroups(o->argc, gids), e = errno;
  free(gids);
  return r < 0 ? fail(e, "setgroups (%u groups)", o->argc) : 0;
}

int op_setgid(const struct op *o) {
  int64_t v;
  if (arg_i64(o, 0, 0, MAX_ID, &v)) return -1;
  /* EINVAL: the gid has no mapping in the init's user namespace. */
  if (setresgid((gid_t)v, (gid_t)v, (gid_t)v) < 0)
    return fail(errno, "setresgid %lld%s", (long long)v, errno == EINVAL ? " (not mapped in the user namespace)" : "");
  return 0;
}

int op_setuid(const struct op *o) {
  int64_t v;
  if (arg_i64(o, 0, 0, MAX_ID, &v)) return -1;
  if (setresuid((uid_t)v, (uid_t)v, (uid_t)v) < 0)
    return fail(errno, "setresuid %lld%s", (long long)v, errno == EINVAL ? " (not mapped in the user namespace)" : "");
  return 0;
}

int op_no_new_privs(const struct op *o) {
  (void)o;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return fail(errno, "prctl PR_SET_NO_NEW_PRIVS");
  return 0;
}

/* prctl(PR_SET_DUMPABLE): 0 keeps processes of the namespaces being joined
 * from ptrace and /proc/<pid>/{mem,environ,fd} access to this process (and
 * to the child, which inherits it) while it still holds rt's privileges;
 * execve makes the program dumpable again. */
int op_dumpable(const struct op *o) {
  int v;
  if (strcmp(o->argv[0], "0") == 0) v = 0;
  else if (strcmp(o->argv[0], "1") == 0) v = 1;
  else return fail(EINVAL, "DUMPABLE must be 0 or 1, not \"%s\"", o->argv[0]);
  if (prctl(PR_SET_DUMPABLE, v, 0, 0, 0) < 0) return fail(errno, "prctl PR_SET_DUMPABLE %d", v);
  return 0;
}

/* SETSID: the init leads a session of its own, as runc's init does (a
 * terminal's CONSOLE_SETUP makes one instead). Otherwise its session is its
 * caller's, whose leader is outside the container's pid namespace: CRIU then
 * refuses to checkpoint it, and the container shares a session with rt. */
int op_setsid(void) {
  if (setsid() < 0) return fail(errno, "setsid");
  return 0;
}
