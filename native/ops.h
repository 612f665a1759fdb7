/* The ops of PLAN.md "Ops". Each returns 0, or -1 after fail(): the op loop in
 * main.c turns that into `ERROR <index> <errno> <message>`. */
#ifndef RT_OPS_H
#define RT_OPS_H

#include <sys/types.h>

#include "plan.h"

#define RT_MAX_EXTRA_CGROUPS 16

/* What the parent collects before CLONE and hands to the child by fork. */
struct exec_state {
  int wait_mode;       /* MODE wait: the parent waits for the init and reports EXIT */
  int proc_fd;         /* the executor's /proc, opened at start: /proc/<pid>/… after NS_JOIN mount */
  int cgroup_fd;       /* CGROUP_JOIN dir, opened when the op runs */
  int cgroup_procs_fd; /* its cgroup.procs, opened for writing then (mode migrate) */
  int cgroup_born;     /* CGROUP_JOIN mode "born": clone the init into it */
  int cgroup_joined;   /* the init was born in it (CLONE_INTO_CGROUP) */
  long cgroup_op;
  /* Further CGROUP_JOINs (other hierarchies, e.g. v1 devices): always
   * migrated; their cgroup.procs, opened for writing when the op runs. */
  int cgroup_extra_fd[RT_MAX_EXTRA_CGROUPS];
  long cgroup_extra_op[RT_MAX_EXTRA_CGROUPS];
  const char *cgroup_extra_path[RT_MAX_EXTRA_CGROUPS]; /* for messages */
  int n_cgroup_extra;
  int fifo_fd;         /* OPEN_FIFO */
  int console_fd;      /* CONSOLE */
  int seccomp_fd;      /* SECCOMP_LISTENER: the socket to linux.seccomp.listenerPath */
  pid_t init_host_pid; /* in the init: its pid as the executor sees it (sent on release) */
  int hook_fifo_fd;    /* HOOK_FIFO */
  int release_fd;      /* init: the release pipe, kept for HOOK_PAUSE's go-ahead */
  const struct op *uid_map, *gid_map, *setgroups;
  long uid_map_op, gid_map_op, setgroups_op;
};
extern struct exec_state S;

/* ops_ns.c */
int op_ns_join(const struct op *o);
int op_cgroup_join(const struct op *o, long idx);
/* Child, right after clone: the cgroup dirs are the parent's business. */
void close_cgroup_fds(void);
int op_sethostname(const struct op *o);
int op_setdomainname(const struct op *o);
/* CLONE's flags: only CLONE_NEW* bits are accepted. */
int clone_flags(const struct op *o, unsigned long long *flags);
/* fork-like clone into new namespaces; returns like fork(). */
pid_t clone_child(unsigned long long flags);
/* Parent, after clone: setgroups, uid_map, gid_map, cgroup.procs. 0, or -1
 * with *op set to the index of the op behind the failure. */
int prepare_child(pid_t pid, long *op);

/* ops_mount.c (before pivot, targets resolved inside the rootfs) */
int op_mount(const struct op *o);
int op_propagate(const struct op *o);
int op_mount_setattr(const struct op *o);
int op_make_root_private(const struct op *o);
int op_bind_rootfs(const struct op *o);
int op_bind_device(const struct op *o);
/* A mount target resolved (and created) in the rootfs as MOUNT does: an O_PATH fd, or -1 after fail(). */
int open_target_in_root(const char *target, const char *create, const char *root);
/* A directory resolved in the rootfs as a MOUNT target, O_RDONLY|O_DIRECTORY: an fd, or -1 with errno (no report). */
int open_dir_in_root(const char *target, const char *root);
/* target now has a mount whose root is fd's inode, for the ops that finish it (remount, MOUNT_SETATTR). */
void remember_bind(const char *target, int fd);
int op_pivot_root(const struct op *o);
int op_move_root(const struct op *o);
int op_chroot(const struct op *o); /* no mount namespace of its own: no mount at all */
/* (after pivot, plain paths in the new root) */
int op_mask(const struct op *o);
int op_readonly(const struct op *o);
int op_remount_ro(const struct op *o);

/* ops_dev.c (after pivot) */
int op_mknod(const struct op *o);
int op_symlink(const struct op *o);

/* ops_process.c */
int op_sysctl(const struct op *o);
int op_oom_score_adj(const struct op *o);
int op_rlimit(const struct op *o);
int op_chdir(const struct op *o);
int op_umask(const struct op *o);
int op_setgroups_ids(const struct op *o);
int op_setgid(const struct op *o);
int op_setuid(const struct op *o);
int op_no_new_privs(const struct op *o);
int op_dumpable(const struct op *o);
int op_setsid(void);

/* ops_exec.c */
int op_open_fifo(const struct op *o);
int op_env(const struct op *o);
int op_args(const struct op *o);
int op_close_fds(const struct op *o);
int op_wait_start(const struct op *o);
int op_exec(const struct op *o); /* returns only on failure */

/* ops_console.c */
int op_console(const struct op *o);
int op_console_setup(const struct op *o);

/* ops_caps.c: capability sets (after SETUID) and keep-caps across the uid switch */
int op_caps(const struct op *o);
int op_keep_caps(const struct op *o);

/* ops_seccomp.c: the filter, built and loaded with libseccomp */
int op_seccomp_listener(const struct op *o); /* parent */
int op_seccomp_init(const struct op *o);
int op_seccomp_rule(const struct op *o);
int op_seccomp_load(const struct op *o);

/* ops_sched.c: personality, scheduling, I/O priority, CPU affinity, memory policy, time offsets */
int op_personality(const struct op *o);
int op_scheduler(const struct op *o);
int op_ioprio(const struct op *o);
int op_cpu_affinity(const struct op *o); /* either phase */
int op_mempolicy(const struct op *o);
int op_timens(const struct op *o); /* parent */

/* ops_devcgroup.c: the cgroup v2 device filter (eBPF) */
int op_device_filter(const struct op *o); /* parent */

/* ops_userns.c: user namespaces for idmapped mounts, and those mounts */
int op_userns_fd(const struct op *o);   /* parent */
int op_idmap_tree(const struct op *o);  /* parent */
int op_mount_idmap(const struct op *o);
/* After clone: the init closes the user namespace fds (the executor's business),
 * the executor those and the prepared trees too (the init's now). */
void userns_fds_close(int trees_too);

/* ops_netdev.c: linux.netDevices. NETDEV (parent, before CLONE) checks the
 * device and stores the op; after clone, netdev_apply moves every stored
 * device into the init's network namespace (0, or -1 with *op set to the
 * failing NETDEV). netdev_close: the init drops the runtime-side socket. */
int op_netdev(const struct op *o, long idx);
int netdev_apply(pid_t pid, long *op);
void netdev_close(void);

/* ops_hooks.c: hooks run by the init, and the pause in which rt runs its own */
int op_hook_fifo(const struct op *o); /* parent */
int op_hook_pid(const struct op *o);
int op_hook_pause(const struct op *o);
int op_hook_run(const struct op *o, long idx);
/* Parent: relays a "HOOKS <kind>" line to rt, waits for its go-ahead ('1') on
 * the sync socket and passes it to the init. 0, or -1 (refused, or rt gone). */
int hooks_relay(const char *line, int release_fd);
/* ops_keyring.c: the init's own session keyring */
int op_keyring(const struct op *o);

/* ops_tmpcopyup.c: a tmpfs that starts with a copy of the directory it covers */
int op_tmpcopyup(const struct op *o);

/* selfexec.c */
void ensure_sealed_self(char **argv, int report_fd);

#endif
