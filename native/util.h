/* Small helpers shared by the ops: strict numbers, file writes, our own fds. */
#ifndef RT_UTIL_H
#define RT_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "plan.h"

/* Strict decimal: optional '-', then digits only, the whole string, in range.
 * No blanks, no '+', no hex: a number that is not exactly what TypeScript
 * wrote is a broken plan. 0, or -1. */
int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);
int parse_u64(const char *s, uint64_t *out);

/* Argument i of o as a number in [min, max]; on failure fail(EINVAL, …). */
int arg_i64(const struct op *o, uint32_t i, int64_t min, int64_t max, int64_t *out);
int arg_u64(const struct op *o, uint32_t i, uint64_t *out);

/* One write of data to an open fd (EINTR retried; a short write is EIO). */
int write_fd(int fd, const char *data, size_t len);
/* Writes data to an existing file (dirfd-relative, like openat) in a single
 * write(): proc files such as uid_map accept exactly one. 0, or -1 with errno. */
int write_file_at(int dirfd, const char *path, const char *data, size_t len);

/* The executor's own fds (sync socket, pipes, fifo, console, /proc): all
 * O_CLOEXEC, and spared by CLOSE_FDS until execve closes them. */
void own_fd(int fd);
void disown_fd(int fd);
int is_own_fd(int fd);
/* Our fds in ascending order (at most max); returns how many. */
int own_fds(int *out, int max);
/* mkfifo(path, 0600) (EEXIST is an error: a fifo someone else made could
 * have other readers), then open it O_RDWR into *fd (closing what *fd held)
 * and own it: the open never waits, and neither does the other side's.
 * 0, or -1 after fail(). */
int make_fifo(const char *path, int *fd);
/* Closes fd (if >= 0) and forgets it; keeps errno. */
void close_own(int *fd);

#endif
