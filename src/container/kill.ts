// rt kill: a signal to the init, or with --all to every process of the cgroup.
import { host } from "../sys/host.ts";
import { RtError, describeSysError } from "../errors.ts";
import { signalCgroup } from "../cgroups/manager.ts";
import { deriveStatus, ownsCgroup } from "../state/status.ts";
import { mustRead, type OperationContext } from "./context.ts";

export function killContainer(ctx: OperationContext, id: string, signal: number, all = false): void {
  const rec = mustRead(ctx, id);
  const status = deriveStatus(ctx.store, rec);
  if (status !== "created" && status !== "running" && status !== "paused") {
    throw new RtError(`cannot kill container "${id}": it is ${status}`);
  }
  // Only a cgroup rt made holds nothing but the container: in one it joined
  // (an existing cgroupsPath), others may have placed processes since.
  if (all && ownsCgroup(rec)) {
    signalCgroup(rec.cgroupDir, signal);
    return;
  }
  if (all && rec.cgroupDir) ctx.warn?.(`kill --all: ${rec.cgroupDir} was not created by rt (an existing linux.cgroupsPath), so only the container's init is signalled`);
  try {
    host().kill(rec.pid, signal);
  } catch (e) {
    throw new RtError(`kill ${rec.pid}: ${describeSysError(e)}`);
  }
}
