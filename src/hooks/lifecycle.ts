// The hooks at each step of the lifecycle (runtime.md "Lifecycle"), for
// create, start, run and delete. Loaded only for a config with hooks (create
// always loads it; start and delete only when the record says so), so the
// fast paths stay as they are.
//
// Failure rules, as the spec has them: a failing prestart, createRuntime,
// createContainer, startContainer or poststart hook is an error, the
// container is stopped and the lifecycle goes on at step 12 (destroyed as
// delete does, then the poststop hooks); a failing poststop hook is a
// warning and the next one runs.
import { host } from "../sys/host.ts";
import * as path from "../sys/path.ts";
import { Op, type Plan } from "../process/wire.ts";
import type { Hook, Spec } from "../spec/types.ts";
import type { ContainerRecord } from "../state/store.ts";
import type { OperationContext } from "../container/context.ts";
import { deleteContainer } from "../container/delete.ts";
import { HookError, hookName, runHooks } from "./run.ts";
import { hookState, type HookStatus } from "./state.ts";

/** What a record keeps (its `config`) for the hooks after create. */
export interface HookConfig {
  hooks: { startContainer?: Hook[]; poststart?: Hook[]; poststop?: Hook[] };
  /** The plan index of the first startContainer HOOK_RUN: the init reports failures by op index. */
  startContainerOp?: number;
  /** HOOK_FIFO: where the init tells `rt start` how its startContainer hooks went. */
  hookFifo?: string;
}

export const HOOK_FIFO = "hooks.fifo";

const state = (rec: ContainerRecord, status: HookStatus, pid = rec.pid) => hookState(rec, status, pid);

/** The create-side hooks of one create; keeps what start and delete need in the record. */
export function createHooks(spec: Spec, rec: ContainerRecord, stateDir: string, startImmediately: boolean) {
  const h = spec.hooks ?? {};
  const later = { startContainer: h.startContainer, poststart: h.poststart, poststop: h.poststop };
  const fifoPath = h.startContainer?.length && !startImmediately ? path.join(stateDir, HOOK_FIFO) : undefined;
  if (h.startContainer?.length || h.poststart?.length || h.poststop?.length) {
    const config: HookConfig = { hooks: later, ...(fifoPath ? { hookFifo: fifoPath } : {}) };
    rec.config = config;
  }
  return {
    fifoPath,
    remember(plan: Plan): void {
      const at = plan.findIndex((o) => o.op === Op.HOOK_RUN && o.field.startsWith("hooks.startContainer"));
      if (at >= 0 && rec.config) (rec.config as HookConfig).startContainerOp = at;
    },
    /** HOOK_PAUSE: the init waits, its namespaces and mounts made, before pivot_root. */
    onPause(pid: number): void {
      const s = state(rec, "creating", pid);
      runHooks("prestart", h.prestart, s, "fail");
      runHooks("createRuntime", h.createRuntime, s, "fail");
    },
    /** After a failed create has been undone: a hook's failure goes on to the poststop hooks. */
    afterFailure(e: unknown, warn?: (m: string) => void): void {
      if (e instanceof HookError) runHooks("poststop", h.poststop, state(rec, "stopped"), "warn", warn);
    },
  };
}

/**
 * `rt start` of a container with hooks: releases the init (`release`), takes
 * the outcome of its startContainer hooks from the hook fifo, then runs
 * poststart. The fifo is opened before the release: the init's "OK" must find
 * a reader still there when it closes its end.
 */
export async function startWithHooks(ctx: OperationContext, rec: ContainerRecord, release: () => void): Promise<void> {
  const cfg = rec.config as HookConfig;
  if (!cfg.hookFifo) release();
  try {
    if (cfg.hookFifo) startContainerOutcome(cfg, release);
    runHooks("poststart", cfg.hooks.poststart, state(rec, "running"), "fail");
  } catch (e) {
    if (!(e instanceof HookError)) throw e;
    // Stop the container, and on at step 12: destroyed, then poststop.
    try { await deleteContainer(ctx, rec.id, true); } catch (d) { ctx.warn?.(`after ${e.message}: ${(d as Error).message}`); }
    throw e;
  }
}

/** The init's HOOK_FIFO line: OK, or the failing op and why. */
function startContainerOutcome(cfg: HookConfig, release: () => void): void {
  const fifo = cfg.hookFifo!;
  const text = readOutcome(fifo, release);
  const line = text.split("\n")[0];
  if (line === "OK") return;
  const m = /^ERROR (\d+) (.*)$/s.exec(line);
  const hooks = cfg.hooks.startContainer ?? [];
  if (m) {
    const i = Number(m[1]) - (cfg.startContainerOp ?? 0);
    const name = hooks[i] ? hookName("startContainer", i, hooks[i]) : "hooks.startContainer";
    throw new HookError(`${name}: ${m[2]}`);
  }
  throw new HookError("hooks.startContainer: the container init exited before its startContainer hooks finished");
}

function readOutcome(fifo: string, release: () => void): string {
  try {
    return host().readFifo(fifo, release);
  } finally {
    try { host().unlink(fifo); } catch { /* the status reads the same either way */ }
  }
}

/** `rt delete` (and a failed start): after the container is destroyed, before delete returns. */
export function poststop(ctx: OperationContext, rec: ContainerRecord): void {
  runHooks("poststop", (rec.config as HookConfig).hooks.poststop, state(rec, "stopped"), "warn", ctx.warn);
}
