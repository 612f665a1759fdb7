/* Process attributes: PERSONALITY, SCHEDULER, IOPRIO, CPU_AFFINITY, MEMPOLICY,
 * TIMENS (PLAN.md ops 46–51). TypeScript has turned every name into the
 * kernel's number; here each op is one syscall, and a refusal names the
 * syscall and the values it was given. */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ops.h"
#include "report.h"
#include "util.h"

#define MAX_ID_NUMBER 8191 /* highest CPU or node a list may name (TypeScript's MAX_CPU_OR_NODE) */

/* PERSONALITY persona */
int op_personality(const struct op *o) {
  int64_t p;
  if (arg_i64(o, 0, 0, 0xfffffffe, &p)) return -1; /* 0xffffffff only queries */
  if (personality((unsigned long)p) < 0) return fail(errno, "personality %#llx", (unsigned long long)p);
  return 0;
}

/* struct sched_attr as sched_setattr(2) takes it, first version (48 bytes):
 * the utilisation clamps of later versions are nothing the spec can set. */
struct rt_sched_attr {
  uint32_t size, sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime, sched_deadline, sched_period;
};

/* SCHEDULER policy flags nice priority runtime deadline period */
int op_scheduler(const struct op *o) {
  int64_t policy, nice, prio;
  uint64_t flags, runtime, deadline, period;
  if (arg_i64(o, 0, 0, 0x7fffffff, &policy) || arg_u64(o, 1, &flags) || arg_i64(o, 2, -20, 19, &nice) ||
      arg_i64(o, 3, 0, 0x7fffffff, &prio) || arg_u64(o, 4, &runtime) || arg_u64(o, 5, &deadline) ||
      arg_u64(o, 6, &period))
    return -1;
  struct rt_sched_attr a = {
      .size = sizeof a,
      .sched_policy = (uint32_t)policy,
      .sched_flags = flags,
      .sched_nice = (int32_t)nice,
      .sched_priority = (uint32_t)prio,
      .sched_runtime = runtime,
      .sched_deadline = deadline,
      .sched_period = period,
  };
  if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
    return fail(errno, "sched_setattr (policy %lld, flags %#llx, nice %lld, priority %lld, runtime %llu, deadline %llu, period %llu)",
                (long long)policy, (unsigned long long)flags, (long long)nice, (long long)prio,
                (unsigned long long)runtime, (unsigned long long)deadline, (unsigned long long)period);
  return 0;
}

/* IOPRIO class level */
int op_ioprio(const struct op *o) {
  int64_t cls, level;
  if (arg_i64(o, 0, 0, 7, &cls) || arg_i64(o, 1, 0, 0x1fff, &level)) return -1;
  int value = (int)(cls << 13 | level);
  if (syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, value) < 0)
    return fail(errno, "ioprio_set (class %lld, level %lld)", (long long)cls, (long long)level);
  return 0;
}

/* The numbers of args first … argc-1, each in [0, MAX_ID_NUMBER]; *max the highest. */
static int id_args(const struct op *o, uint32_t first, int64_t **out, int64_t *max) {
  *max = -1;
  *out = calloc((size_t)o->argc + 1, sizeof **out);
  if (!*out) return fail(ENOMEM, "%s", op_name(o->code));
  for (uint32_t i = first; i < o->argc; i++) {
    if (arg_i64(o, i, 0, MAX_ID_NUMBER, &(*out)[i])) return free(*out), -1;
    if ((*out)[i] > *max) *max = (*out)[i];
  }
  return 0;
}

/* CPU_AFFINITY cpu… (either side of CLONE) */
int op_cpu_affinity(const struct op *o) {
  int64_t *cpus, max;
  if (id_args(o, 0, &cpus, &max)) return -1;
  cpu_set_t *set = CPU_ALLOC((int)max + 1);
  if (!set) return free(cpus), fail(ENOMEM, "sched_setaffinity");
  size_t size = CPU_ALLOC_SIZE((int)max + 1);
  CPU_ZERO_S(size, set);
  for (uint32_t i = 0; i < o->argc; i++) CPU_SET_S((int)cpus[i], size, set);
  int r = sched_setaffinity(0, size, set), e = errno;
  CPU_FREE(set);
  free(cpus);
  if (r < 0) return fail(e, "sched_setaffinity (%u CPUs, highest %lld)", o->argc, (long long)max);
  return 0;
}

/* MEMPOLICY mode flags node… */
int op_mempolicy(const struct op *o) {
  int64_t mode, flags, *nodes, max;
  if (arg_i64(o, 0, 0, 0xff, &mode) || arg_i64(o, 1, 0, 0xffff, &flags)) return -1;
  if (id_args(o, 2, &nodes, &max)) return -1;
  /* The kernel reads maxnode-1 bits (set_mempolicy(2)): one more than the highest node. */
  unsigned long maxnode = max < 0 ? 0 : (unsigned long)max + 2;
  size_t words = maxnode / (8 * sizeof(unsigned long)) + 1;
  unsigned long *mask = calloc(words, sizeof *mask);
  if (!mask) return free(nodes), fail(ENOMEM, "set_mempolicy");
  for (uint32_t i = 2; i < o->argc; i++)
    mask[nodes[i] / (8 * sizeof(unsigned long))] |= 1UL << (nodes[i] % (8 * sizeof(unsigned long)));
  long r = syscall(SYS_set_mempolicy, (int)(mode | flags), maxnode ? mask : NULL, maxnode);
  int e = errno;
  free(mask);
  free(nodes);
  if (r < 0)
    return fail(e, "set_mempolicy (mode %lld, flags %#llx, %u node(s), highest %lld)", (long long)mode,
                (unsigned long long)flags, o->argc - 2, (long long)max);
  return 0;
}

/* TIMENS offsets (parent): the executor's children are born in the new time
 * namespace; its offsets can be written only before anyone lives there. */
int op_timens(const struct op *o) {
  if (unshare(CLONE_NEWTIME) < 0) return fail(errno, "unshare CLONE_NEWTIME");
  if (o->len[0] == 0) return 0;
  if (write_file_at(S.proc_fd, "self/timens_offsets", o->argv[0], o->len[0]) < 0)
    return fail(errno, "write /proc/self/timens_offsets (%.*s)", (int)strcspn(o->argv[0], "\n"), o->argv[0]);
  return 0;
}
