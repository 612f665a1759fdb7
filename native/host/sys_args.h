// Arguments of rt:sys bindings (sys_args.c). Each converter throws a
// TypeError (or another exception) and returns NULL or -1 when it fails.
#ifndef RT_SYS_ARGS_H
#define RT_SYS_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "quickjs.h"

// A string argument without NUL bytes (a path, a name); release with JS_FreeCString.
const char *arg_str(JSContext *ctx, JSValueConst v, const char *what);
// A number, as int32 / int64; 0 or -1 (exception).
int arg_int(JSContext *ctx, JSValueConst v, const char *what, int *out);
int arg_int64(JSContext *ctx, JSValueConst v, const char *what, int64_t *out);
// The bytes of a string (UTF-8) or of a Uint8Array; release *str with
// JS_FreeCString when it is set.
const uint8_t *arg_bytes(JSContext *ctx, JSValueConst v, size_t *len, const char **str);
// A new Uint8Array holding a copy of the bytes.
JSValue new_uint8array(JSContext *ctx, const uint8_t *p, size_t len);
// An array's length; -1 with a TypeError if v is not an array.
int64_t array_length(JSContext *ctx, JSValueConst v, const char *what);
// A string[] as a NULL-terminated char *[] (argv, envp); release with free_cstrings.
char **arg_strings(JSContext *ctx, JSValueConst v, const char *what);
void free_cstrings(JSContext *ctx, char **v);

#endif
