// Arguments of rt:sys bindings: JS values checked and converted to C (a
// wrong type throws a TypeError), and C bytes back to a Uint8Array.
#include <stdlib.h>
#include <string.h>

#include "sys_args.h"

// A string argument without NUL bytes (a path, a name); NULL with a TypeError thrown.
const char *arg_str(JSContext *ctx, JSValueConst v, const char *what)
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

int arg_int(JSContext *ctx, JSValueConst v, const char *what, int *out)
{
    if (!JS_IsNumber(v)) {
        JS_ThrowTypeError(ctx, "%s must be a number", what);
        return -1;
    }
    return JS_ToInt32(ctx, out, v);
}

int arg_int64(JSContext *ctx, JSValueConst v, const char *what, int64_t *out)
{
    if (!JS_IsNumber(v)) {
        JS_ThrowTypeError(ctx, "%s must be a number", what);
        return -1;
    }
    return JS_ToInt64(ctx, out, v);
}

// The bytes of a string (UTF-8) or of a Uint8Array (any typed array, or an
// ArrayBuffer). *str is set when they must be released with JS_FreeCString.
const uint8_t *arg_bytes(JSContext *ctx, JSValueConst v, size_t *len, const char **str)
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

JSValue new_uint8array(JSContext *ctx, const uint8_t *p, size_t len)
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
void free_cstrings(JSContext *ctx, char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        JS_FreeCString(ctx, *p);
    free(v);
}

int64_t array_length(JSContext *ctx, JSValueConst v, const char *what)
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
char **arg_strings(JSContext *ctx, JSValueConst v, const char *what)
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
