/* Capabilities: CAPS and KEEP_CAPS (PLAN.md), with the raw capget/capset
 * syscalls (version 3: two 32-bit words per set) and prctl; no libcap.
 *
 * CAPS runs after SETUID. With KEEP_CAPS a non-root user still has its
 * permitted set there, but setresuid cleared the effective one, so the first
 * step raises effective to permitted: dropping from the bounding set needs
 * CAP_SETPCAP in effective. Every error names its step and, where one is to
 * blame, the capability number. */
#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ops.h"
#include "report.h"
#include "util.h"

struct capsets {
  uint64_t effective, permitted, inheritable;
};

static int cap_get(struct capsets *c) {
  struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {0};
  if (syscall(SYS_capget, &h, d) < 0) return -1;
  c->effective = (uint64_t)d[1].effective << 32 | d[0].effective;
  c->permitted = (uint64_t)d[1].permitted << 32 | d[0].permitted;
  c->inheritable = (uint64_t)d[1].inheritable << 32 | d[0].inheritable;
  return 0;
}

static int cap_set(const struct capsets *c) {
  struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {
      {(uint32_t)c->effective, (uint32_t)c->permitted, (uint32_t)c->inheritable},
      {(uint32_t)(c->effective >> 32), (uint32_t)(c->permitted >> 32), (uint32_t)(c->inheritable >> 32)},
  };
  return (int)syscall(SYS_capset, &h, d);
}

/* The lowest capability in mask, or -1. */
static int lowest(uint64_t mask) { return mask ? __builtin_ctzll(mask) : -1; }

/* The current bounding set (PR_CAPBSET_READ up to the kernel's last capability). */
static uint64_t bounding_now(void) {
  uint64_t b = 0;
  for (int cap = 0; cap < 64; cap++) {
    int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
    if (r < 0) break; /* EINVAL: above cap_last_cap */
    if (r == 1) b |= 1ULL << cap;
  }
  return b;
}

/* Why capset(want) failed, in the kernel's order of checks (cap_capset):
 * which capability of which set it could not take. */
static int capset_failed(int err, const struct capsets *want, const struct capsets *old) {
  int c;
  uint64_t bset = bounding_now();
  char what[160];
  snprintf(what, sizeof what, "CAPS: capset (effective %#llx, permitted %#llx, inheritable %#llx)",
           (unsigned long long)want->effective, (unsigned long long)want->permitted, (unsigned long long)want->inheritable);
  if (!(old->effective & (1ULL << CAP_SETPCAP)) && (c = lowest(want->inheritable & ~(old->inheritable | old->permitted))) >= 0)
    return fail(err, "%s: inheritable capability %d is neither inheritable nor permitted now", what, c);
  if ((c = lowest(want->inheritable & ~(old->inheritable | bset))) >= 0)
    return fail(err, "%s: inheritable capability %d is not in the bounding set", what, c);
  if ((c = lowest(want->permitted & ~old->permitted)) >= 0)
    return fail(err, "%s: permitted capability %d is not in the init's permitted set %#llx", what, c, (unsigned long long)old->permitted);
  if ((c = lowest(want->effective & ~want->permitted)) >= 0)
    return fail(err, "%s: effective capability %d is not in permitted", what, c);
  return fail(err, "%s", what);
}

int op_caps(const struct op *o) {
  uint64_t bounding, ambient;
  struct capsets want, now;
  if (arg_u64(o, 0, &bounding) || arg_u64(o, 1, &want.effective) || arg_u64(o, 2, &want.permitted) ||
      arg_u64(o, 3, &want.inheritable) || arg_u64(o, 4, &ambient))
    return -1;

  /* 1. effective = permitted, so that CAP_SETPCAP (if permitted) can be used. */
  if (cap_get(&now) < 0) return fail(errno, "CAPS: capget");
  now.effective = now.permitted;
  if (cap_set(&now) < 0) return fail(errno, "CAPS: capset raising effective to permitted %#llx", (unsigned long long)now.permitted);

  /* 2. The bounding set: drop what is present and not asked for. */
  for (int cap = 0; cap < 64; cap++) {
    int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
    if (r < 0) {
      if (errno == EINVAL) break; /* above the kernel's last capability */
      return fail(errno, "CAPS: PR_CAPBSET_READ capability %d", cap);
    }
    if (r == 1 && !(bounding & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
      return fail(errno, "CAPS: PR_CAPBSET_DROP capability %d", cap);
  }

  /* 3. effective, permitted, inheritable. */
  if (cap_set(&want) < 0) return capset_failed(errno, &want, &now);

  /* 4. The ambient set: cleared, then each capability raised. A kernel
   * without ambient capabilities (< 4.3) says EINVAL: fine if none is asked. */
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && (errno != EINVAL || ambient))
    return fail(errno, "CAPS: PR_CAP_AMBIENT_CLEAR_ALL");
  for (int cap = 0; cap < 64; cap++)
    if ((ambient & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
      return fail(errno, "CAPS: PR_CAP_AMBIENT_RAISE capability %d", cap);
  return 0;
}

int op_keep_caps(const struct op *o) {
  int64_t v;
  if (arg_i64(o, 0, 0, 1, &v)) return -1;
  if (prctl(PR_SET_KEEPCAPS, (unsigned long)v, 0, 0, 0) < 0) return fail(errno, "KEEP_CAPS: prctl PR_SET_KEEPCAPS %lld", (long long)v);
  return 0;
}
