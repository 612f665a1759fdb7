// rt:sys: the system calls rt's CLI makes under QuickJS (native/host/SYS.md).
// Thin wrappers: each binding is one call (or one obvious loop of calls) and
// reports failure as a Node-shaped system error. The host decides nothing.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "quickjs.h"

JSModuleDef *js_init_module_rt_sys(JSContext *ctx, const char *name);
void rt_sys_set_args(int argc, char **argv);

static int g_argc;
static char **g_argv;

void rt_sys_set_args(int argc, char **argv)
{
    g_argc = argc;
    g_argv = argv;
}

// ---- errors -----------------------------------------------------------------

#define E(x) [x] = #x
static const char *const errno_names[] = {
    E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG), E(ENOEXEC),
    E(EBADF), E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(ENOTBLK),
    E(EBUSY), E(EEXIST), E(EXDEV), E(ENODEV), E(ENOTDIR), E(EISDIR), E(EINVAL),
    E(ENFILE), E(EMFILE), E(ENOTTY), E(ETXTBSY), E(EFBIG), E(ENOSPC), E(ESPIPE),
    E(EROFS), E(EMLINK), E(EPIPE), E(EDOM), E(ERANGE), E(EDEADLK), E(ENAMETOOLONG),
    E(ENOLCK), E(ENOSYS), E(ENOTEMPTY), E(ELOOP), E(ENOMSG), E(EIDRM), E(ECHRNG),
    E(EL2NSYNC), E(EL3HLT), E(EL3RST), E(ELNRNG), E(EUNATCH), E(ENOCSI), E(EL2HLT),
    E(EBADE), E(EBADR), E(EXFULL), E(ENOANO), E(EBADRQC), E(EBADSLT), E(EBFONT),
    E(ENOSTR), E(ENODATA), E(ETIME), E(ENOSR), E(ENONET), E(ENOPKG), E(EREMOTE),
    E(ENOLINK), E(EADV), E(ESRMNT), E(ECOMM), E(EPROTO), E(EMULTIHOP), E(EDOTDOT),
    E(EBADMSG), E(EOVERFLOW), E(ENOTUNIQ), E(EBADFD), E(EREMCHG), E(ELIBACC),
    E(ELIBBAD), E(ELIBSCN), E(ELIBMAX), E(ELIBEXEC), E(EILSEQ), E(ERESTART),
    E(ESTRPIPE), E(EUSERS), E(ENOTSOCK), E(EDESTADDRREQ), E(EMSGSIZE), E(EPROTOTYPE),
    E(ENOPROTOOPT), E(EPROTONOSUPPORT), E(ESOCKTNOSUPPORT), E(EOPNOTSUPP),
    E(EPFNOSUPPORT), E(EAFNOSUPPORT), E(EADDRINUSE), E(EADDRNOTAVAIL), E(ENETDOWN),
    E(ENETUNREACH), E(ENETRESET), E(ECONNABORTED), E(ECONNRESET), E(ENOBUFS),
    E(EISCONN), E(ENOTCONN), E(ESHUTDOWN), E(ETOOMANYREFS), E(ETIMEDOUT),
    E(ECONNREFUSED), E(EHOSTDOWN), E(EHOSTUNREACH), E(EALREADY), E(EINPROGRESS),
    E(ESTALE), E(EUCLEAN), E(ENOTNAM), E(ENAVAIL), E(EISNAM), E(EREMOTEIO), E(EDQUOT),
    E(ENOMEDIUM), E(EMEDIUMTYPE), E(ECANCELED), E(ENOKEY), E(EKEYEXPIRED),
    E(EKEYREVOKED), E(EKEYREJECTED), E(EOWNERDEAD), E(ENOTRECOVERABLE), E(ERFKILL),
    E(EHWPOISON),
};
#undef E

// Throws Error("CODE: text, syscall 'path'") with code, errno, syscall, path
// (and dest for rename), the shape of Node's system errors.
static JSValue throw_sys(JSContext *ctx, int err, const char *syscall, const char *path, const char *dest)
{
    char code[16];
    const char *name = err > 0 && (size_t)err < sizeof errno_names / sizeof *errno_names ? errno_names[err] : NULL;
    if (!name) {
        snprintf(code, sizeof code, "E%d", err);
        name = code;
    }
    // strerror's text with a lower-case first letter, as Node (libuv) words it.
    char text[128];
    snprintf(text, sizeof text, "%s", strerror(err));
    if (text[0] >= 'A' && text[0] <= 'Z' && !(text[1] >= 'A' && text[1] <= 'Z'))
        text[0] += 'a' - 'A';

    size_t size = strlen(name) + strlen(text) + strlen(syscall) + (path ? strlen(path) : 0) + (dest ? strlen(dest) : 0) + 32;
    char *msg = malloc(size);
    if (!msg)
        return JS_ThrowOutOfMemory(ctx);
    if (path && dest)
        snprintf(msg, size, "%s: %s, %s '%s' -> '%s'", name, text, syscall, path, dest);
    else if (path)
        snprintf(msg, size, "%s: %s, %s '%s'", name, text, syscall, path);
    else
        snprintf(msg, size, "%s: %s, %s", name, text, syscall);

    // Through the Error constructor, so that the error has a stack.
    JSValue global = JS_GetGlobalObject(ctx);
    JSValue ctor = JS_GetPropertyStr(ctx, global, "Error");
    JSValue arg = JS_NewString(ctx, msg);
    free(msg);
    JSValue obj = JS_CallConstructor(ctx, ctor, 1, (JSValueConst *)&arg);
    JS_FreeValue(ctx, arg);
    JS_FreeValue(ctx, ctor);
    JS_FreeValue(ctx, global);
    if (JS_IsException(obj))
        return obj;
    JS_DefinePropertyValueStr(ctx, obj, "code", JS_NewString(ctx, name), JS_PROP_C_W_E);
    JS_DefinePropertyValueStr(ctx, obj, "errno", JS_NewInt32(ctx, err), JS_PROP_C_W_E);
    JS_DefinePropertyValueStr(ctx, obj, "syscall", JS_NewString(ctx, syscall), JS_PROP_C_W_E);
    if (path)
        JS_DefinePropertyValueStr(ctx, obj, "path", JS_NewString(ctx, path), JS_PROP_C_W_E);
    if (dest)
        JS_DefinePropertyValueStr(ctx, obj, "dest", JS_NewString(ctx, dest), JS_PROP_C_W_E);
    return JS_Throw(ctx, obj);
}

// ---- arguments --------------------------------------------------------------

// A string argument without NUL bytes (a path, a name); NULL with a TypeError thrown.
static const char *arg_str(JSContext *ctx, JSValueConst v, const char *what)
{
    if (!JS_IsString(v)) {
        JS_ThrowTypeError(ctx, "%s must be a string", what);
        return NULL;
    }
    size_t len;
    const char *s = JS_ToCStringLen(ctx, &len, v);
    if (s && strlen(s) != len) {
        JS_FreeCString(ctx, s);
        JS_ThrowTypeError(ctx, "%s must not contain NUL bytes", what);
        return NULL;
    }
    return s;
}

static int arg_int(JSContext *ctx, JSValueConst v, const char *what, int *out)
{
    if (!JS_IsNumber(v)) {
        JS_ThrowTypeError(ctx, "%s must be a number", what);
        return -1;
    }
    return JS_ToInt32(ctx, out, v);
}

static int arg_int64(JSContext *ctx, JSValueConst v, const char *what, int64_t *out)
{
    if (!JS_IsNumber(v)) {
        JS_ThrowTypeError(ctx, "%s must be a number", what);
        return -1;
    }
    return JS_ToInt64(ctx, out, v);
}

// The bytes of a string (UTF-8) or of a Uint8Array (any typed array, or an
// ArrayBuffer). *str is set when they must be released with JS_FreeCString.
static const uint8_t *arg_bytes(JSContext *ctx, JSValueConst v, size_t *len, const char **str)
{
    *str = NULL;
    if (JS_IsString(v)) {
        *str = JS_ToCStringLen(ctx, len, v);
        return (const uint8_t *)*str;
    }
    if (JS_IsObject(v)) {
        size_t offset, n, per;
        JSValue ab = JS_GetTypedArrayBuffer(ctx, v, &offset, &n, &per);
        if (!JS_IsException(ab)) {
            size_t size;
            uint8_t *p = JS_GetArrayBuffer(ctx, &size, ab);
            JS_FreeValue(ctx, ab);
            if (!p)
                return NULL;
            *len = n;
            return p + offset;
        }
        JS_FreeValue(ctx, JS_GetException(ctx));
        size_t size;
        uint8_t *p = JS_GetArrayBuffer(ctx, &size, v);
        if (p) {
            *len = size;
            return p;
        }
        JS_FreeValue(ctx, JS_GetException(ctx));
    }
    JS_ThrowTypeError(ctx, "data must be a string or a Uint8Array");
    return NULL;
}

static JSValue new_uint8array(JSContext *ctx, const uint8_t *p, size_t len)
{
    JSValue ab = JS_NewArrayBufferCopy(ctx, p, len);
    if (JS_IsException(ab))
        return ab;
    JSValue global = JS_GetGlobalObject(ctx);
    JSValue ctor = JS_GetPropertyStr(ctx, global, "Uint8Array");
    JSValue arr = JS_CallConstructor(ctx, ctor, 1, (JSValueConst *)&ab);
    JS_FreeValue(ctx, ctor);
    JS_FreeValue(ctx, global);
    JS_FreeValue(ctx, ab);
    return arr;
}

// Frees a NULL-terminated array of JS_ToCString results.
static void free_cstrings(JSContext *ctx, char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        JS_FreeCString(ctx, *p);
    free(v);
}

static int64_t array_length(JSContext *ctx, JSValueConst v, const char *what)
{
    if (!JS_IsArray(ctx, v)) {
        JS_ThrowTypeError(ctx, "%s must be an array", what);
        return -1;
    }
    JSValue lv = JS_GetPropertyStr(ctx, v, "length");
    int64_t n;
    if (JS_ToInt64(ctx, &n, lv) < 0)
        n = -1;
    JS_FreeValue(ctx, lv);
    return n;
}

// A string[] as a NULL-terminated char *[] (for argv, envp); NULL on exception.
static char **arg_strings(JSContext *ctx, JSValueConst v, const char *what)
{
    int64_t n = array_length(ctx, v, what);
    if (n < 0)
        return NULL;
    char **out = calloc(n + 1, sizeof *out);
    if (!out) {
        JS_ThrowOutOfMemory(ctx);
        return NULL;
    }
    for (int64_t i = 0; i < n; i++) {
        JSValue e = JS_GetPropertyUint32(ctx, v, (uint32_t)i);
        out[i] = (char *)arg_str(ctx, e, what);
        JS_FreeValue(ctx, e);
        if (!out[i]) {
            free_cstrings(ctx, out);
            return NULL;
        }
    }
    return out;
}

// ---- files ------------------------------------------------------------------

static JSValue sys_readFile(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    const char *path = arg_str(ctx, argv[0], "path");
    if (!path)
        return JS_EXCEPTION;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        JSValue r = throw_sys(ctx, errno, "open", path, NULL);
        JS_FreeCString(ctx, path);
        return r;
    }
    // To EOF: /proc and /sys files report size 0 (or 4096).
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            close(fd);
            JS_FreeCString(ctx, path);
            return JS_ThrowOutOfMemory(ctx);
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int err = errno;
            close(fd);
            free(buf);
            JSValue r = throw_sys(ctx, err, "read", path, NULL);
            JS_FreeCString(ctx, path);
            return r;
        }
        if (n == 0)
            break;
        len += n;
        if (len == cap) {
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    close(fd);
    JS_FreeCString(ctx, path);
    JSValue s = JS_NewStringLen(ctx, buf, len);
    free(buf);
    return s;
}

static JSValue sys_writeFile(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    int mode;
    if (!JS_IsString(argv[1]))
        return JS_ThrowTypeError(ctx, "data must be a string");
    if (arg_int(ctx, argv[2], "mode", &mode) < 0)
        return JS_EXCEPTION;
    const char *how = arg_str(ctx, argv[3], "how");
    if (!how)
        return JS_EXCEPTION;
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC;
    if (!strcmp(how, "w"))
        flags |= O_TRUNC;
    else if (!strcmp(how, "a"))
        flags |= O_APPEND;
    else if (!strcmp(how, "wx"))
        flags |= O_EXCL;
    else {
        JS_FreeCString(ctx, how);
        return JS_ThrowTypeError(ctx, "how must be \"w\", \"a\" or \"wx\"");
    }
    JS_FreeCString(ctx, how);
    const char *path = arg_str(ctx, argv[0], "path");
    if (!path)
        return JS_EXCEPTION;
    size_t len;
    const char *data = JS_ToCStringLen(ctx, &len, argv[1]);
    if (!data) {
        JS_FreeCString(ctx, path);
        return JS_EXCEPTION;
    }
    JSValue ret = JS_UNDEFINED;
    int fd = open(path, flags, (mode_t)mode);
    if (fd < 0) {
        ret = throw_sys(ctx, errno, "open", path, NULL);
    } else {
        for (size_t off = 0; off < len;) {
            ssize_t n = write(fd, data + off, len - off);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                ret = throw_sys(ctx, errno, "write", path, NULL);
                break;
            }
            off += n;
        }
        if (close(fd) < 0 && !JS_IsException(ret) && errno != EINTR)
            ret = throw_sys(ctx, errno, "close", path, NULL);
    }
    JS_FreeCString(ctx, data);
    JS_FreeCString(ctx, path);
    return ret;
}

static JSValue sys_open(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    int flags, mode = 0666;
    if (arg_int(ctx, argv[1], "flags", &flags) < 0)
        return JS_EXCEPTION;
    if (argc > 2 && !JS_IsUndefined(argv[2]) && arg_int(ctx, argv[2], "mode", &mode) < 0)
        return JS_EXCEPTION;
    const char *path = arg_str(ctx, argv[0], "path");
    if (!path)
        return JS_EXCEPTION;
    int fd = open(path, flags | O_CLOEXEC, (mode_t)mode);
    JSValue ret = fd < 0 ? throw_sys(ctx, errno, "open", path, NULL) : JS_NewInt32(ctx, fd);
    JS_FreeCString(ctx, path);
    return ret;
}

static JSValue sys_close(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    int fd;
    if (arg_int(ctx, argv[0], "fd", &fd) < 0)
        return JS_EXCEPTION;
    // Linux releases the fd even when close reports EINTR: never retry.
    if (close(fd) < 0 && errno != EINTR)
        return throw_sys(ctx, errno, "close", NULL, NULL);
    return JS_UNDEFINED;
}

static JSValue sys_read(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    int fd, max;
    if (arg_int(ctx, argv[0], "fd", &fd) < 0 || arg_int(ctx, argv[1], "max", &max) < 0)
        return JS_EXCEPTION;
    if (max < 0)
        return JS_ThrowRangeError(ctx, "max must not be negative");
    uint8_t stackbuf[16384];
    uint8_t *buf = (size_t)max <= sizeof stackbuf ? stackbuf : malloc(max);
    if (!buf)
        return JS_ThrowOutOfMemory(ctx);
    ssize_t n = read(fd, buf, max);
    JSValue ret = n < 0 ? throw_sys(ctx, errno, "read", NULL, NULL) : new_uint8array(ctx, buf, n);
    if (buf != stackbuf)
        free(buf);
    return ret;
}

static JSValue sys_write(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    int fd;
    int64_t offset = 0;
    if (arg_int(ctx, argv[0], "fd", &fd) < 0)
        return JS_EXCEPTION;
    if (argc > 2 && !JS_IsUndefined(argv[2]) && arg_int64(ctx, argv[2], "offset", &offset) < 0)
        return JS_EXCEPTION;
    size_t len;
    const char *str;
    const uint8_t *p = arg_bytes(ctx, argv[1], &len, &str);
    if (!p)
        return JS_EXCEPTION;
    JSValue ret;
    if (offset < 0 || (uint64_t)offset > len) {
        ret = JS_ThrowRangeError(ctx, "offset out of range");
    } else {
        ssize_t n = write(fd, p + offset, len - offset);
        ret = n < 0 ? throw_sys(ctx, errno, "write", NULL, NULL) : JS_NewInt64(ctx, n);
    }
    if (str)
        JS_FreeCString(ctx, str);
    return ret;
}

static JSValue sys_utf8Decode(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    size_t len;
    const char *str;
    if (JS_IsString(argv[0]))
        return JS_ThrowTypeError(ctx, "bytes must be a Uint8Array");
    const uint8_t *p = arg_bytes(ctx, argv[0], &len, &str);
    if (!p)
        return JS_EXCEPTION;
    return JS_NewStringLen(ctx, (const char *)p, len);
}

static JSValue sys_utf8Encode(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    if (!JS_IsString(argv[0]))
        return JS_ThrowTypeError(ctx, "s must be a string");
    size_t len;
    const char *s = JS_ToCStringLen(ctx, &len, argv[0]);
    if (!s)
        return JS_EXCEPTION;
    JSValue ret = new_uint8array(ctx, (const uint8_t *)s, len);
    JS_FreeCString(ctx, s);
    return ret;
}

// rename, mkdir, rmdir, unlink, kill: one call, undefined or an error.
static JSValue sys_rename(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    const char *from = arg_str(ctx, argv[0], "from");
    if (!from)
        return JS_EXCEPTION;
    const char *to = arg_str(ctx, argv[1], "to");
    if (!to) {
        JS_FreeCString(ctx, from);
        return JS_EXCEPTION;
    }
    JSValue ret = rename(from, to) < 0 ? throw_sys(ctx, errno, "rename", from, to) : JS_UNDEFINED;
    JS_FreeCString(ctx, from);
    JS_FreeCString(ctx, to);
    return ret;
}

static JSValue sys_mkdir(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    int mode;
    if (arg_int(ctx, argv[1], "mode", &mode) < 0)
        return JS_EXCEPTION;
    const char *path = arg_str(ctx, argv[0], "path");
    if (!path)
        return JS_EXCEPTION;
    JSValue ret = mkdir(path, (mode_t)mode) < 0 ? throw_sys(ctx, errno, "mkdir", path, NULL) : JS_UNDEFINED;
    JS_FreeCString(ctx, path);
    return ret;
}

// rmdir, unlink: path → int call(path).
static JSValue path_call(JSContext *ctx, JSValueConst arg, int (*call)(const char *), const char *name)
{
    const char *path = arg_str(ctx, arg, "path");
    if (!path)
        return JS_EXCEPTION;
    JSValue ret = call(path) < 0 ? throw_sys(ctx, errno, name, path, NULL) : JS_UNDEFINED;
    JS_FreeCString(ctx, path);
    return ret;
}

static JSValue sys_rmdir(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    return path_call(ctx, argv[0], rmdir, "rmdir");
}

static JSValue sys_unlink(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    return path_call(ctx, argv[0], unlink, "unlink");
}

static JSValue stat_common(JSContext *ctx, JSValueConst arg, int follow)
{
    const char *path = arg_str(ctx, arg, "path");
    if (!path)
        return JS_EXCEPTION;
    struct stat st;
    int r = follow ? stat(path, &st) : lstat(path, &st);
    if (r < 0) {
        JSValue ret = throw_sys(ctx, errno, follow ? "stat" : "lstat", path, NULL);
        JS_FreeCString(ctx, path);
        return ret;
    }
    JS_FreeCString(ctx, path);
    JSValue o = JS_NewObject(ctx);
    if (JS_IsException(o))
        return o;
    JS_DefinePropertyValueStr(ctx, o, "mode", JS_NewUint32(ctx, st.st_mode), JS_PROP_C_W_E);
    JS_DefinePropertyValueStr(ctx, o, "uid", JS_NewUint32(ctx, st.st_uid), JS_PROP_C_W_E);
    JS_DefinePropertyValueStr(ctx, o, "gid", JS_NewUint32(ctx, st.st_gid), JS_PROP_C_W_E);
    JS_DefinePropertyValueStr(ctx, o, "size", JS_NewInt64(ctx, st.st_size), JS_PROP_C_W_E);
    JS_DefinePropertyValueStr(ctx, o, "ino", JS_NewInt64(ctx, (int64_t)st.st_ino), JS_PROP_C_W_E);
    JS_DefinePropertyValueStr(ctx, o, "dev", JS_NewInt64(ctx, (int64_t)st.st_dev), JS_PROP_C_W_E);
    return o;
}

static JSValue sys_lstat(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    return stat_common(ctx, argv[0], 0);
}

static JSValue sys_stat(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    return stat_common(ctx, argv[0], 1);
}

static JSValue sys_readdir(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    const char *path = arg_str(ctx, argv[0], "path");
    if (!path)
        return JS_EXCEPTION;
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        JSValue ret = throw_sys(ctx, err, fd < 0 ? "open" : "fdopendir", path, NULL);
        JS_FreeCString(ctx, path);
        return ret;
    }
    JSValue arr = JS_NewArray(ctx);
    uint32_t i = 0;
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (!e) {
            if (errno) {
                JS_FreeValue(ctx, arr);
                arr = throw_sys(ctx, errno, "readdir", path, NULL);
            }
            break;
        }
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        JS_DefinePropertyValueUint32(ctx, arr, i++, JS_NewString(ctx, e->d_name), JS_PROP_C_W_E);
    }
    closedir(d);
    JS_FreeCString(ctx, path);
    return arr;
}

static JSValue sys_realpath(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    const char *path = arg_str(ctx, argv[0], "path");
    if (!path)
        return JS_EXCEPTION;
    char *r = realpath(path, NULL);
    JSValue ret = r ? JS_NewString(ctx, r) : throw_sys(ctx, errno, "realpath", path, NULL);
    free(r);
    JS_FreeCString(ctx, path);
    return ret;
}

static JSValue sys_getcwd(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc, (void)argv;
    char *r = getcwd(NULL, 0);
    JSValue ret = r ? JS_NewString(ctx, r) : throw_sys(ctx, errno, "getcwd", NULL, NULL);
    free(r);
    return ret;
}

static JSValue sys_readlink(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    const char *path = arg_str(ctx, argv[0], "path");
    if (!path)
        return JS_EXCEPTION;
    JSValue ret;
    char *buf = NULL;
    for (size_t cap = 256;; cap *= 2) {
        char *nb = realloc(buf, cap);
        if (!nb) {
            ret = JS_ThrowOutOfMemory(ctx);
            break;
        }
        buf = nb;
        ssize_t n = readlink(path, buf, cap);
        if (n < 0) {
            ret = throw_sys(ctx, errno, "readlink", path, NULL);
            break;
        }
        if ((size_t)n < cap) {
            ret = JS_NewStringLen(ctx, buf, n);
            break;
        }
    }
    free(buf);
    JS_FreeCString(ctx, path);
    return ret;
}

// ---- process ----------------------------------------------------------------

static JSValue sys_getpid(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc, (void)argv;
    return JS_NewInt32(ctx, getpid());
}

static JSValue sys_getuid(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc, (void)argv;
    return JS_NewUint32(ctx, getuid());
}

static JSValue sys_geteuid(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc, (void)argv;
    return JS_NewUint32(ctx, geteuid());
}

static JSValue sys_getenv(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    const char *name = arg_str(ctx, argv[0], "name");
    if (!name)
        return JS_EXCEPTION;
    const char *v = getenv(name);
    JS_FreeCString(ctx, name);
    return v ? JS_NewString(ctx, v) : JS_UNDEFINED;
}

static JSValue sys_kill(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    int pid, sig;
    if (arg_int(ctx, argv[0], "pid", &pid) < 0 || arg_int(ctx, argv[1], "sig", &sig) < 0)
        return JS_EXCEPTION;
    if (kill(pid, sig) < 0)
        return throw_sys(ctx, errno, "kill", NULL, NULL);
    return JS_UNDEFINED;
}

static JSValue sys_socketpair(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc, (void)argv;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return throw_sys(ctx, errno, "socketpair", NULL, NULL);
    JSValue arr = JS_NewArray(ctx);
    JS_DefinePropertyValueUint32(ctx, arr, 0, JS_NewInt32(ctx, sv[0]), JS_PROP_C_W_E);
    JS_DefinePropertyValueUint32(ctx, arr, 1, JS_NewInt32(ctx, sv[1]), JS_PROP_C_W_E);
    return arr;
}

// spawn(path, argv, env, fds): in the child, fd i is a dup of fds[i] and
// nothing else is open. Every source is first duplicated in the parent to a
// close-on-exec temporary numbered >= fds.length, so no dup2 onto a target
// can clobber a source that a later target still needs, however the sources
// and targets collide; dup2 clears close-on-exec on each target. posix_spawn
// is vfork-like in glibc (clone(CLONE_VM|CLONE_VFORK)): no page-table copy.
static JSValue sys_spawn(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
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
    // The host ignores SIGPIPE (host.c); the child gets the default.
    sigset_t sigdef;
    sigemptyset(&sigdef);
    sigaddset(&sigdef, SIGPIPE);
    if (!err && !(err = posix_spawnattr_init(&attr))) {
        attr_ready = 1;
        err = posix_spawnattr_setsigdefault(&attr, &sigdef);
        if (!err)
            err = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
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

static JSValue sys_waitpid(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
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

static JSValue sys_sleep(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
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

static JSValue sys_exit(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    int code;
    if (arg_int(ctx, argv[0], "code", &code) < 0)
        return JS_EXCEPTION;
    // exit(3): also flushes stdio, which only QuickJS's own print/console use.
    exit(code);
}

// ---- the module -------------------------------------------------------------

#define FN(name, length) JS_CFUNC_DEF(#name, length, sys_##name)
#define INT(name) JS_PROP_INT32_DEF(#name, name, JS_PROP_ENUMERABLE)

static const JSCFunctionListEntry sys_funcs[] = {
    FN(readFile, 1), FN(writeFile, 4), FN(open, 3), FN(close, 1), FN(read, 2), FN(write, 3),
    FN(utf8Decode, 1), FN(utf8Encode, 1), FN(rename, 2), FN(mkdir, 2), FN(rmdir, 1),
    FN(unlink, 1), FN(lstat, 1), FN(stat, 1), FN(readdir, 1), FN(realpath, 1),
    FN(getcwd, 0), FN(readlink, 1), FN(getpid, 0), FN(getuid, 0), FN(geteuid, 0),
    FN(getenv, 1), FN(kill, 2), FN(socketpair, 0), FN(spawn, 4), FN(waitpid, 2),
    FN(sleep, 1), FN(exit, 1),
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
