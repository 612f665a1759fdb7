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
    try { host().unlink(fifo); } catch { /* the status reads running either way */ }
    awaitExec(rec.pid);
  };
  const hooks = (rec.config as { hooks?: { startContainer?: unknown[]; poststart?: unknown[] } } | undefined)?.hooks;
  if (hooks?.startContainer?.length || hooks?.poststart?.length) return import("../hooks/lifecycle.ts").then((l) => l.startWithHooks(ctx, rec, release));
  release();
}

/**
 * Until the released init has called execve (its exe is no longer the
 * executor's memfd), `state` would still say created: wait for that, briefly,
 * so that start returns with the program running. A scheduler slowed by the
 * container's own v1 cpu cgroup made the gap visible.
 */
function awaitExec(pid: number): void {
  const deadline = Date.now() + 1000;
  for (;;) {
    let exe: string;
    try { exe = host().readlink(`/proc/${pid}/exe`); } catch { return; } // gone, or not readable (rootless): nothing to wait for
    if (!exe.startsWith("/memfd:rt-exec") || Date.now() > deadline) return;
    host().sleep(0.2);
  }
}
