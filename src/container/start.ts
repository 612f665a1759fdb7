// rt start: lets a created container's init go on to execve its program.
import { host } from "../sys/host.ts";
import { RtError, describeSysError } from "../errors.ts";
import { deriveStatus } from "../state/status.ts";
import { mustRead, type OperationContext } from "./context.ts";
import { crashPoint } from "./crash-point.ts";
import { isSameLiveProcess } from "../state/proc.ts";

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
    awaitExec(rec.pid, rec.pidStartTime);
  };
  const hooks = (rec.config as { hooks?: { startContainer?: unknown[]; poststart?: unknown[] } } | undefined)?.hooks;
  if (hooks?.startContainer?.length || hooks?.poststart?.length) return import("../hooks/lifecycle.ts").then((l) => l.startWithHooks(ctx, rec, release));
  release();
}

/**
 * Until the init has left the executor for the program (its exe is no longer
 * the rt-exec memfd, src/state/status.ts): `state` right after `start` then
 * says running, as engines expect of it. The init's last ops are quick; a
 * bound keeps a wedged one from holding start (status tells the truth anyway).
 */
function awaitExec(pid: number, startTime: string): void {
  const deadline = Date.now() + 2_000;
  while (Date.now() < deadline && isSameLiveProcess(pid, startTime)) {
    let exe = "";
    try { exe = host().readlink(`/proc/${pid}/exe`); } catch { return; }
    if (!exe.startsWith("/memfd:rt-exec")) return;
    host().sleep(1);
  }
}
