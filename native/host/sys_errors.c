// Errors of rt:sys (native/host/SYS.md): a failing call becomes an Error
// shaped like Node's system errors, so that describeSysError (src/errors.ts)
// reads both hosts alike.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys_errors.h"

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
JSValue throw_sys(JSContext *ctx, int err, const char *syscall, const char *path, const char *dest)
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
