// rt run: create + start. In the foreground the executor stays the init's
// parent (mode wait): rt forwards signals, returns the exit status (128+n for
// a signal) and deletes the container.
import { host } from "../sys/host.ts";
import { parseSignal } from "../signals.ts";
import type { OperationContext } from "./context.ts";
import { createContainer, type CreateOptions } from "./create.ts";
import { deleteContainer } from "./delete.ts";

/** The foreground run; the detached one is create + start (src/runtime.ts). */
export async function runContainer(ctx: OperationContext, id: string, opts: CreateOptions): Promise<number> {
  const created = await createContainer(ctx, id, opts, "wait", true);
  const forward = forwardSignals(created.pid);
  try {
    return await created.exited;
  } finally {
    forward.stop();
    try { deleteContainer(ctx, id, true); } catch (e) { ctx.debug?.(`delete after run: ${(e as Error).message}`); }
  }
}

const FORWARDED = ["INT", "TERM", "HUP", "QUIT", "USR1", "USR2", "WINCH"];

/** While `run` waits, signals sent to rt go to the container, as runc does. */
export function forwardSignals(pid: number): { stop(): void } {
  const stop = host().onSignals(FORWARDED.map((n) => parseSignal(n)), (sig) => {
    try { host().kill(pid, sig); } catch { /* exited */ }
  });
  return { stop };
}
