// rt:sys bindings for processes (native/host/SYS.md): ids, the environment,
// kill, signals read through a signalfd, spawn, waitpid, sleep, exit.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sys_args.h"
#include "sys_bindings.h"
#include "sys_errors.h"

JSValue sys_getpid(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc, (void)argv;
    return JS_NewInt32(ctx, getpid());
}

JSValue sys_getuid(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc, (void)argv;
    return JS_NewUint32(ctx, getuid());
}

JSValue sys_geteuid(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc, (void)argv;
    return JS_NewUint32(ctx, geteuid());
}

JSValue sys_getenv(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    const char *name = arg_str(ctx, argv[0], "name");
    if (!name)
        return JS_EXCEPTION;
    const char *v = getenv(name);
    JS_FreeCString(ctx, name);
    return v ? JS_NewString(ctx, v) : JS_UNDEFINED;
}

JSValue sys_kill(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    int pid, sig;
    if (arg_int(ctx, argv[0], "pid", &pid) < 0 || arg_int(ctx, argv[1], "sig", &sig) < 0)
        return JS_EXCEPTION;
    if (kill(pid, sig) < 0)
        return throw_sys(ctx, errno, "kill", NULL, NULL);
    return JS_UNDEFINED;
}

// ---- signals through a signalfd ---------------------------------------------
//
// Why not QuickJS's os.signal: its event loop (js_os_poll) looks at the
// signals its handler has recorded and then blocks in select(), with no
// pselect in between; a signal that arrives between the two is noticed only
// at the next fd event or timer. For `rt run` that may be the container's
// exit: an engine's SIGTERM would never reach the container. A blocked signal
// instead stays pending and makes its signalfd readable, whenever it comes.

// A number[] of signals as a sigset_t; -1 with an exception (EINVAL, as
// `syscall`, for a number that is no signal).
static int arg_sigset(JSContext *ctx, JSValueConst v, const char *syscall, sigset_t *set)
{
    int64_t n = array_length(ctx, v, "signals");
    if (n < 0)
        return -1;
    sigemptyset(set);
    for (int64_t i = 0; i < n; i++) {
        int sig;
        JSValue e = JS_GetPropertyUint32(ctx, v, (uint32_t)i);
        int r = arg_int(ctx, e, "signals[i]", &sig);
        JS_FreeValue(ctx, e);
        if (r < 0)
            return -1;
        if (sigaddset(set, sig) < 0) {
            throw_sys(ctx, errno, syscall, NULL, NULL);
            return -1;
        }
    }
    return 0;
}

JSValue sys_signalfd(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    sigset_t set, old;
    if (arg_sigset(ctx, argv[0], "signalfd", &set) < 0)
        return JS_EXCEPTION;
    // Blocked first: one that comes before the signalfd exists is pending
    // and read through it, not handled by its old disposition.
    if (sigprocmask(SIG_BLOCK, &set, &old) < 0)
        return throw_sys(ctx, errno, "sigprocmask", NULL, NULL);
    int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd < 0) {
        int err = errno;
        sigprocmask(SIG_SETMASK, &old, NULL);
        return throw_sys(ctx, err, "signalfd", NULL, NULL);
    }
    return JS_NewInt32(ctx, fd);
}

JSValue sys_readSignal(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    int fd;
    if (arg_int(ctx, argv[0], "fd", &fd) < 0)
        return JS_EXCEPTION;
    struct signalfd_siginfo si;
    ssize_t n;
    while ((n = read(fd, &si, sizeof si)) < 0 && errno == EINTR)
        ;
    if (n < 0)
        return errno == EAGAIN ? JS_NewInt32(ctx, 0) : throw_sys(ctx, errno, "read", NULL, NULL);
    // A signalfd gives whole records only: a short read means fd is no signalfd.
    if ((size_t)n != sizeof si)
        return throw_sys(ctx, EIO, "read", NULL, NULL);
    return JS_NewInt32(ctx, (int)si.ssi_signo);
}

JSValue sys_unblockSignals(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    sigset_t set;
    if (arg_sigset(ctx, argv[0], "sigprocmask", &set) < 0)
        return JS_EXCEPTION;
    if (sigprocmask(SIG_UNBLOCK, &set, NULL) < 0)
        return throw_sys(ctx, errno, "sigprocmask", NULL, NULL);
    return JS_UNDEFINED;
}

// ---- spawn, wait, sleep, exit -----------------------------------------------

// spawn(path, argv, env, fds): in the child, fd i is a dup of fds[i] and
// nothing else is open. Every source is first duplicated in the parent to a
// close-on-exec temporary numbered >= fds.length, so no dup2 onto a target
// can clobber a source that a later target still needs, however the sources
// and targets collide; dup2 clears close-on-exec on each target. posix_spawn
// is vfork-like in glibc (clone(CLONE_VM|CLONE_VFORK)): no page-table copy.
JSValue sys_spawn(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    JSValue ret = JS_EXCEPTION;
    const char *path = NULL;
    char **cargv = NULL, **cenv = NULL;
    int *tmp = NULL;
    int64_t nfds = 0, i;
    int file_actions_ready = 0, attr_ready = 0;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;

    if (!(path = arg_str(ctx, argv[0], "path")))
        goto done;
    if (!(cargv = arg_strings(ctx, argv[1], "argv")) || !(cenv = arg_strings(ctx, argv[2], "env")))
        goto done;
    if ((nfds = array_length(ctx, argv[3], "fds")) < 0)
        goto done;
    if (!(tmp = malloc((nfds ? nfds : 1) * sizeof *tmp))) {
        JS_ThrowOutOfMemory(ctx);
        goto done;
    }
    for (i = 0; i < nfds; i++)
        tmp[i] = -1;
    for (i = 0; i < nfds; i++) {
        int src;
        JSValue e = JS_GetPropertyUint32(ctx, argv[3], (uint32_t)i);
        int r = arg_int(ctx, e, "fds[i]", &src);
        JS_FreeValue(ctx, e);
        if (r < 0)
            goto done;
        tmp[i] = fcntl(src, F_DUPFD_CLOEXEC, (int)(nfds > 3 ? nfds : 3));
        if (tmp[i] < 0) {
            throw_sys(ctx, errno, "dup", NULL, NULL);
            goto done;
        }
    }
    int err = posix_spawn_file_actions_init(&fa);
    file_actions_ready = err == 0;
    for (i = 0; i < nfds && !err; i++)
        err = posix_spawn_file_actions_adddup2(&fa, tmp[i], (int)i);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    // Also whatever the host inherited without close-on-exec.
    if (!err)
        err = posix_spawn_file_actions_addclosefrom_np(&fa, (int)nfds);
#endif
    // The host ignores SIGPIPE (host.c); the child gets the default. And the
    // host may have signals blocked (signalfd, while `run` forwards them):
    // the child starts with none blocked, as a blocked mask survives execve.
    sigset_t sigdef, sigmask;
    sigemptyset(&sigdef);
    sigaddset(&sigdef, SIGPIPE);
    sigemptyset(&sigmask);
    if (!err && !(err = posix_spawnattr_init(&attr))) {
        attr_ready = 1;
        err = posix_spawnattr_setsigdefault(&attr, &sigdef);
        if (!err)
            err = posix_spawnattr_setsigmask(&attr, &sigmask);
        if (!err)
            err = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    }
    pid_t pid;
    if (!err)
        err = posix_spawn(&pid, path, &fa, &attr, cargv, cenv);
    ret = err ? throw_sys(ctx, err, "spawn", path, NULL) : JS_NewInt32(ctx, pid);
done:
    if (attr_ready)
        posix_spawnattr_destroy(&attr);
    if (file_actions_ready)
        posix_spawn_file_actions_destroy(&fa);
    if (tmp)
        for (i = 0; i < nfds; i++)
            if (tmp[i] >= 0)
                close(tmp[i]);
    free(tmp);
    free_cstrings(ctx, cargv);
    free_cstrings(ctx, cenv);
    if (path)
        JS_FreeCString(ctx, path);
    return ret;
}

JSValue sys_waitpid(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    int pid, flags, status = 0;
    if (arg_int(ctx, argv[0], "pid", &pid) < 0 || arg_int(ctx, argv[1], "flags", &flags) < 0)
        return JS_EXCEPTION;
    pid_t r = waitpid(pid, &status, flags);
    if (r < 0)
        return throw_sys(ctx, errno, "waitpid", NULL, NULL);
    JSValue arr = JS_NewArray(ctx);
    JS_DefinePropertyValueUint32(ctx, arr, 0, JS_NewInt32(ctx, r), JS_PROP_C_W_E);
    JS_DefinePropertyValueUint32(ctx, arr, 1, JS_NewInt32(ctx, status), JS_PROP_C_W_E);
    return arr;
}

JSValue sys_sleep(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    double ms;
    if (!JS_IsNumber(argv[0]))
        return JS_ThrowTypeError(ctx, "ms must be a number");
    if (JS_ToFloat64(ctx, &ms, argv[0]) < 0)
        return JS_EXCEPTION;
    if (!(ms > 0))
        return JS_UNDEFINED;
    struct timespec ts = { .tv_sec = (time_t)(ms / 1000) };
    ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1000) * 1e6);
    // The whole time, even if a signal interrupts it (the JS handler runs later).
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
    return JS_UNDEFINED;
}

JSValue sys_exit(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    int code;
    if (arg_int(ctx, argv[0], "code", &code) < 0)
        return JS_EXCEPTION;
    // exit(3): also flushes stdio, which only QuickJS's own print/console use.
    exit(code);
}
