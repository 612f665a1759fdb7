/* seccomp-tables: a build-time tool, linked with the same libseccomp as
 * rt-exec. Prints as JSON what that libseccomp knows, so TypeScript plans
 * only what rt-exec can carry out (scripts/seccomp-tables.mjs writes it to
 * src/bundle/generated/seccomp.js):
 *   version   libseccomp's version
 *   native    the native arch token
 *   archs     SCMP_ARCH_* name -> token, for the names seccomp.h defines
 *   flags     the SECCOMP_FILTER_FLAG_* names it can set
 *   actions   SCMP_ACT_* name -> value (ERRNO and TRACE with data 0)
 *   cmp       SCMP_CMP_* name -> enum scmp_compare value
 *   syscalls  every syscall name it resolves (seccomp_syscall_resolve_name
 *             != __NR_SCMP_ERROR), sorted as found */
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
  const char *name;
  unsigned long token;
} archs[] = {
#define A(x) {#x, x},
#ifdef SCMP_ARCH_X86
    A(SCMP_ARCH_X86)
#endif
#ifdef SCMP_ARCH_X86_64
    A(SCMP_ARCH_X86_64)
#endif
#ifdef SCMP_ARCH_X32
    A(SCMP_ARCH_X32)
#endif
#ifdef SCMP_ARCH_ARM
    A(SCMP_ARCH_ARM)
#endif
#ifdef SCMP_ARCH_AARCH64
    A(SCMP_ARCH_AARCH64)
#endif
#ifdef SCMP_ARCH_LOONGARCH64
    A(SCMP_ARCH_LOONGARCH64)
#endif
#ifdef SCMP_ARCH_M68K
    A(SCMP_ARCH_M68K)
#endif
#ifdef SCMP_ARCH_MIPS
    A(SCMP_ARCH_MIPS)
#endif
#ifdef SCMP_ARCH_MIPS64
    A(SCMP_ARCH_MIPS64)
#endif
#ifdef SCMP_ARCH_MIPS64N32
    A(SCMP_ARCH_MIPS64N32)
#endif
#ifdef SCMP_ARCH_MIPSEL
    A(SCMP_ARCH_MIPSEL)
#endif
#ifdef SCMP_ARCH_MIPSEL64
    A(SCMP_ARCH_MIPSEL64)
#endif
#ifdef SCMP_ARCH_MIPSEL64N32
    A(SCMP_ARCH_MIPSEL64N32)
#endif
#ifdef SCMP_ARCH_PPC
    A(SCMP_ARCH_PPC)
#endif
#ifdef SCMP_ARCH_PPC64
    A(SCMP_ARCH_PPC64)
#endif
#ifdef SCMP_ARCH_PPC64LE
    A(SCMP_ARCH_PPC64LE)
#endif
#ifdef SCMP_ARCH_S390
    A(SCMP_ARCH_S390)
#endif
#ifdef SCMP_ARCH_S390X
    A(SCMP_ARCH_S390X)
#endif
#ifdef SCMP_ARCH_PARISC
    A(SCMP_ARCH_PARISC)
#endif
#ifdef SCMP_ARCH_PARISC64
    A(SCMP_ARCH_PARISC64)
#endif
#ifdef SCMP_ARCH_RISCV64
    A(SCMP_ARCH_RISCV64)
#endif
#ifdef SCMP_ARCH_SH
    A(SCMP_ARCH_SH)
#endif
#ifdef SCMP_ARCH_SHEB
    A(SCMP_ARCH_SHEB)
#endif
#undef A
};

int main(void) {
  const struct scmp_version *v = seccomp_version();
  printf("{\"version\":\"%u.%u.%u\",\"native\":%u,\"archs\":{", v->major, v->minor, v->micro, seccomp_arch_native());
  for (size_t i = 0; i < sizeof archs / sizeof *archs; i++) printf("%s\"%s\":%lu", i ? "," : "", archs[i].name, archs[i].token);
  /* SCMP_FLTATR_CTL_TSYNC, _LOG and _SSB are in every 2.5; _WAITKILL came in 2.6.0. */
  printf("},\"flags\":[\"SECCOMP_FILTER_FLAG_TSYNC\",\"SECCOMP_FILTER_FLAG_LOG\",\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"");
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
  printf(",\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"");
#endif
  printf("],\"actions\":{\"SCMP_ACT_KILL\":%u,\"SCMP_ACT_KILL_PROCESS\":%u,\"SCMP_ACT_KILL_THREAD\":%u,\"SCMP_ACT_TRAP\":%u,"
         "\"SCMP_ACT_ERRNO\":%u,\"SCMP_ACT_TRACE\":%u,\"SCMP_ACT_ALLOW\":%u,\"SCMP_ACT_LOG\":%u,\"SCMP_ACT_NOTIFY\":%u}",
         SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO(0), SCMP_ACT_TRACE(0),
         SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_NOTIFY);
  printf(",\"cmp\":{\"SCMP_CMP_NE\":%d,\"SCMP_CMP_LT\":%d,\"SCMP_CMP_LE\":%d,\"SCMP_CMP_EQ\":%d,\"SCMP_CMP_GE\":%d,"
         "\"SCMP_CMP_GT\":%d,\"SCMP_CMP_MASKED_EQ\":%d}",
         SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ);
  printf(",\"syscalls\":[");
  /* libseccomp cannot list its table, but it maps numbers back to names: the
   * native numbers, and the negative pseudo numbers it gives syscalls that
   * exist only on other arches. Every name found must resolve back to its number. */
  int first = 1;
  for (int nr = -20000; nr < 4096; nr++) {
    if (nr == __NR_SCMP_ERROR) continue;
    char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
    if (!name) continue;
    int back = seccomp_syscall_resolve_name(name);
    if (back != nr) {
      fprintf(stderr, "seccomp-tables: %s resolves to %d, not %d\n", name, back, nr);
      return 1;
    }
    printf("%s\"%s\"", first ? "" : ",", name);
    first = 0;
    free(name);
  }
  printf("]}\n");
  return fflush(stdout) == 0 ? 0 : 1;
}
