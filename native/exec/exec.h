/* rt-exec: carries out a plan of ops between clone and execve (see ../PLAN.md).
 * It makes no decisions: every choice arrives in the plan from TypeScript. */
#ifndef RT_EXEC_H
#define RT_EXEC_H

#include <stddef.h>
#include <stdint.h>

enum op_code {
  OP_END = 0, OP_MODE = 1, OP_CGROUP_JOIN = 2, OP_OPEN_FIFO = 3, OP_NS_JOIN = 4, OP_UID_MAP = 5,
  OP_GID_MAP = 6, OP_SETGROUPS = 7, OP_CLONE = 8, OP_CONSOLE = 9, OP_SETHOSTNAME = 10,
  OP_SETDOMAINNAME = 11, OP_MOUNT = 12, OP_PROPAGATE = 13, OP_MAKE_ROOT_PRIVATE = 14,
  OP_BIND_ROOTFS = 15, OP_PIVOT_ROOT = 16, OP_MOVE_ROOT = 17, OP_MKNOD = 18, OP_BIND_DEVICE = 19,
  OP_SYMLINK = 20, OP_MASK = 21, OP_READONLY = 22, OP_REMOUNT_RO = 23, OP_SYSCTL = 24,
  OP_OOM_SCORE_ADJ = 25, OP_RLIMIT = 26, OP_CHDIR = 27, OP_UMASK = 28, OP_SETGROUPS_IDS = 29,
  OP_SETGID = 30, OP_SETUID = 31, OP_NO_NEW_PRIVS = 32, OP_ENV = 33, OP_ARGS = 34,
  OP_WAIT_START = 35, OP_CLOSE_FDS = 36, OP_EXEC = 37, OP_CAPS = 38, OP_SECCOMP = 39,
  OP_CONSOLE_SETUP = 40,
};

struct op {
  uint32_t code;
  uint32_t argc;
  char **argv;   /* each NUL-terminated (a copy of the wire bytes) */
  uint32_t *len; /* byte length of each arg */
};

struct plan {
  struct op *ops;
  size_t n;
};

/* plan.c */
int plan_read(int fd, struct plan *out, char *err, size_t errlen);

/* report.c: lines to rt over the sync socket */
extern int sync_fd;
void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void report_error(long op, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* util.c */
int parse_ll(const char *s, long long *out);
int write_file(const char *path, const char *data, size_t len);

/* Ops return 0, or -1 with errno set and a message in op_msg. */
extern char op_msg[1024];
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* mounts.c */
int op_mount(const struct op *o);
int op_propagate(const struct op *o);
int op_make_root_private(const struct op *o);
int op_bind_rootfs(const struct op *o);
int op_pivot_root(const struct op *o);
int op_move_root(const struct op *o);
int op_mask(const struct op *o);
int op_readonly(const struct op *o);
int op_remount_ro(const struct op *o);

/* devices.c */
int op_mknod(const struct op *o);
int op_symlink(const struct op *o);

/* process.c */
int op_simple(const struct op *o);      /* hostname, sysctl, rlimit, ids, env, args, ... */
int op_wait_start(const struct op *o, int fifo_fd, int status_fd);
void op_exec(void) __attribute__((noreturn));

#endif
