/* probe: a static test program, /bin/probe in the test rootfs. `probe report`
 * prints one JSON object with what a process in the container sees (ids,
 * limits, namespaces, mounts, fds …) for tests to compare with the config;
 * the other subcommands are small behaviours the tests need. No dependencies
 * beyond libc, linked statically so any rootfs can run it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* A JSON string: quotes, backslashes and control bytes escaped. Bytes >= 0x80
 * pass through (valid UTF-8 stays valid). */
static void json_str(const char *s) {
  putchar('"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"': fputs("\\\"", stdout); break;
    case '\\': fputs("\\\\", stdout); break;
    case '\n': fputs("\\n", stdout); break;
    case '\r': fputs("\\r", stdout); break;
    case '\t': fputs("\\t", stdout); break;
    default:
      if (*p < 0x20 || *p == 0x7f) printf("\\u%04x", *p);
      else putchar(*p);
    }
  }
  putchar('"');
}

/* A whole file as a string, or NULL. */
static char *slurp(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (!buf) break;
    if (len + 1 >= cap) {
      char *grown = realloc(buf, cap *= 2);
      if (!grown) { free(buf); buf = NULL; break; }
      buf = grown;
    }
    ssize_t n = read(fd, buf + len, cap - len - 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    len += (size_t)n;
  }
  close(fd);
  if (buf) buf[len] = 0;
  return buf;
}

static void text_field(const char *name, const char *path) {
  char *t = slurp(path);
  printf(",\"%s\":", name);
  if (t) json_str(t);
  else fputs("null", stdout);
  free(t);
}

static int cmp_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

/* Open fds, sorted, without the one used to list them. */
static void print_fds(void) {
  int fds[4096], n = 0;
  DIR *d = opendir("/proc/self/fd");
  if (d) {
    struct dirent *e;
    while ((e = readdir(d)) && n < 4096)
      if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d)) fds[n++] = atoi(e->d_name);
    closedir(d);
  }
  qsort(fds, (size_t)n, sizeof *fds, cmp_int);
  putchar('[');
  for (int i = 0; i < n; i++) printf("%s%d", i ? "," : "", fds[i]);
  putchar(']');
}

static const char *const rlimit_names[] = {
    "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS",
    "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING",
    "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
};

static long long lim(rlim_t v) { return v == RLIM_INFINITY ? -1LL : (long long)v; }

/* --- process attributes (personality, scheduler, ioPriority, memoryPolicy, time namespace) --- */
#include <stdint.h>
#include <sys/personality.h>
#include <sys/syscall.h>

struct probe_sched_attr {
  uint32_t size, sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime, sched_deadline, sched_period, util[2];
};

/* ,"personality":N,"machine":"…","sched":{…},"ioprio":N,"mempolicy":{…},"clocks":{…} */
static void print_process_attrs(void) {
  struct utsname u;
  uname(&u);
  printf(",\"personality\":%d,\"machine\":", personality(0xffffffff));
  json_str(u.machine);
  struct probe_sched_attr a = {0};
  if (syscall(SYS_sched_getattr, 0, &a, sizeof a, 0) == 0)
    printf(",\"sched\":{\"policy\":%u,\"flags\":%llu,\"nice\":%d,\"priority\":%u,\"runtime\":%llu,\"deadline\":%llu,\"period\":%llu}",
           a.sched_policy, (unsigned long long)a.sched_flags, a.sched_nice, a.sched_priority,
           (unsigned long long)a.sched_runtime, (unsigned long long)a.sched_deadline, (unsigned long long)a.sched_period);
  else
    printf(",\"sched\":null");
  printf(",\"ioprio\":%ld", syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0));
  int mode = -1;
  unsigned long nodes[16] = {0};
  if (syscall(SYS_get_mempolicy, &mode, nodes, sizeof nodes * 8, NULL, 0UL) == 0)
    printf(",\"mempolicy\":{\"mode\":%d,\"nodes\":%lu}", mode, nodes[0]);
  else
    printf(",\"mempolicy\":{\"errno\":%d}", errno);
  struct timespec mono, boot;
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_BOOTTIME, &boot);
  printf(",\"clocks\":{\"monotonic\":%lld,\"boottime\":%lld}", (long long)mono.tv_sec, (long long)boot.tv_sec);
}
/* --- end of process attributes --- */

static int report(void) {
  struct utsname u;
  uname(&u);
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) snprintf(cwd, sizeof cwd, "(error: %s)", strerror(errno));
  mode_t mask = umask(0);
  umask(mask);

  printf("{\"hostname\":");
  json_str(u.nodename);
  printf(",\"domainname\":");
  json_str(u.domainname);
  printf(",\"uid\":%u,\"gid\":%u,\"euid\":%u,\"egid\":%u", getuid(), getgid(), geteuid(), getegid());
  gid_t groups[65536];
  int ng = getgroups(65536, groups);
  printf(",\"groups\":[");
  for (int i = 0; i < ng; i++) printf("%s%u", i ? "," : "", groups[i]);
  printf("],\"cwd\":");
  json_str(cwd);
  printf(",\"umask\":%u,\"rlimits\":{", (unsigned)mask);
  for (int r = 0; r < (int)(sizeof rlimit_names / sizeof *rlimit_names); r++) {
    struct rlimit rl;
    if (getrlimit(r, &rl) < 0) continue;
    printf("%s\"%s\":[%lld,%lld]", r ? "," : "", rlimit_names[r], lim(rl.rlim_cur), lim(rl.rlim_max));
  }
  printf("},\"env\":[");
  for (char **e = environ; *e; e++) {
    if (e != environ) putchar(',');
    json_str(*e);
  }
  putchar(']');
  text_field("mountinfo", "/proc/self/mountinfo");
  printf(",\"ns\":{");
  int first = 1;
  DIR *d = opendir("/proc/self/ns");
  if (d) {
    struct dirent *e;
    while ((e = readdir(d))) {
      if (e->d_name[0] == '.') continue;
      char path[300], link[256];
      snprintf(path, sizeof path, "/proc/self/ns/%s", e->d_name);
      ssize_t n = readlink(path, link, sizeof link - 1);
      if (n < 0) continue;
      link[n] = 0;
      printf("%s", first ? "" : ",");
      first = 0;
      json_str(e->d_name);
      putchar(':');
      json_str(link);
    }
    closedir(d);
  }
  printf("},\"fds\":");
  print_fds();
  printf(",\"no_new_privs\":%d", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
  char *oom = slurp("/proc/self/oom_score_adj");
  if (oom) printf(",\"oom_score_adj\":%d", atoi(oom));
  else printf(",\"oom_score_adj\":null");
  free(oom);
  printf(",\"pid\":%d,\"ppid\":%d", getpid(), getppid());
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  exe[n < 0 ? 0 : n] = 0;
  printf(",\"exe\":");
  if (n < 0) fputs("null", stdout);
  else json_str(exe);
  text_field("cgroup", "/proc/self/cgroup");
  /* Cap*, NoNewPrivs, Seccomp, Seccomp_filters, Cpus_allowed_list, …: as the kernel shows them. */
  text_field("status", "/proc/self/status");
  /* ledger (process.consoleSize): the terminal's size as the process sees it. */
  struct winsize ws;
  if (ioctl(0, TIOCGWINSZ, &ws) == 0) printf(",\"winsize\":[%u,%u]", ws.ws_row, ws.ws_col);
  else printf(",\"winsize\":null");
  print_process_attrs();
  struct stat in;
  printf(",\"stdin_isatty\":%s", isatty(0) ? "true" : "false");
  if (fstat(0, &in) == 0) printf(",\"stdin_uid\":%u,\"stdin_gid\":%u}\n", (unsigned)in.st_uid, (unsigned)in.st_gid);
  else printf(",\"stdin_uid\":null,\"stdin_gid\":null}\n");
  return fflush(stdout) == 0 ? 0 : 1;
}

static int write_to(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return perror(path), 1;
  size_t len = strlen(text);
  if (write(fd, text, len) != (ssize_t)len) return perror(path), close(fd), 1;
  return close(fd) == 0 ? 0 : 1;
}

/* The host side of a console socket (rt's --console-socket): accepts one
 * connection, receives the pty master sent with SCM_RIGHTS, prints
 * "PTY <payload>", then copies whatever the container writes to its
 * terminal to stdout until the slave side is gone. */
static int console_server(const char *path) {
  int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (ls < 0 || strlen(path) >= sizeof addr.sun_path) return perror("socket"), 1;
  strcpy(addr.sun_path, path);
  if (bind(ls, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(ls, 1) < 0) return perror(path), 1;
  int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
  if (c < 0) return perror("accept"), 1;
  char payload[256] = "", cbuf[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {.iov_base = payload, .iov_len = sizeof payload - 1};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
  ssize_t n = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
  struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
  if (n < 0 || !cm || cm->cmsg_type != SCM_RIGHTS) return fputs("probe: no fd received\n", stderr), 1;
  payload[n] = 0;
  int master;
  memcpy(&master, CMSG_DATA(cm), sizeof master);
  printf("PTY %s\n", payload);
  fflush(stdout);
  char buf[4096];
  while ((n = read(master, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0 && write(1, buf, (size_t)n) < 0) return 1;
  return 0;
}

/* device control: make a node, open one; each prints "ok" or the errno's name
 * and number ("EPERM 1"), and exits 0 either way, so tests read the outcome. */
static int print_errno_result(int r) {
  if (r >= 0) printf("ok\n");
  else printf("%s %d\n", strerrorname_np(errno) ? strerrorname_np(errno) : "E?", errno);
  return fflush(stdout) == 0 ? 0 : 1;
}

static int probe_mknod(const char *path, const char *type, const char *maj, const char *min) {
  mode_t kind = !strcmp(type, "b") ? S_IFBLK : S_IFCHR;
  return print_errno_result(mknod(path, kind | 0600, makedev(atoi(maj), atoi(min))));
}

static int probe_open(const char *path, const char *how) {
  int flags = !strcmp(how, "w") ? O_WRONLY : !strcmp(how, "rw") ? O_RDWR : O_RDONLY;
  int fd = open(path, flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  int r = print_errno_result(fd);
  if (fd >= 0) close(fd);
  return r;
}
/* A pty pair from /dev/ptmx (5:2) and its slave under /dev/pts (136:*). */
static int probe_pty(void) {
  int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0) return printf("ptmx "), print_errno_result(-1);
  int unlock = 0;
  char name[64];
  if (ioctl(m, TIOCSPTLCK, &unlock) < 0 || ptsname_r(m, name, sizeof name) != 0) return printf("ptsname "), print_errno_result(-1);
  int s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (s < 0) return printf("%s ", name), print_errno_result(-1);
  close(s);
  close(m);
  return print_errno_result(0);
}
/* end device control */

/* runc commands (x3): the session keyring this process has, as
 * "type;uid;gid;perm;description" (KEYCTL_DESCRIBE of KEY_SPEC_SESSION_KEYRING). */
#include <sys/syscall.h>
static int probe_keyring(void) {
  long id = syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* KEY_SPEC_SESSION_KEYRING */, 0, 0, 0);
  if (id < 0) return printf("session keyring "), print_errno_result(-1);
  char desc[512];
  long n = syscall(SYS_keyctl, 6 /* KEYCTL_DESCRIBE */, id, desc, sizeof desc - 1, 0);
  if (n < 0) return printf("describe "), print_errno_result(-1);
  desc[n < (long)sizeof desc ? n : (long)sizeof desc - 1] = '\0';
  printf("%ld %s\n", id, desc);
  return fflush(stdout) == 0 ? 0 : 1;
}
/* end runc commands (x3) */
/* exec: the CVE-2019-5736 attempt. Opens /proc/<parent>/exe for writing (the
 * parent of an exec'd process, outside a pid namespace, is rt-exec) and, if
 * that worked, writes to it. Prints the parent's exe link, then "ok" or the
 * errno of each step, and exits 0 either way. */
static int probe_write_parent_exe(void) {
  char path[64], link[4096];
  snprintf(path, sizeof path, "/proc/%d/exe", getppid());
  ssize_t n = readlink(path, link, sizeof link - 1);
  link[n < 0 ? 0 : n] = 0;
  printf("exe %s\nopen ", n < 0 ? "?" : link);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  print_errno_result(fd);
  if (fd < 0) return 0;
  printf("write ");
  print_errno_result((int)write(fd, "#!", 2));
  close(fd);
  return 0;
}
/* PTRACE_SEIZE of a pid (the tracer's exit detaches it): "ok" or the errno. */
static int probe_ptrace(const char *pid) {
  return print_errno_result((int)ptrace(PTRACE_SEIZE, (pid_t)atoi(pid), 0, 0));
}
/* end exec */
/* hostile containers (issue 9): what a process in a container tries against
 * its neighbours and its runtime; each prints or logs what it got, the tests
 * decide.
 *
 * watch LOG DIR NAME SECRET: forever, for every process this pid namespace
 * shows (but itself), try to read the host file DIR/NAME through
 * /proc/<pid>/root, NAME through /proc/<pid>/cwd and through every directory
 * fd (/proc/<pid>/fd/<n>/NAME and …/<n>/../NAME), and to open
 * /proc/<pid>/exe for writing (CVE-2019-5736). Appends "SEEN <pid>" once per
 * new pid and "LEAK <how> <pid>" for every file read whose first bytes are
 * SECRET (once per pid and way) and every exe opened for writing. */
static int watch_log = -1;

static void watch_note(const char *what, int pid) {
  char line[64];
  int n = snprintf(line, sizeof line, "%s %d\n", what, pid);
  if (write(watch_log, line, (size_t)n) < 0) _exit(3);
}

static int holds_secret(const char *path, const char *secret) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return 0;
  char buf[128];
  ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  size_t len = strlen(secret);
  return n >= (ssize_t)len && memcmp(buf, secret, len) == 0;
}

enum { LEAK_ROOT, LEAK_CWD, LEAK_FD, LEAK_EXE, LEAK_KINDS };
static const char *const leak_names[] = {"LEAK root", "LEAK cwd", "LEAK fd", "LEAK exe-write"};
static int last_leak[LEAK_KINDS];

static void leak(int kind, int pid) {
  if (last_leak[kind] == pid) return;
  last_leak[kind] = pid;
  watch_note(leak_names[kind], pid);
}

static int probe_watch(const char *log, const char *dir, const char *name, const char *secret) {
  static unsigned char seen[(1 << 22) / 8]; /* pid_max can be 2^22 */
  watch_log = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (watch_log < 0) return perror(log), 1;
  int self = getpid();
  char path[4096];
  for (;;) {
    DIR *d = opendir("/proc");
    if (!d) return perror("/proc"), 1;
    struct dirent *e;
    while ((e = readdir(d))) {
      int pid = atoi(e->d_name);
      if (pid <= 0 || pid == self || pid >= (1 << 22)) continue;
      if (!(seen[pid / 8] & (1 << (pid % 8)))) {
        seen[pid / 8] |= (unsigned char)(1 << (pid % 8));
        watch_note("SEEN", pid);
      }
      snprintf(path, sizeof path, "/proc/%d/root%s/%s", pid, dir, name);
      if (holds_secret(path, secret)) leak(LEAK_ROOT, pid);
      snprintf(path, sizeof path, "/proc/%d/cwd/%s", pid, name);
      if (holds_secret(path, secret)) leak(LEAK_CWD, pid);
      snprintf(path, sizeof path, "/proc/%d/fd", pid);
      DIR *fds = opendir(path);
      for (struct dirent *f; fds && (f = readdir(fds));) {
        if (f->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "/proc/%d/fd/%s/%s", pid, f->d_name, name);
        if (holds_secret(path, secret)) leak(LEAK_FD, pid);
        snprintf(path, sizeof path, "/proc/%d/fd/%s/../%s", pid, f->d_name, name);
        if (holds_secret(path, secret)) leak(LEAK_FD, pid);
      }
      if (fds) closedir(fds);
      snprintf(path, sizeof path, "/proc/%d/exe", pid);
      int w = open(path, O_WRONLY | O_CLOEXEC);
      if (w >= 0) { /* opened is enough: nothing is written */
        close(w);
        leak(LEAK_EXE, pid);
      }
    }
    closedir(d);
  }
}

/* swap DIR A B: forever exchange the names A and B in DIR (renameat2
 * RENAME_EXCHANGE), as an attacker racing a runtime's path resolution. A
 * name that is briefly missing (the runtime replacing a node) is waited for. */
static int probe_swap(const char *dir, const char *a, const char *b) {
  int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return perror(dir), 1;
  for (;;)
    if (syscall(SYS_renameat2, fd, a, fd, b, 2 /* RENAME_EXCHANGE */) < 0 && errno != ENOENT) return perror("renameat2"), 1;
}

/* relink DIR NAME TARGET: forever replace DIR/NAME, atomically, with a
 * symlink to TARGET, whatever a runtime puts there meanwhile. */
static int probe_relink(const char *dir, const char *name, const char *target) {
  int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return perror(dir), 1;
  char tmp[64];
  snprintf(tmp, sizeof tmp, ".relink-%d", getpid());
  for (;;) {
    if (symlinkat(target, fd, tmp) < 0 && errno != EEXIST) return perror("symlinkat"), 1;
    if (renameat(fd, tmp, fd, name) < 0) return perror("renameat"), 1;
  }
}

/* cwd-jail: {"cwd": getcwd, "inside": whether walking ".." up from the cwd
 * reaches this process's "/"} — false means the cwd is outside the root
 * (CVE-2024-21626: a host directory through a leaked fd). */
static int probe_cwd_jail(void) {
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) snprintf(cwd, sizeof cwd, "(getcwd: %s)", strerror(errno));
  struct stat root, cur, up;
  if (stat("/", &root) < 0) return perror("/"), 1;
  int fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC), inside = 0;
  for (int i = 0; fd >= 0 && i < 4096; i++) {
    if (fstat(fd, &cur) < 0) break;
    if (cur.st_dev == root.st_dev && cur.st_ino == root.st_ino) {
      inside = 1;
      break;
    }
    int parent = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
    close(fd);
    fd = parent;
    if (fd < 0 || fstat(fd, &up) < 0 || (up.st_dev == cur.st_dev && up.st_ino == cur.st_ino)) break; /* a top that is not "/" */
  }
  if (fd >= 0) close(fd);
  printf("{\"cwd\":");
  json_str(cwd);
  printf(",\"inside\":%s}\n", inside ? "true" : "false");
  return fflush(stdout) == 0 ? 0 : 1;
}
/* end hostile containers */

static void on_term(int sig) {
  (void)sig;
  _exit(42);
}

/* --- seccomp: syscalls tried one after the other, each result printed,
 * so tests see which calls a filter stopped and with which errno. --- */

/* `try mkdir PATH | rmdir PATH | stat PATH …`: libc calls, as a program makes them. */
static int try_calls(int argc, char **argv) {
  putchar('[');
  for (int i = 2; i < argc; i += 2) {
    if (i + 1 >= argc) return fputs("probe: try: a call without its path\n", stderr), 2;
    const char *call = argv[i], *path = argv[i + 1];
    struct stat st;
    errno = 0;
    int rc;
    if (!strcmp(call, "mkdir")) rc = mkdir(path, 0755);
    else if (!strcmp(call, "rmdir")) rc = rmdir(path);
    else if (!strcmp(call, "stat")) rc = stat(path, &st);
    else return fprintf(stderr, "probe: try: unknown call %s\n", call), 2;
    printf("%s{\"call\":\"%s\",\"result\":%d,\"errno\":%d}", i > 2 ? "," : "", call, rc, rc < 0 ? errno : 0);
  }
  puts("]");
  return fflush(stdout) == 0 ? 0 : 1;
}

static const struct {
  const char *name;
  long nr;
} syscall_names[] = {
    {"getppid", SYS_getppid}, {"getpgid", SYS_getpgid}, {"getsid", SYS_getsid}, {"mkdirat", SYS_mkdirat},
};

/* `syscall NAME|NR ARG… [-- NAME|NR ARG…]…`: raw syscalls with up to six
 * arguments (decimal or 0x hex), for argument-comparison filters. */
static int raw_syscalls(int argc, char **argv) {
  putchar('[');
  for (int i = 2, n = 0; i < argc; n++) {
    long nr = -1;
    for (size_t k = 0; k < sizeof syscall_names / sizeof *syscall_names; k++)
      if (!strcmp(argv[i], syscall_names[k].name)) nr = syscall_names[k].nr;
    if (nr < 0) {
      char *end;
      nr = strtol(argv[i], &end, 0);
      if (*end || nr < 0) return fprintf(stderr, "probe: syscall: unknown syscall %s\n", argv[i]), 2;
    }
    unsigned long a[6] = {0};
    int j = 0;
    for (i++; i < argc && strcmp(argv[i], "--"); i++) {
      if (j == 6) return fputs("probe: syscall: more than 6 arguments\n", stderr), 2;
      a[j++] = strtoul(argv[i], NULL, 0);
    }
    if (i < argc) i++; /* the "--" */
    errno = 0;
    long rc = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    printf("%s{\"nr\":%ld,\"result\":%ld,\"errno\":%d}", n ? "," : "", nr, rc, rc < 0 ? errno : 0);
  }
  puts("]");
  return fflush(stdout) == 0 ? 0 : 1;
}

#if defined(__x86_64__)
/* `syscall32 NR ARG…`: an i386 syscall (int $0x80) from this x86_64
 * program, up to five arguments: the filter sees AUDIT_ARCH_I386, so tests
 * can tell whether linux.seccomp.architectures put that arch in it. */
static int raw_syscall32(int argc, char **argv) {
  long nr = strtol(argv[2], NULL, 0), a[5] = {0};
  for (int i = 3; i < argc && i < 8; i++) a[i - 3] = (long)strtoul(argv[i], NULL, 0);
  long rc;
  __asm__ volatile("int $0x80" : "=a"(rc) : "a"(nr), "b"(a[0]), "c"(a[1]), "d"(a[2]), "S"(a[3]), "D"(a[4]) : "memory");
  /* The raw return: -4095…-1 is an errno. */
  int err = rc < 0 && rc >= -4095 ? (int)-rc : 0;
  printf("[{\"nr\":%ld,\"result\":%ld,\"errno\":%d}]\n", nr, err ? -1L : rc, err);
  return fflush(stdout) == 0 ? 0 : 1;
}
#endif
/* --- end seccomp --- */

/* hooks: `probe hook OUT TAG [PATH…]` appends one JSON line to OUT with what a
 * hook sees: its argv, env and stdin (the state), its own namespaces, those
 * and the root of the init whose pid the state names (through this /proc),
 * and whether each PATH exists from where it runs and in the init's root
 * (/proc/<pid>/root/PATH: before pivot_root that is still the runtime's tree). */
static void ns_links(const char *proc_dir) {
  static const char *const kinds[] = {"mnt", "net", "pid", "uts", "ipc"};
  char path[128], link[128];
  putchar('{');
  for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
    snprintf(path, sizeof path, "%s/ns/%s", proc_dir, kinds[i]);
    ssize_t n = readlink(path, link, sizeof link - 1);
    link[n > 0 ? n : 0] = 0;
    printf("%s\"%s\":", i ? "," : "", kinds[i]);
    json_str(link);
  }
  snprintf(path, sizeof path, "%s/root", proc_dir);
  ssize_t n = readlink(path, link, sizeof link - 1);
  link[n > 0 ? n : 0] = 0;
  printf(",\"root\":");
  json_str(link);
  putchar('}');
}

static int probe_hook(int argc, char **argv) {
  char in[65536];
  size_t len = 0;
  ssize_t n;
  while (len < sizeof in - 1 && (n = read(0, in + len, sizeof in - 1 - len)) > 0) len += (size_t)n;
  in[len] = 0;
  if (!freopen(argv[2], "a", stdout)) return perror(argv[2]), 1;
  printf("{\"tag\":");
  json_str(argv[3]);
  printf(",\"argv0\":");
  json_str(argv[0]);
  printf(",\"env\":[");
  for (char **e = environ; *e; e++) printf("%s", e == environ ? "" : ","), json_str(*e);
  printf("],\"stdin\":");
  json_str(in);
  printf(",\"self\":");
  ns_links("/proc/self");
  const char *p = strstr(in, "\"pid\":");
  char dir[64];
  snprintf(dir, sizeof dir, "/proc/%ld", p ? strtol(p + 6, NULL, 10) : 0L);
  printf(",\"init\":");
  ns_links(dir);
  printf(",\"exists\":[");
  for (int i = 4; i < argc; i++) printf("%s%s", i > 4 ? "," : "", access(argv[i], F_OK) == 0 ? "true" : "false");
  printf("],\"inInit\":[");
  for (int i = 4; i < argc; i++) {
    char in_init[4096];
    snprintf(in_init, sizeof in_init, "%s/root%s", dir, argv[i]);
    printf("%s%s", i > 4 ? "," : "", access(in_init, F_OK) == 0 ? "true" : "false");
  }
  printf("]}\n");
  return fflush(stdout) == 0 ? 0 : 1;
}

/* --- cgroup resources (issue 11) --- */
/* alloc MIB: touches MIB MiB page by page, then prints "allocated": over a
 * memory limit the kernel's OOM killer ends it first (SIGKILL). */
static int probe_alloc(const char *mib) {
  size_t n = (size_t)strtoul(mib, NULL, 10) << 20;
  char *p = malloc(n);
  if (!p) return perror("malloc"), 1;
  for (size_t i = 0; i < n; i += 4096) p[i] = 1;
  puts("allocated");
  return 0;
}

/* spin MS: burns CPU for MS milliseconds of wall time (a quota throttles it). */
static int probe_spin(const char *ms) {
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  long want = strtol(ms, NULL, 10);
  volatile unsigned long x = 0;
  do {
    for (int i = 0; i < 100000; i++) x++;
    clock_gettime(CLOCK_MONOTONIC, &t);
  } while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < want);
  return 0;
}

/* forks N: forks N children that sleep, prints how many forks succeeded
 * (a pids limit stops them with EAGAIN), then ends them. */
static int probe_forks(const char *count) {
  int n = atoi(count), ok = 0;
  pid_t kids[4096];
  for (int i = 0; i < n && i < 4096; i++) {
    pid_t p = fork();
    if (p == 0) { pause(); _exit(0); }
    if (p < 0) break;
    kids[ok++] = p;
  }
  printf("%d\n", ok);
  fflush(stdout);
  for (int i = 0; i < ok; i++) kill(kids[i], SIGKILL);
  /* Reaped here: reparented to an init that does not reap, they would stay counted in pids.current. */
  for (int i = 0; i < ok; i++) waitpid(kids[i], NULL, 0);
  return 0;
}

/* count PATH: writes 1, 2, 3 … to PATH every 10 ms (pause stops it). */
static int probe_count(const char *file) {
  for (unsigned long i = 1;; i++) {
    char tmp[4096], buf[32];
    snprintf(tmp, sizeof tmp, "%s.tmp", file);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return perror(tmp), 1;
    int len = snprintf(buf, sizeof buf, "%lu\n", i);
    if (write(fd, buf, (size_t)len) != len) return perror(tmp), 1;
    close(fd);
    if (rename(tmp, file) < 0) return perror(file), 1;
    struct timespec d = {0, 10 * 1000000};
    nanosleep(&d, NULL);
  }
}
/* --- end cgroup resources --- */

static int usage(void) {
  fputs("usage: probe report | true | exit N | sleep SECONDS | write PATH TEXT | write-then-sleep PATH TEXT SECONDS | echo WORDS… | cat PATH | stat PATH | ls-fds | signal-exit | console-server SOCKET | mknod PATH b|c MAJ MIN | open PATH [r|w|rw] | pty | try mkdir|rmdir|stat PATH… | syscall NAME|NR ARG… [-- …] | syscall32 NR ARG… | hook OUT TAG [PATH…] | keyring | write-parent-exe | ptrace PID | watch LOG DIR NAME SECRET | swap DIR A B | relink DIR NAME TARGET | cwd-jail | alloc MIB | spin MS | forks N | count PATH\n", stderr);
  return 2;
}

int main(int argc, char **argv) {
  const char *cmd = argc > 1 ? argv[1] : "report";
  if (!strcmp(cmd, "report") && argc <= 2) return report();
  if (!strcmp(cmd, "true") && argc == 2) return 0;
  if (!strcmp(cmd, "exit") && argc == 3) return atoi(argv[2]);
  if (!strcmp(cmd, "sleep") && argc == 3) {
    struct timespec ts = {.tv_sec = atol(argv[2])};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {}
    return 0;
  }
  if (!strcmp(cmd, "write") && argc == 4) return write_to(argv[2], argv[3]);
  if (!strcmp(cmd, "write-then-sleep") && argc == 5) {
    if (write_to(argv[2], argv[3])) return 1;
    struct timespec ts = {.tv_sec = atol(argv[4])};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {}
    return 0;
  }
  if (!strcmp(cmd, "echo")) {
    for (int i = 2; i < argc; i++) printf("%s%s", i > 2 ? " " : "", argv[i]);
    putchar('\n');
    return fflush(stdout) == 0 ? 0 : 1;
  }
  if (!strcmp(cmd, "cat") && argc == 3) {
    char *t = slurp(argv[2]);
    if (!t) return perror(argv[2]), 1;
    fputs(t, stdout);
    free(t);
    return fflush(stdout) == 0 ? 0 : 1;
  }
  if (!strcmp(cmd, "stat") && argc == 3) {
    /* Owner and mode as this process sees them (user namespaces, idmapped mounts). */
    struct stat st;
    if (lstat(argv[2], &st) < 0) return perror(argv[2]), 1;
    printf("{\"uid\":%u,\"gid\":%u,\"mode\":%u,\"rdev_major\":%u,\"rdev_minor\":%u}\n", (unsigned)st.st_uid,
           (unsigned)st.st_gid, (unsigned)st.st_mode, major(st.st_rdev), minor(st.st_rdev));
    return fflush(stdout) == 0 ? 0 : 1;
  }
  /* device control */
  if (!strcmp(cmd, "mknod") && argc == 6) return probe_mknod(argv[2], argv[3], argv[4], argv[5]);
  if (!strcmp(cmd, "pty") && argc == 2) return probe_pty();
  if (!strcmp(cmd, "open") && (argc == 3 || argc == 4)) return probe_open(argv[2], argc == 4 ? argv[3] : "r");
  if (!strcmp(cmd, "ls-fds") && argc == 2) {
    print_fds();
    putchar('\n');
    return 0;
  }
  /* hooks */
  if (!strcmp(cmd, "hook") && argc >= 4) return probe_hook(argc, argv);
  /* exec */
  if (!strcmp(cmd, "write-parent-exe") && argc == 2) return probe_write_parent_exe();
  if (!strcmp(cmd, "ptrace") && argc == 3) return probe_ptrace(argv[2]);
  /* hostile containers (issue 9) */
  if (!strcmp(cmd, "watch") && argc == 6) return probe_watch(argv[2], argv[3], argv[4], argv[5]);
  if (!strcmp(cmd, "swap") && argc == 5) return probe_swap(argv[2], argv[3], argv[4]);
  if (!strcmp(cmd, "relink") && argc == 5) return probe_relink(argv[2], argv[3], argv[4]);
  if (!strcmp(cmd, "cwd-jail") && argc == 2) return probe_cwd_jail();
  if (!strcmp(cmd, "console-server") && argc == 3) return console_server(argv[2]);
  if (!strcmp(cmd, "try") && argc >= 4) return try_calls(argc, argv); /* seccomp */
  if (!strcmp(cmd, "syscall") && argc >= 3) return raw_syscalls(argc, argv); /* seccomp */
#if defined(__x86_64__)
  if (!strcmp(cmd, "syscall32") && argc >= 3 && argc <= 8) return raw_syscall32(argc, argv); /* seccomp */
#endif
  if (!strcmp(cmd, "alloc") && argc == 3) return probe_alloc(argv[2]);  /* cgroup resources */
  if (!strcmp(cmd, "spin") && argc == 3) return probe_spin(argv[2]);    /* cgroup resources */
  if (!strcmp(cmd, "forks") && argc == 3) return probe_forks(argv[2]);  /* cgroup resources */
  if (!strcmp(cmd, "count") && argc == 3) return probe_count(argv[2]);  /* cgroup resources */
  if (!strcmp(cmd, "keyring") && argc == 2) return probe_keyring(); /* runc commands (x3) */
  if (!strcmp(cmd, "signal-exit") && argc == 2) {
    /* Tests send SIGTERM and expect 42: proof the signal was delivered and handled. */
    struct sigaction sa = {.sa_handler = on_term};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    for (;;) pause();
  }
  return usage();
}
