/* Decodes the plan (../PLAN.md "Wire format"), bounding every size before
 * allocating, so a malformed plan is an error and never a huge allocation. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"

#define MAX_PLAN_BYTES (4u << 20)
#define MAX_ARGC 4096u
#define MAX_OPS 65536u

static size_t total;

static int read_full(int fd, void *buf, size_t len) {
  char *p = buf;
  while (len > 0) {
    ssize_t n = read(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static int read_u32(int fd, uint32_t *v) {
  unsigned char b[4];
  if (read_full(fd, b, 4)) return -1;
  *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
  total += 4;
  return 0;
}

int plan_read(int fd, struct plan *out, char *err, size_t errlen) {
  char magic[8];
  size_t cap = 64;
  out->n = 0;
  out->ops = calloc(cap, sizeof *out->ops);
  total = 8;
  if (!out->ops) return snprintf(err, errlen, "out of memory"), -1;
  if (read_full(fd, magic, 8) || memcmp(magic, "RTPLAN01", 8))
    return snprintf(err, errlen, "plan: bad or missing header"), -1;
  for (;;) {
    struct op o = {0};
    if (read_u32(fd, &o.code) || read_u32(fd, &o.argc)) return snprintf(err, errlen, "plan: truncated"), -1;
    if (o.argc > MAX_ARGC) return snprintf(err, errlen, "plan: op %zu has %u args", out->n, o.argc), -1;
    if (o.argc) {
      o.argv = calloc(o.argc + 1, sizeof *o.argv);
      o.len = calloc(o.argc, sizeof *o.len);
      if (!o.argv || !o.len) return snprintf(err, errlen, "out of memory"), -1;
    }
    for (uint32_t i = 0; i < o.argc; i++) {
      uint32_t len;
      if (read_u32(fd, &len)) return snprintf(err, errlen, "plan: truncated"), -1;
      if (len > MAX_PLAN_BYTES || total + len > MAX_PLAN_BYTES) return snprintf(err, errlen, "plan: larger than 4 MiB"), -1;
      o.argv[i] = malloc((size_t)len + 1);
      if (!o.argv[i]) return snprintf(err, errlen, "out of memory"), -1;
      if (read_full(fd, o.argv[i], len)) return snprintf(err, errlen, "plan: truncated"), -1;
      o.argv[i][len] = 0;
      o.len[i] = len;
      total += len;
    }
    if (o.code == OP_END) return 0;
    if (out->n == MAX_OPS) return snprintf(err, errlen, "plan: more than %u ops", MAX_OPS), -1;
    if (out->n == cap) {
      cap *= 2;
      struct op *grown = realloc(out->ops, cap * sizeof *out->ops);
      if (!grown) return snprintf(err, errlen, "out of memory"), -1;
      out->ops = grown;
    }
    out->ops[out->n++] = o;
  }
}
