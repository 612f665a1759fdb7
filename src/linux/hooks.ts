// Where the hooks go in the plan (config.md "POSIX-platform Hooks"; the
// runner for the ones rt runs itself is src/hooks/run.ts):
// - prestart and createRuntime run in the runtime namespace, by rt, while the
//   init waits in HOOK_PAUSE: after its namespaces and mounts, before
//   pivot_root (or chroot);
// - createContainer right after, by the init (HOOK_RUN), in the container's
//   namespaces, still before pivot_root: the path resolves in the runtime's
//   mount tree, as the spec says;
// - startContainer by the init after `rt start` released it and before the
//   program, after pivot_root: the path resolves in the container. Nobody
//   listens on the sync socket then, so the outcome goes to HOOK_FIFO, which
//   `rt start` reads. `rt run` starts at once: there they go before WAIT_START
//   and fail the create like createContainer.
// A config without hooks gets none of these ops.
import { Op } from "../process/wire.ts";
import type { Hook } from "../spec/types.ts";
import { hookStateAround } from "../hooks/state.ts";
import type { PlanContext, PlanOp } from "./context.ts";

export interface HookOps {
  /** Executor, before clone: HOOK_FIFO. */
  parent: PlanOp[];
  /** First in the init (its host pid, while /proc is the runtime's): HOOK_PID. */
  atStart: PlanOp[];
  /** Before pivot_root/chroot: HOOK_PAUSE, then createContainer's HOOK_RUNs. */
  beforeRoot: PlanOp[];
  /** Before WAIT_START (run) or after it (create): startContainer's HOOK_RUNs. */
  beforeWait: PlanOp[];
  afterWait: PlanOp[];
}

export function hookOps(ctx: PlanContext): HookOps {
  const hooks = ctx.spec.hooks ?? {};
  const { input } = ctx;
  const out: HookOps = { parent: [], atStart: [], beforeRoot: [], beforeWait: [], afterWait: [] };
  const inInit = !!(hooks.createContainer?.length || hooks.startContainer?.length);
  if (inInit) out.atStart.push({ op: Op.HOOK_PID, field: "hooks", args: [] });
  if (hooks.prestart?.length || hooks.createRuntime?.length) {
    out.beforeRoot.push({ op: Op.HOOK_PAUSE, field: "hooks.createRuntime", args: ["createRuntime"] });
  }
  const identity = { ociVersion: ctx.spec.ociVersion, id: input.id ?? "", bundle: input.bundle, annotations: ctx.spec.annotations };
  const created = hookStateAround(identity, "creating");
  (hooks.createContainer ?? []).forEach((h, i) => out.beforeRoot.push(hookRun("createContainer", i, h, created, "op")));
  const start = hooks.startContainer ?? [];
  // runc gives startContainer hooks the state as "created": `start` has not returned.
  const started = hookStateAround(identity, "created");
  if (input.startImmediately) {
    start.forEach((h, i) => out.beforeWait.push(hookRun("startContainer", i, h, started, "op")));
  } else if (start.length) {
    if (input.hookFifoPath === undefined) throw new Error("plan: startContainer hooks need a hook fifo");
    out.parent.push({ op: Op.HOOK_FIFO, field: "hooks.startContainer", args: [input.hookFifoPath] });
    start.forEach((h, i) => out.afterWait.push(hookRun("startContainer", i, h, started, i === start.length - 1 ? "fifo-last" : "fifo")));
  }
  return out;
}

function hookRun(kind: string, i: number, h: Hook, [prefix, suffix]: [string, string], report: string): PlanOp {
  const args = h.args ?? [];
  return {
    op: Op.HOOK_RUN,
    field: `hooks.${kind}[${i}] (${h.path})`,
    args: [h.path, h.timeout ?? 0, prefix, suffix, report, args.length, ...args, ...(h.env ?? [])],
  };
}
