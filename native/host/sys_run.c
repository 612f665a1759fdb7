// rt:sys run(): runs a program to completion with a text on its stdin and a
// time limit (native/host/SYS.md): what rt's hooks need, in the runtime
// namespace. The program gets the text on a pipe, rt's stderr as its stdout
// and stderr, no other fd, an empty signal mask; at the limit it is killed
// (SIGKILL) and reaped.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sys_args.h"
#include "sys_bindings.h"
#include "sys_errors.h"

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// The state is small (well under a pipe's buffer); a program that never
// reads it must still not block rt, so the write end is non-blocking.
static void feed(int fd, const char *p, size_t len)
{
    fcntl(fd, F_SETFL, O_NONBLOCK);
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        p += n, len -= (size_t)n;
    }
    close(fd);
}

// Waits for pid, at most until deadline (ms of CLOCK_MONOTONIC; 0 = none).
// Returns the wait status, or -2 once it had to be killed.
static int await_child(pid_t pid, long long deadline)
{
    int status = 0;
    int pfd = deadline ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
    for (;;) {
        pid_t r = waitpid(pid, &status, deadline ? WNOHANG : 0);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR) {
            status = 0;
            break;
        }
        if (!deadline)
            continue;
        long long left = deadline - now_ms();
        if (left <= 0) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            status = -2;
            break;
        }
        if (pfd >= 0) {
            struct pollfd p = { .fd = pfd, .events = POLLIN };
            poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
        } else {
            struct timespec ts = { 0, 1000000 }; // no pidfd: look every ms
            nanosleep(&ts, NULL);
        }
    }
    if (pfd >= 0)
        close(pfd);
    return status;
}

// run(path, argv, env, stdin, timeoutMs) -> [status, timedOut]
JSValue sys_run(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    JSValue ret = JS_EXCEPTION;
    const char *path = NULL, *input = NULL;
    char **cargv = NULL, **cenv = NULL;
    size_t input_len = 0;
    double timeout_ms = 0;
    int in[2] = { -1, -1 };
    if (!(path = arg_str(ctx, argv[0], "path")))
        goto done;
    if (!(cargv = arg_strings(ctx, argv[1], "argv")) || !(cenv = arg_strings(ctx, argv[2], "env")))
        goto done;
    if (!(input = JS_ToCStringLen(ctx, &input_len, argv[3])))
        goto done;
    if (!JS_IsNumber(argv[4]) || JS_ToFloat64(ctx, &timeout_ms, argv[4]) < 0 || !(timeout_ms >= 0)) {
        JS_ThrowTypeError(ctx, "timeoutMs must be a number >= 0");
        goto done;
    }
    if (pipe2(in, O_CLOEXEC) < 0) {
        ret = throw_sys(ctx, errno, "pipe2", NULL, NULL);
        goto done;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t sigdef, none;
    sigemptyset(&sigdef);
    sigaddset(&sigdef, SIGPIPE);
    sigemptyset(&none);
    int err = posix_spawn_file_actions_init(&fa);
    if (err) {
        ret = throw_sys(ctx, err, "spawn", path, NULL);
        goto done;
    }
    err = posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    if (!err)
        err = posix_spawn_file_actions_adddup2(&fa, 2, 1);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    if (!err)
        err = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
    if (!err && !(err = posix_spawnattr_init(&attr))) {
        err = posix_spawnattr_setsigdefault(&attr, &sigdef);
        if (!err)
            err = posix_spawnattr_setsigmask(&attr, &none);
        if (!err)
            err = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
        pid_t pid;
        long long deadline = timeout_ms > 0 ? now_ms() + (long long)timeout_ms : 0;
        if (!err)
            err = posix_spawn(&pid, path, &fa, &attr, cargv, cenv);
        posix_spawnattr_destroy(&attr);
        if (!err) {
            close(in[0]);
            in[0] = -1;
            feed(in[1], input, input_len);
            in[1] = -1;
            int status = await_child(pid, deadline);
            ret = JS_NewArray(ctx);
            JS_DefinePropertyValueUint32(ctx, ret, 0, JS_NewInt32(ctx, status == -2 ? 0 : status), JS_PROP_C_W_E);
            JS_DefinePropertyValueUint32(ctx, ret, 1, JS_NewBool(ctx, status == -2), JS_PROP_C_W_E);
        }
    }
    posix_spawn_file_actions_destroy(&fa);
    if (err)
        ret = throw_sys(ctx, err, "spawn", path, NULL);
done:
    if (in[0] >= 0)
        close(in[0]);
    if (in[1] >= 0)
        close(in[1]);
    free_cstrings(ctx, cargv);
    free_cstrings(ctx, cenv);
    if (input)
        JS_FreeCString(ctx, input);
    if (path)
        JS_FreeCString(ctx, path);
    return ret;
}
