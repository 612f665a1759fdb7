// Errors of rt:sys bindings (sys_errors.c).
#ifndef RT_SYS_ERRORS_H
#define RT_SYS_ERRORS_H

#include "quickjs.h"

// Throws Error("CODE: text, syscall 'path'") with code, errno, syscall, path
// (and dest for rename), the shape of Node's system errors. path and dest
// may be NULL. Returns JS_EXCEPTION.
JSValue throw_sys(JSContext *ctx, int err, const char *syscall, const char *path, const char *dest);

#endif
