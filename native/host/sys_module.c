// rt:sys: the system calls rt's CLI makes under QuickJS (native/host/SYS.md).
// Thin wrappers: each binding is one call (or one obvious loop of calls) and
// reports failure as a Node-shaped system error. The host decides nothing.
// This file is the module: its export table and its init. The bindings are
// in sys_files.c, sys_process.c and sys_tty.c, their errors in sys_errors.c, argument
// conversion in sys_args.c.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "quickjs.h"
#include "sys_bindings.h"

JSModuleDef *js_init_module_rt_sys(JSContext *ctx, const char *name);
void rt_sys_set_args(int argc, char **argv);

static int g_argc;
static char **g_argv;

void rt_sys_set_args(int argc, char **argv)
{
    g_argc = argc;
    g_argv = argv;
}

#define FN(name, length) JS_CFUNC_DEF(#name, length, sys_##name)
#define INT(name) JS_PROP_INT32_DEF(#name, name, JS_PROP_ENUMERABLE)

static const JSCFunctionListEntry sys_funcs[] = {
    FN(readFile, 2), FN(writeFile, 4), FN(open, 3), FN(close, 1), FN(read, 2), FN(write, 3),
    FN(utf8Decode, 1), FN(utf8Encode, 1), FN(rename, 2), FN(mkdir, 2), FN(rmdir, 1),
    FN(unlink, 1), FN(lstat, 1), FN(stat, 1), FN(readdir, 1), FN(realpath, 1),
    FN(getcwd, 0), FN(readlink, 1), FN(getpid, 0), FN(getuid, 0), FN(geteuid, 0),
    FN(getenv, 1), FN(kill, 2), FN(socketpair, 0), FN(spawn, 4), FN(run, 5), FN(waitpid, 2),
    FN(sleep, 1), FN(exit, 1), FN(signalfd, 1), FN(readSignal, 1), FN(unblockSignals, 1),
    FN(unixListen, 1), FN(recvFd, 1), FN(ttyMakeRaw, 1), FN(ttyRestore, 2), FN(ttyGetSize, 1),
    FN(ttySetSize, 3), FN(setNonblock, 2),
    INT(O_RDONLY), INT(O_WRONLY), INT(O_RDWR), INT(O_CREAT), INT(O_EXCL), INT(O_TRUNC),
    INT(O_APPEND), INT(O_NONBLOCK), INT(O_DIRECTORY), INT(O_NOFOLLOW),
    INT(S_IFMT), INT(S_IFDIR), INT(S_IFREG), INT(S_IFIFO), INT(S_IFLNK),
    INT(WNOHANG), INT(SIGCHLD),
};

// Node's os.constants.signals on Linux, in its order (aliases after the name
// they alias, so a reverse look-up finds the usual name first).
#define SIG(name) { #name, name }
static const struct { const char *name; int num; } signal_list[] = {
    SIG(SIGHUP), SIG(SIGINT), SIG(SIGQUIT), SIG(SIGILL), SIG(SIGTRAP), SIG(SIGABRT),
    SIG(SIGIOT), SIG(SIGBUS), SIG(SIGFPE), SIG(SIGKILL), SIG(SIGUSR1), SIG(SIGSEGV),
    SIG(SIGUSR2), SIG(SIGPIPE), SIG(SIGALRM), SIG(SIGTERM), SIG(SIGCHLD), SIG(SIGSTKFLT),
    SIG(SIGCONT), SIG(SIGSTOP), SIG(SIGTSTP), SIG(SIGTTIN), SIG(SIGTTOU), SIG(SIGURG),
    SIG(SIGXCPU), SIG(SIGXFSZ), SIG(SIGVTALRM), SIG(SIGPROF), SIG(SIGWINCH), SIG(SIGIO),
    SIG(SIGPOLL), SIG(SIGPWR), SIG(SIGSYS),
};
#undef SIG

static int sys_init(JSContext *ctx, JSModuleDef *m)
{
    JSValue args = JS_NewArray(ctx);
    for (int i = 1; i < g_argc; i++)
        JS_DefinePropertyValueUint32(ctx, args, i - 1, JS_NewString(ctx, g_argv[i]), JS_PROP_C_W_E);
    JSValue signals = JS_NewObject(ctx);
    for (size_t i = 0; i < sizeof signal_list / sizeof *signal_list; i++)
        JS_DefinePropertyValueStr(ctx, signals, signal_list[i].name, JS_NewInt32(ctx, signal_list[i].num), JS_PROP_C_W_E);
    if (JS_SetModuleExport(ctx, m, "argv", args) < 0 || JS_SetModuleExport(ctx, m, "signals", signals) < 0)
        return -1;
    return JS_SetModuleExportList(ctx, m, sys_funcs, sizeof sys_funcs / sizeof *sys_funcs);
}

JSModuleDef *js_init_module_rt_sys(JSContext *ctx, const char *name)
{
    JSModuleDef *m = JS_NewCModule(ctx, name, sys_init);
    if (!m)
        return NULL;
    if (JS_AddModuleExport(ctx, m, "argv") < 0 || JS_AddModuleExport(ctx, m, "signals") < 0 ||
        JS_AddModuleExportList(ctx, m, sys_funcs, sizeof sys_funcs / sizeof *sys_funcs) < 0)
        return NULL;
    return m;
}
