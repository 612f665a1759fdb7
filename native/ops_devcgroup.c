/* Device control on cgroup v2: DEVICE_FILTER (PLAN.md). The program comes
 * ready-made from TypeScript (src/cgroups/device-filter.ts); this only loads
 * it with the raw bpf(2) syscall and attaches it to the container's cgroup,
 * before the init is cloned into it. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ops.h"
#include "report.h"

#define LOG_SIZE (64 * 1024)

static long sys_bpf(int cmd, union bpf_attr *attr) { return syscall(SYS_bpf, cmd, attr, sizeof *attr); }

static int load(const struct op *o, char *log, unsigned log_size) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t)(uintptr_t)o->argv[1];
  attr.insn_cnt = o->len[1] / sizeof(struct bpf_insn);
  attr.license = (uint64_t)(uintptr_t) "Apache-2.0";
  if (log) {
    attr.log_buf = (uint64_t)(uintptr_t)log;
    attr.log_size = log_size;
    attr.log_level = 1;
  }
  return (int)sys_bpf(BPF_PROG_LOAD, &attr);
}

int op_device_filter(const struct op *o) {
  if (o->len[1] == 0 || o->len[1] % sizeof(struct bpf_insn) != 0)
    return fail(EINVAL, "DEVICE_FILTER: the program is %u bytes, not a whole number of %zu-byte instructions", o->len[1],
                sizeof(struct bpf_insn));
  int prog = load(o, NULL, 0);
  if (prog < 0) {
    /* Again with the verifier's log, for the message: only on failure, since
     * a log too small for a good program would fail its load (ENOSPC). */
    int e = errno;
    char *log = calloc(1, LOG_SIZE);
    if (log && load(o, log, LOG_SIZE) < 0 && log[0]) {
      for (char *p = log; *p; p++)
        if (*p == '\n') *p = ' ';
      fail(e, "bpf BPF_PROG_LOAD (cgroup device program, %u instructions): verifier: %.400s", o->len[1] / 8, log);
    } else {
      fail(e, "bpf BPF_PROG_LOAD (cgroup device program, %u instructions)", o->len[1] / 8);
    }
    free(log);
    return -1;
  }
  int cg = open(o->argv[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg < 0) {
    int e = errno;
    close(prog);
    return fail(e, "open cgroup %s", o->argv[0]);
  }
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t)cg;
  attr.attach_bpf_fd = (uint32_t)prog;
  attr.attach_type = BPF_CGROUP_DEVICE;
  /* Alongside what is already attached (systemd's, a parent's): all must allow. */
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  long r = sys_bpf(BPF_PROG_ATTACH, &attr);
  int e = errno;
  /* The attachment holds the program: neither fd is needed any more. */
  close(cg);
  close(prog);
  return r < 0 ? fail(e, "bpf BPF_PROG_ATTACH (cgroup device program) to %s", o->argv[0]) : 0;
}
