// rt kill: a signal to the init, or with --all to every process of the cgroup.
import { host } from "../sys/host.ts";
import { RtError, describeSysError } from "../errors.ts";
import { signalCgroup } from "../cgroups/manager.ts";
import { deriveStatus } from "../state/status.ts";
import { mustRead, type OperationContext } from "./context.ts";

export function killContainer(ctx: OperationContext, id: string, signal: number, all = false): void {
  const rec = mustRead(ctx, id);
  const status = deriveStatus(ctx.store, rec);
  if (status !== "created" && status !== "running") {
    throw new RtError(`cannot kill container "${id}": it is ${status}`);
  }
  if (all && rec.cgroupDir) {
    signalCgroup(rec.cgroupDir, signal);
    return;
  }
  try {
    host().kill(rec.pid, signal);
  } catch (e) {
    throw new RtError(`kill ${rec.pid}: ${describeSysError(e)}`);
  }
}
