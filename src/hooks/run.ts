// The hook runner for the hooks rt runs itself, in the runtime namespace
// (prestart, createRuntime, poststart, poststop): each in config order, the
// state on stdin, its args and env, killed at its timeout. The init runs
// createContainer and startContainer itself (HOOK_RUN, native/ops_hooks.c),
// with the same messages.
import { host } from "../sys/host.ts";
import { RtError, describeSysError } from "../errors.ts";
import type { Hook } from "../spec/types.ts";

export type HookKind = "prestart" | "createRuntime" | "createContainer" | "startContainer" | "poststart" | "poststop";

/** A hook failed: the operation stops the container and goes on at destroy (runtime.md "Lifecycle" 3-9). */
export class HookError extends RtError {}

/** `hooks.createRuntime[1] (/usr/bin/x)`: how every message names a hook. */
export function hookName(kind: HookKind, index: number, hook: Hook): string {
  return `hooks.${kind}[${index}] (${hook.path})`;
}

/** Runs one hook; the reason it failed, or null. */
export function runHook(hook: Hook, state: string): string | null {
  let r;
  try {
    r = host().runProgram({
      path: hook.path,
      argv: hook.args?.length ? hook.args : [hook.path],
      env: hook.env ?? [],
      stdin: state,
      timeoutMs: (hook.timeout ?? 0) * 1000,
    });
  } catch (e) {
    return describeSysError(e);
  }
  if (r.timedOut) return `timed out after ${hook.timeout} s`;
  if (r.status > 128) return `killed by signal ${r.status - 128}`;
  if (r.status !== 0) return `exited with status ${r.status}`;
  return null;
}

/**
 * Runs hooks of one kind in order. "fail": the first failure throws a
 * HookError and the rest do not run; "warn": each failure is a warning and
 * the next hook runs (poststop, runtime.md step 13).
 */
export function runHooks(kind: HookKind, hooks: Hook[] | undefined, state: string, onFailure: "fail" | "warn", warn?: (msg: string) => void): void {
  (hooks ?? []).forEach((hook, i) => {
    const why = runHook(hook, state);
    if (why === null) return;
    const msg = `${hookName(kind, i, hook)}: ${why}`;
    if (onFailure === "fail") throw new HookError(msg);
    warn?.(msg);
  });
}
