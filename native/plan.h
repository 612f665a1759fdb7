/* The plan: decoded from the wire format of PLAN.md into an array of ops. */
#ifndef RT_PLAN_H
#define RT_PLAN_H

#include <stddef.h>
#include <stdint.h>

/* Opcodes: must match `enum Op` in src/process/wire.ts. */
enum op_code {
  OP_END = 0, OP_MODE = 1, OP_CGROUP_JOIN = 2, OP_OPEN_FIFO = 3, OP_NS_JOIN = 4, OP_UID_MAP = 5,
  OP_GID_MAP = 6, OP_SETGROUPS = 7, OP_CLONE = 8, OP_CONSOLE = 9, OP_SETHOSTNAME = 10,
  OP_SETDOMAINNAME = 11, OP_MOUNT = 12, OP_PROPAGATE = 13, OP_MAKE_ROOT_PRIVATE = 14,
  OP_BIND_ROOTFS = 15, OP_PIVOT_ROOT = 16, OP_MOVE_ROOT = 17, OP_MKNOD = 18, OP_BIND_DEVICE = 19,
  OP_SYMLINK = 20, OP_MASK = 21, OP_READONLY = 22, OP_REMOUNT_RO = 23, OP_SYSCTL = 24,
  OP_OOM_SCORE_ADJ = 25, OP_RLIMIT = 26, OP_CHDIR = 27, OP_UMASK = 28, OP_SETGROUPS_IDS = 29,
  OP_SETGID = 30, OP_SETUID = 31, OP_NO_NEW_PRIVS = 32, OP_ENV = 33, OP_ARGS = 34,
  OP_WAIT_START = 35, OP_CLOSE_FDS = 36, OP_EXEC = 37, OP_CAPS = 38, OP_SECCOMP_INIT = 39,
  OP_CONSOLE_SETUP = 40, OP_MOUNT_SETATTR = 41, OP_KEEP_CAPS = 42, OP_SECCOMP_RULE = 43,
  OP_SECCOMP_LOAD = 44, OP_SECCOMP_LISTENER = 45, OP_PERSONALITY = 46, OP_SCHEDULER = 47,
  OP_IOPRIO = 48, OP_CPU_AFFINITY = 49, OP_MEMPOLICY = 50, OP_TIMENS = 51, OP_DEVICE_FILTER = 52,
  OP_USERNS_FD = 53, OP_MOUNT_IDMAP = 54, OP_CHROOT = 55, OP_IDMAP_TREE = 56, OP_NETDEV = 57,
  OP_HOOK_FIFO = 58, OP_HOOK_PID = 59, OP_HOOK_PAUSE = 60, OP_HOOK_RUN = 61, OP_KEYRING = 62, OP_DUMPABLE = 63, OP_SETSID = 64,
  OP_TMPCOPYUP = 65,
  OP_COUNT
};

/* Limits of PLAN.md "Wire format": checked before anything is allocated. */
#define PLAN_MAX_BYTES (4u << 20)
#define PLAN_MAX_ARGC 4096u
#define PLAN_MAX_OPS 65536u

struct op {
  uint32_t code;
  uint32_t argc;
  char **argv;   /* argc strings, each NUL-terminated, then a NULL (ARGS uses it as execve's argv) */
  uint32_t *len; /* wire length of each arg */
};

struct plan {
  struct op *ops;
  size_t n; /* END excluded */
};

/* Reads a plan from fd. 0, or -1 with a message in err. */
int plan_read(int fd, struct plan *out, char *err, size_t errlen);

/* Checks every op's arity and phase (parent ops before the one CLONE, child
 * ops after it, EXEC last) before any op runs. 0, or -1 with *bad set to the
 * offending op index (-1: the plan as a whole) and a message in err. */
int plan_check(const struct plan *p, long *bad, char *err, size_t errlen);

const char *op_name(uint32_t code);

#endif
