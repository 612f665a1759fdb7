// The `rt` executable: QuickJS running rt's CLI from precompiled bytecode
// (native/host/SYS.md). Sets up one context, offers the modules rt:sys,
// qjs:os (QuickJS's event loop) and qjs:std, evaluates the bytecode and runs
// the event loop. Anything the program does not catch ends it: printed with
// its stack after "rt: internal error: ", exit status 1.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "quickjs-libc.h"

extern const uint8_t qjsc_rt[];
extern const uint32_t qjsc_rt_size;

JSModuleDef *js_init_module_rt_sys(JSContext *ctx, const char *name);
void rt_sys_set_args(int argc, char **argv);

static void print_value(JSContext *ctx, JSValueConst v)
{
    const char *s = JS_ToCString(ctx, v);
    fputs(s ? s : "[exception]", stderr);
    JS_FreeCString(ctx, s);
}

static void fatal(JSContext *ctx, JSValueConst exc) __attribute__((noreturn));
static void fatal(JSContext *ctx, JSValueConst exc)
{
    fputs("rt: internal error: ", stderr);
    print_value(ctx, exc);
    fputc('\n', stderr);
    if (JS_IsError(ctx, exc)) {
        JSValue stack = JS_GetPropertyStr(ctx, exc, "stack");
        if (JS_IsString(stack))
            print_value(ctx, stack);
        JS_FreeValue(ctx, stack);
    }
    exit(1);
}

// Replaces QuickJS's: quickjs-libc calls it for an exception nobody caught
// in a timer, read handler or signal handler (os.*), or in a job, and would
// print it and go on. scripts/quickjs.mjs compiles quickjs-libc.c with its
// js_std_dump_error declared weak (so also never inlined there): this one wins.
void js_std_dump_error(JSContext *ctx)
{
    fatal(ctx, JS_GetException(ctx));
}

// Unhandled rejections, as Node has them: a promise still rejected without a
// handler once the job queue has run dry. The tracker records it, and a check
// job that re-queues itself behind any other pending job looks at the record
// when it is the last job left.
static struct rejection {
    JSValue promise, reason;
} *rejections;
static size_t n_rejections, cap_rejections;
static int check_queued;

static JSValue check_rejections(JSContext *ctx, int argc, JSValueConst *argv)
{
    (void)argc, (void)argv;
    if (JS_IsJobPending(JS_GetRuntime(ctx))) {
        JS_EnqueueJob(ctx, check_rejections, 0, NULL);
        return JS_UNDEFINED;
    }
    check_queued = 0;
    if (n_rejections)
        fatal(ctx, rejections[0].reason);
    return JS_UNDEFINED;
}

static void track_rejection(JSContext *ctx, JSValueConst promise, JSValueConst reason, JS_BOOL is_handled, void *opaque)
{
    (void)opaque;
    if (is_handled) {
        for (size_t i = 0; i < n_rejections; i++) {
            if (JS_VALUE_GET_PTR(rejections[i].promise) == JS_VALUE_GET_PTR(promise)) {
                JS_FreeValue(ctx, rejections[i].promise);
                JS_FreeValue(ctx, rejections[i].reason);
                rejections[i] = rejections[--n_rejections];
                break;
            }
        }
        return;
    }
    if (n_rejections == cap_rejections) {
        cap_rejections = cap_rejections ? 2 * cap_rejections : 8;
        rejections = realloc(rejections, cap_rejections * sizeof *rejections);
        if (!rejections)
            fatal(ctx, reason);
    }
    rejections[n_rejections++] = (struct rejection){ JS_DupValue(ctx, promise), JS_DupValue(ctx, reason) };
    if (!check_queued) {
        check_queued = 1;
        JS_EnqueueJob(ctx, check_rejections, 0, NULL);
    }
}

int main(int argc, char **argv)
{
    JSRuntime *rt = JS_NewRuntime();
    if (!rt) {
        fputs("rt: internal error: cannot create the JavaScript runtime\n", stderr);
        return 1;
    }
    js_std_init_handlers(rt);
    JS_SetHostPromiseRejectionTracker(rt, track_rejection, NULL);
    // Atomics.wait may block, as on Node's main thread.
    JS_SetCanBlock(rt, 1);
    // The first collection at 1 MiB instead of 256 KiB: a short rt call then
    // ends before any (measured: 2.7 % of `rt --version`'s instructions, the
    // same RSS). Later thresholds adapt to the heap as usual.
    JS_SetGCThreshold(rt, 1 << 20);

    // All of QuickJS's standard intrinsics. Leaving out the ones rt does not
    // use (Eval, String.prototype.normalize) was measured to save nothing
    // (< 300 instructions of 6 M), so nothing is left out.
    JSContext *ctx = JS_NewContext(rt);
    if (!ctx) {
        fputs("rt: internal error: cannot create the JavaScript context\n", stderr);
        return 1;
    }

    // As under Node: a write to a closed pipe or socket fails with EPIPE
    // (say, to an executor that died) instead of killing rt. spawn gives the
    // child the default back.
    signal(SIGPIPE, SIG_IGN);

    rt_sys_set_args(argc, argv);
    js_init_module_rt_sys(ctx, "rt:sys");
    js_init_module_os(ctx, "qjs:os");
    js_init_module_std(ctx, "qjs:std");

    JSValue mod = JS_ReadObject(ctx, qjsc_rt, qjsc_rt_size, JS_READ_OBJ_BYTECODE);
    if (JS_IsException(mod) || JS_ResolveModule(ctx, mod) < 0)
        fatal(ctx, JS_GetException(ctx));
    JSValue ret = JS_EvalFunction(ctx, mod);
    if (JS_IsException(ret))
        fatal(ctx, JS_GetException(ctx));
    JS_FreeValue(ctx, ret);

    js_std_loop(ctx);
    // The program ended without sys.exit: nothing left to wait for. No
    // teardown of the runtime: the process ends here.
    return 0;
}
