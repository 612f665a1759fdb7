// rt start: lets a created container's init go on to execve its program.
import { host } from "../sys/host.ts";
import { RtError, describeSysError } from "../errors.ts";
import { deriveStatus } from "../state/status.ts";
import { mustRead, type OperationContext } from "./context.ts";
import { crashPoint } from "./crash-point.ts";

/** Synchronous unless the container has startContainer or poststart hooks (then their module is loaded). */
export function startContainer(ctx: OperationContext, id: string): void | Promise<void> {
  const rec = mustRead(ctx, id);
  const status = deriveStatus(ctx.store, rec);
  if (status !== "created") throw new RtError(`cannot start container "${id}": it is ${status}, not created`);
  const fifo = ctx.store.fifoPath(id);
  // Written to blindly, a regular file in the fifo's place would take the
  // byte and `start` would report success while the init never runs.
  let isFifo = false;
  try { isFifo = host().lstat(fifo).isFifo; } catch (e) { throw new RtError(`cannot start container "${id}": ${describeSysError(e)}`); }
  if (!isFifo) throw new RtError(`cannot start container "${id}": ${fifo} is not the exec fifo any more (not a named pipe): the init cannot be reached`);
  crashPoint("start:checked", rec.pid);
  const release = () => {
    try {
      // Non-blocking: fails with ENXIO at once if the init no longer holds the fifo.
      host().writeFifoNonblocking(fifo, "0");
    } catch (e) {
      throw new RtError(`cannot start container "${id}": ${describeSysError(e)}`);
    }
    crashPoint("start:fifo-written", rec.pid);
    // Renamed, not unlinked: the name records that start released the init,
    // so state reads running at once, before the init's execve (which
    // follows), and a fifo someone else removed still reads created.
    try { host().rename(fifo, ctx.store.startedPath(id)); } catch { /* the init's exe tells, once it runs */ }
  };
  const hooks = (rec.config as { hooks?: { startContainer?: unknown[]; poststart?: unknown[] } } | undefined)?.hooks;
  if (hooks?.startContainer?.length || hooks?.poststart?.length) return import("../hooks/lifecycle.ts").then((l) => l.startWithHooks(ctx, rec, release));
  release();
}
