/* `rt-exec --seccomp-flags <bit>…` (PLAN.md "Probes"): which
 * SECCOMP_FILTER_FLAG_* bits this kernel takes, for `rt features`'
 * seccomp.supportedFlags. As libseccomp probes a flag: seccomp(2)
 * SECCOMP_SET_MODE_FILTER with that flag alone and no program. The kernel
 * checks the flags first (EINVAL for one it does not know) and only then
 * reads the program (EFAULT for NULL), so EFAULT means "known", and nothing
 * is ever installed. Prints each accepted bit, one a line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/seccomp.h>

#include "probe_flags.h"

int probe_seccomp_flags(int n, char **bits) {
  for (int i = 0; i < n; i++) {
    char *end = NULL;
    unsigned long bit = strtoul(bits[i], &end, 10);
    if (!*bits[i] || *end) {
      dprintf(2, "rt-exec --seccomp-flags: not a number: %s\n", bits[i]);
      return 2;
    }
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, bit, NULL);
    if (r < 0 && errno == EFAULT) printf("%lu\n", bit);
  }
  return fflush(stdout) == 0 ? 0 : 1;
}
