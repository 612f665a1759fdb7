/* Reports to rt (PLAN.md "Reports") and the error message of the failing op. */
#ifndef RT_REPORT_H
#define RT_REPORT_H

/* Where reports go: in the executor the sync socket to rt; in the init the
 * status pipe to the executor, which relays them; -1 once closed (after
 * READY in the init). */
extern int sync_fd;
/* Set in the init: sync_fd is the status pipe, written with write(). */
extern int sync_is_pipe;

/* Sends one line (a '\n' is added). 0, or -1 if rt can no longer be told. */
int report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ERROR <op> <errno> <message>; to stderr if the sync socket is closed. */
void report_error(long op, int err, const char *msg);

/* How an op fails: records errno `err` and the message (": strerror(err)"
 * appended when err != 0), returns -1. The op loop reports both. */
int fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int fail_errno(void);
const char *fail_message(void);

#endif
