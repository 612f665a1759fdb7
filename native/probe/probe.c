/* probe: a static test program placed in the test rootfs as /bin/probe.
 * `probe report` prints, as one JSON object, what a container process sees
 * (ids, limits, namespaces, mounts, fds …) so tests can compare it with the
 * config; the other subcommands are small behaviours tests need. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

extern char **environ;

static void json_str(const char *s) {
  putchar('"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') printf("\\%c", *p);
    else if (*p == '\n') fputs("\\n", stdout);
    else if (*p == '\t') fputs("\\t", stdout);
    else if (*p < 0x20) printf("\\u%04x", *p);
    else putchar(*p);
  }
  putchar('"');
}

/* Whole file as a string, or NULL. */
static char *slurp(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (len + 1 >= cap) buf = realloc(buf, cap *= 2);
    ssize_t n = read(fd, buf + len, cap - len - 1);
    if (n <= 0) break;
    len += (size_t)n;
  }
  close(fd);
  buf[len] = 0;
  return buf;
}

static void field_text(const char *name, const char *path) {
  char *t = slurp(path);
  printf(",\"%s\":", name);
  if (t) json_str(t); else fputs("null", stdout);
  free(t);
}

static const char *rlimit_names[] = {"RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE",
                                     "RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS",
                                     "RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE",
                                     "RLIMIT_RTPRIO", "RLIMIT_RTTIME"};

static void print_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  int first = 1;
  putchar('[');
  if (d) {
    int self = dirfd(d);
    int fds[1024], n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 1024) {
      if (e->d_name[0] == '.') continue;
      int fd = atoi(e->d_name);
      if (fd != self) fds[n++] = fd;
    }
    closedir(d);
    for (int i = 0; i < n; i++) /* sort: small n */
      for (int j = i + 1; j < n; j++)
        if (fds[j] < fds[i]) { int t = fds[i]; fds[i] = fds[j]; fds[j] = t; }
    for (int i = 0; i < n; i++) printf("%s%d", first ? "" : ",", fds[i]), first = 0;
  }
  putchar(']');
}

static int report(void) {
  struct utsname u;
  uname(&u);
  char cwd[4096] = "";
  if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, "?");
  mode_t m = umask(0);
  umask(m);
  printf("{\"hostname\":");
  json_str(u.nodename);
  printf(",\"domainname\":");
  json_str(u.domainname);
  printf(",\"uid\":%d,\"gid\":%d,\"euid\":%d,\"egid\":%d", getuid(), getgid(), geteuid(), getegid());
  gid_t groups[256];
  int ng = getgroups(256, groups);
  printf(",\"groups\":[");
  for (int i = 0; i < ng; i++) printf("%s%d", i ? "," : "", groups[i]);
  printf("],\"cwd\":");
  json_str(cwd);
  printf(",\"umask\":%d,\"rlimits\":{", m);
  for (int r = 0; r < 16; r++) {
    struct rlimit rl;
    getrlimit(r, &rl);
    printf("%s\"%s\":[%lld,%lld]", r ? "," : "", rlimit_names[r], rl.rlim_cur == RLIM_INFINITY ? -1LL : (long long)rl.rlim_cur,
           rl.rlim_max == RLIM_INFINITY ? -1LL : (long long)rl.rlim_max);
  }
  printf("},\"env\":[");
  for (char **e = environ; *e; e++) {
    if (e != environ) putchar(',');
    json_str(*e);
  }
  printf("]");
  field_text("mountinfo", "/proc/self/mountinfo");
  printf(",\"ns\":{");
  const char *ns[] = {"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"};
  for (int i = 0; i < 8; i++) {
    char path[64], link[256];
    snprintf(path, sizeof path, "/proc/self/ns/%s", ns[i]);
    ssize_t n = readlink(path, link, sizeof link - 1);
    link[n < 0 ? 0 : n] = 0;
    printf("%s\"%s\":", i ? "," : "", ns[i]);
    json_str(link);
  }
  printf("},\"fds\":");
  print_fds();
  printf(",\"no_new_privs\":%d", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
  char *oom = slurp("/proc/self/oom_score_adj");
  printf(",\"oom_score_adj\":%s", oom ? oom : "null");
  free(oom);
  printf(",\"pid\":%d,\"ppid\":%d", getpid(), getppid());
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  exe[n < 0 ? 0 : n] = 0;
  printf(",\"exe\":");
  json_str(exe);
  field_text("cgroup", "/proc/self/cgroup");
  printf(",\"stdin_isatty\":%s}\n", isatty(0) ? "true" : "false");
  return 0;
}

static int write_to(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || write(fd, text, strlen(text)) < 0) return perror(path), 1;
  return close(fd);
}

static void on_term(int sig) { (void)sig; _exit(42); }

int main(int argc, char **argv) {
  const char *cmd = argc > 1 ? argv[1] : "report";
  if (!strcmp(cmd, "report")) return report();
  if (!strcmp(cmd, "true")) return 0;
  if (!strcmp(cmd, "exit") && argc > 2) return atoi(argv[2]);
  if (!strcmp(cmd, "sleep") && argc > 2) return sleep((unsigned)atoi(argv[2])), 0;
  if (!strcmp(cmd, "write") && argc > 3) return write_to(argv[2], argv[3]);
  if (!strcmp(cmd, "write-then-sleep") && argc > 4) {
    if (write_to(argv[2], argv[3])) return 1;
    sleep((unsigned)atoi(argv[4]));
    return 0;
  }
  if (!strcmp(cmd, "echo")) {
    for (int i = 2; i < argc; i++) printf("%s%s", i > 2 ? " " : "", argv[i]);
    putchar('\n');
    return 0;
  }
  if (!strcmp(cmd, "cat") && argc > 2) {
    char *t = slurp(argv[2]);
    if (!t) return perror(argv[2]), 1;
    fputs(t, stdout);
    return 0;
  }
  if (!strcmp(cmd, "ls-fds")) return print_fds(), putchar('\n'), 0;
  if (!strcmp(cmd, "signal-exit")) {
    signal(SIGTERM, on_term);
    for (;;) pause();
  }
  fprintf(stderr, "usage: probe report|true|exit N|sleep S|write P T|write-then-sleep P T S|echo …|cat P|ls-fds|signal-exit\n");
  return 2;
}
