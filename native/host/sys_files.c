// rt:sys bindings for files and fds (native/host/SYS.md): one call each (or
// one obvious loop of calls), failures thrown as Node-shaped system errors.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "sys_args.h"
#include "sys_bindings.h"
#include "sys_errors.h"

JSValue sys_readFile(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    // With maxBytes: the file must be a regular one of at most that many
    // bytes (config.json, state.json: never /dev/zero or a fifo). O_NONBLOCK
    // so that opening a fifo does not wait for a writer.
    int64_t max = -1;
    if (argc > 1 && !JS_IsUndefined(argv[1]) && arg_int64(ctx, argv[1], "maxBytes", &max) < 0)
        return JS_EXCEPTION;
    const char *path = arg_str(ctx, argv[0], "path");
    if (!path)
        return JS_EXCEPTION;
    int fd = open(path, O_RDONLY | O_CLOEXEC | (max >= 0 ? O_NONBLOCK | O_NOCTTY : 0));
    if (fd < 0) {
        JSValue r = throw_sys(ctx, errno, "open", path, NULL);
        JS_FreeCString(ctx, path);
        return r;
    }
    if (max >= 0) {
        struct stat st;
        int err = fstat(fd, &st) < 0 ? errno : !S_ISREG(st.st_mode) ? EINVAL : st.st_size > max ? EFBIG : 0;
        if (err) {
            close(fd);
            JSValue r = throw_sys(ctx, err, err == EINVAL || err == EFBIG ? "read" : "fstat", path, NULL);
            JS_FreeCString(ctx, path);
            return r;
        }
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
        if (max >= 0 && len > (size_t)max) { // grown since the fstat
            close(fd);
            free(buf);
            JSValue r = throw_sys(ctx, EFBIG, "read", path, NULL);
            JS_FreeCString(ctx, path);
            return r;
        }
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

JSValue sys_writeFile(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
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

JSValue sys_open(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
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

JSValue sys_close(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
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

JSValue sys_read(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
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

JSValue sys_write(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
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
        ssize_t n;
        // A signal during a blocking write (to the executor's socket, a pipe) is no failure.
        while ((n = write(fd, p + offset, len - offset)) < 0 && errno == EINTR)
            ;
        ret = n < 0 ? throw_sys(ctx, errno, "write", NULL, NULL) : JS_NewInt64(ctx, n);
    }
    if (str)
        JS_FreeCString(ctx, str);
    return ret;
}

JSValue sys_utf8Decode(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
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

JSValue sys_utf8Encode(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
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

// rename, mkdir, rmdir, unlink: one call, undefined or an error.
JSValue sys_rename(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
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

JSValue sys_mkdir(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
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

JSValue sys_rmdir(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    return path_call(ctx, argv[0], rmdir, "rmdir");
}

JSValue sys_unlink(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
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

JSValue sys_lstat(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    return stat_common(ctx, argv[0], 0);
}

JSValue sys_stat(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    return stat_common(ctx, argv[0], 1);
}

JSValue sys_readdir(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
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

JSValue sys_realpath(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
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

JSValue sys_getcwd(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc, (void)argv;
    char *r = getcwd(NULL, 0);
    JSValue ret = r ? JS_NewString(ctx, r) : throw_sys(ctx, errno, "getcwd", NULL, NULL);
    free(r);
    return ret;
}

JSValue sys_readlink(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
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

// An AF_UNIX stream pair: rt's channel to the executor it spawns.
JSValue sys_socketpair(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
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
