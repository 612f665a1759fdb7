// rt:sys bindings for terminals (native/host/SYS.md "Terminals"): what a
// foreground `rt run` with process.terminal needs to hold the container's
// pty master itself, as `docker run -it` gives a user a terminal. A console
// socket rt listens on (unixListen, recvFd), raw mode on rt's own terminal
// (ttyMakeRaw, ttyRestore), window sizes (ttyGetSize, ttySetSize), and
// O_NONBLOCK for draining the master (setNonblock). One call each.
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "sys_args.h"
#include "sys_bindings.h"
#include "sys_errors.h"

// unixListen(path): fd. socket(AF_UNIX, SOCK_STREAM), bind(path), listen(1).
JSValue sys_unixListen(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    const char *path = arg_str(ctx, argv[0], "path");
    if (!path)
        return JS_EXCEPTION;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        JSValue r = throw_sys(ctx, ENAMETOOLONG, "bind", path, NULL);
        JS_FreeCString(ctx, path);
        return r;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const char *failed = fd < 0 ? "socket" : bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ? "bind" : listen(fd, 1) < 0 ? "listen" : NULL;
    if (failed) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        JSValue r = throw_sys(ctx, err, failed, path, NULL);
        JS_FreeCString(ctx, path);
        return r;
    }
    JS_FreeCString(ctx, path);
    return JS_NewInt32(ctx, fd);
}

// recvFd(listenFd): fd. accept one connection, recvmsg one SCM_RIGHTS fd
// (made O_CLOEXEC), close the connection. EBADMSG if no fd came.
JSValue sys_recvFd(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    int lfd;
    if (arg_int(ctx, argv[0], "fd", &lfd) < 0)
        return JS_EXCEPTION;
    int conn;
    while ((conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0 && errno == EINTR) {}
    if (conn < 0)
        return throw_sys(ctx, errno, "accept", NULL, NULL);
    char data[256];
    struct iovec iov = {.iov_base = data, .iov_len = sizeof data};
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } c;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf, .msg_controllen = sizeof c.buf};
    ssize_t n;
    while ((n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {}
    int err = errno;
    close(conn);
    if (n < 0)
        return throw_sys(ctx, err, "recvmsg", NULL, NULL);
    struct cmsghdr *h = CMSG_FIRSTHDR(&msg);
    if (!h || h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS || h->cmsg_len != CMSG_LEN(sizeof(int)))
        return throw_sys(ctx, EBADMSG, "recvmsg", NULL, NULL);
    int fd;
    memcpy(&fd, CMSG_DATA(h), sizeof fd);
    return JS_NewInt32(ctx, fd);
}

// ttyMakeRaw(fd): the saved termios (bytes, for ttyRestore), after
// cfmakeraw + tcsetattr(TCSANOW). ENOTTY when fd is not a terminal.
JSValue sys_ttyMakeRaw(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    int fd;
    if (arg_int(ctx, argv[0], "fd", &fd) < 0)
        return JS_EXCEPTION;
    struct termios saved, raw;
    if (tcgetattr(fd, &saved) < 0)
        return throw_sys(ctx, errno, "tcgetattr", NULL, NULL);
    raw = saved;
    cfmakeraw(&raw);
    if (tcsetattr(fd, TCSANOW, &raw) < 0)
        return throw_sys(ctx, errno, "tcsetattr", NULL, NULL);
    return new_uint8array(ctx, (const uint8_t *)&saved, sizeof saved);
}

// ttyRestore(fd, saved): tcsetattr(TCSAFLUSH) of what ttyMakeRaw returned.
JSValue sys_ttyRestore(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    int fd;
    if (arg_int(ctx, argv[0], "fd", &fd) < 0)
        return JS_EXCEPTION;
    size_t len;
    const char *str = NULL;
    const uint8_t *p = arg_bytes(ctx, argv[1], &len, &str);
    if (!p)
        return JS_EXCEPTION;
    struct termios t;
    int ok = len == sizeof t;
    if (ok)
        memcpy(&t, p, sizeof t);
    if (str)
        JS_FreeCString(ctx, str);
    if (!ok)
        return JS_ThrowTypeError(ctx, "saved: not a termios from ttyMakeRaw");
    if (tcsetattr(fd, TCSAFLUSH, &t) < 0)
        return throw_sys(ctx, errno, "tcsetattr", NULL, NULL);
    return JS_UNDEFINED;
}

// ttyGetSize(fd): [rows, cols] (TIOCGWINSZ), or null when fd is no terminal.
JSValue sys_ttyGetSize(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    int fd;
    if (arg_int(ctx, argv[0], "fd", &fd) < 0)
        return JS_EXCEPTION;
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) < 0) {
        if (errno == ENOTTY || errno == EINVAL)
            return JS_NULL;
        return throw_sys(ctx, errno, "ioctl(TIOCGWINSZ)", NULL, NULL);
    }
    JSValue arr = JS_NewArray(ctx);
    JS_DefinePropertyValueUint32(ctx, arr, 0, JS_NewInt32(ctx, ws.ws_row), JS_PROP_C_W_E);
    JS_DefinePropertyValueUint32(ctx, arr, 1, JS_NewInt32(ctx, ws.ws_col), JS_PROP_C_W_E);
    return arr;
}

// ttySetSize(fd, rows, cols): TIOCSWINSZ; on a pty master the kernel then
// sends SIGWINCH to the slave's foreground process group.
JSValue sys_ttySetSize(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    int fd, rows, cols;
    if (arg_int(ctx, argv[0], "fd", &fd) < 0 || arg_int(ctx, argv[1], "rows", &rows) < 0 || arg_int(ctx, argv[2], "cols", &cols) < 0)
        return JS_EXCEPTION;
    if (rows < 0 || rows > 0xffff || cols < 0 || cols > 0xffff)
        return JS_ThrowRangeError(ctx, "rows and cols are 0…65535");
    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
        return throw_sys(ctx, errno, "ioctl(TIOCSWINSZ)", NULL, NULL);
    return JS_UNDEFINED;
}

// setNonblock(fd, on): O_NONBLOCK set or cleared (fcntl F_SETFL).
JSValue sys_setNonblock(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc;
    int fd;
    if (arg_int(ctx, argv[0], "fd", &fd) < 0)
        return JS_EXCEPTION;
    int on = JS_ToBool(ctx, argv[1]);
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK) < 0)
        return throw_sys(ctx, errno, "fcntl", NULL, NULL);
    return JS_UNDEFINED;
}
