#pragma once
/* rt-exec --seccomp-flags (probe_flags.c). */
int probe_seccomp_flags(int n, char **bits);
