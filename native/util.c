/* Strict numbers, single-write file updates, and the list of our own fds. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report.h"
#include "util.h"

/* Digits only, accumulated with an overflow check; *neg tells a leading '-'. */
static int parse_magnitude(const char *s, int *neg, uint64_t *mag) {
  if (!s) return -1;
  *neg = *s == '-';
  if (*neg) s++;
  if (!*s) return -1;
  uint64_t v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return -1;
    unsigned d = (unsigned)(*s - '0');
    if (v > (UINT64_MAX - d) / 10) return -1;
    v = v * 10 + d;
  }
  *mag = v;
  return 0;
}

int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out) {
  int neg;
  uint64_t mag;
  if (parse_magnitude(s, &neg, &mag)) return -1;
  int64_t v;
  if (neg) {
    if (mag > (uint64_t)INT64_MAX + 1) return -1;
    v = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
  } else {
    if (mag > (uint64_t)INT64_MAX) return -1;
    v = (int64_t)mag;
  }
  if (v < min || v > max) return -1;
  *out = v;
  return 0;
}

int parse_u64(const char *s, uint64_t *out) {
  int neg;
  uint64_t mag;
  if (parse_magnitude(s, &neg, &mag) || neg) return -1;
  *out = mag;
  return 0;
}

int arg_i64(const struct op *o, uint32_t i, int64_t min, int64_t max, int64_t *out) {
  if (i < o->argc && parse_i64(o->argv[i], min, max, out) == 0) return 0;
  return fail(EINVAL, "%s: argument %u is not a decimal number in [%lld, %lld]: \"%s\"", op_name(o->code), i,
              (long long)min, (long long)max, i < o->argc ? o->argv[i] : "");
}

int arg_u64(const struct op *o, uint32_t i, uint64_t *out) {
  if (i < o->argc && parse_u64(o->argv[i], out) == 0) return 0;
  return fail(EINVAL, "%s: argument %u is not an unsigned decimal number: \"%s\"", op_name(o->code), i,
              i < o->argc ? o->argv[i] : "");
}

int write_fd(int fd, const char *data, size_t len) {
  ssize_t n;
  do n = write(fd, data, len);
  while (n < 0 && errno == EINTR);
  if (n >= 0 && (size_t)n != len) errno = EIO;
  return n >= 0 && (size_t)n == len ? 0 : -1;
}

int write_file_at(int dirfd, const char *path, const char *data, size_t len) {
  /* O_NONBLOCK: a fifo planted at the path fails (ENXIO) instead of hanging. */
  int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return -1;
  ssize_t n;
  do n = write(fd, data, len);
  while (n < 0 && errno == EINTR);
  int e = n < 0 ? errno : (size_t)n != len ? EIO : 0;
  close(fd);
  errno = e;
  return e ? -1 : 0;
}

/* A handful at most: sync socket, two pipe ends, fifo, console, /proc, rootfs, cgroup dir. */
#define MAX_OWN 32
static int own[MAX_OWN];
static int n_own;

void own_fd(int fd) {
  if (fd >= 0 && !is_own_fd(fd) && n_own < MAX_OWN) own[n_own++] = fd;
}

void disown_fd(int fd) {
  for (int i = 0; i < n_own; i++)
    if (own[i] == fd) own[i] = own[--n_own];
}

int is_own_fd(int fd) {
  for (int i = 0; i < n_own; i++)
    if (own[i] == fd) return 1;
  return 0;
}

int own_fds(int *out, int max) {
  int n = 0;
  for (int i = 0; i < n_own && n < max; i++) {
    int j = n++;
    for (; j > 0 && out[j - 1] > own[i]; j--) out[j] = out[j - 1]; /* insertion sort: a handful */
    out[j] = own[i];
  }
  return n;
}

void close_own(int *fd) {
  if (*fd < 0) return;
  int e = errno;
  disown_fd(*fd);
  close(*fd);
  *fd = -1;
  errno = e;
}

int make_fifo(const char *path, int *fd) {
  if (mkfifo(path, 0600) < 0) return fail(errno, "mkfifo %s", path);
  close_own(fd);
  *fd = open(path, O_RDWR | O_CLOEXEC);
  if (*fd < 0) return fail(errno, "open %s", path);
  own_fd(*fd);
  return 0;
}
