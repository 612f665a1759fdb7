// rt run: create + start. In the foreground the executor stays the init's
// parent (mode wait): rt forwards signals, returns the exit status (128+n for
// a signal) and deletes the container. With process.terminal and no
// --console-socket, rt gives the user the container's terminal itself, as
// `docker run -it` does (./terminal.ts).
import { host } from "../sys/host.ts";
import { parseSignal } from "../signals.ts";
import type { OperationContext } from "./context.ts";
import { createContainer, type CreateOptions, type Created } from "./create.ts";
import { deleteContainer } from "./delete.ts";
import { attachRunTerminal, wantsOwnTerminal } from "./terminal.ts";

/** The foreground run; the detached one is create + start (src/runtime.ts). */
export async function runContainer(ctx: OperationContext, id: string, opts: CreateOptions): Promise<number> {
  const own = !opts.consoleSocket && wantsOwnTerminal(opts.bundle);
  let created: Created;
  let terminal: { resize(): void; close(): void } | undefined;
  if (own) ({ created, terminal } = await attachRunTerminal(ctx, id, opts));
  else created = await createContainer(ctx, id, opts, "wait", true);
  const forward = forwardSignals(created.pid, terminal);
  try {
    // The program runs already (startContainer ran in the init): poststart now.
    const rec = ctx.store.read(id);
    if ((rec?.config as { hooks?: { poststart?: unknown[] } } | undefined)?.hooks?.poststart?.length) {
      const { runHooks } = await import("../hooks/run.ts");
      const { hookState } = await import("../hooks/state.ts");
      runHooks("poststart", (rec!.config as { hooks: { poststart: never[] } }).hooks.poststart, hookState(rec!, "running", rec!.pid), "fail");
    }
    return await created.exited;
  } finally {
    forward.stop();
    terminal?.close();
    try { await deleteContainer(ctx, id, true); } catch (e) { ctx.debug?.(`delete after run: ${(e as Error).message}`); }
  }
}

const FORWARDED = ["INT", "TERM", "HUP", "QUIT", "USR1", "USR2", "WINCH"];

/**
 * While `run` waits, signals sent to rt go to the container, as runc does;
 * with rt's own terminal, a window change is passed on as the terminal's
 * new size instead (the kernel signals the container's foreground group).
 */
export function forwardSignals(pid: number, terminal?: { resize(): void }): { stop(): void } {
  const winch = parseSignal("WINCH");
  const stop = host().onSignals(FORWARDED.map((n) => parseSignal(n)), (sig) => {
    if (sig === winch && terminal) {
      try { terminal.resize(); } catch { /* the container's terminal is gone */ }
      return;
    }
    try { host().kill(pid, sig); } catch { /* exited */ }
  });
  return { stop };
}
