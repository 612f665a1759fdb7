// rt pause / resume: freeze or thaw every process of a running container
// (cgroups/freezer.ts); its status reads "paused" while frozen.
import { RtError } from "../errors.ts";
import { setFrozen } from "../cgroups/freezer.ts";
import { deriveStatus, ownsCgroup } from "../state/status.ts";
import { mustRead, type OperationContext } from "./context.ts";

export function pauseContainer(ctx: OperationContext, id: string): void {
  const rec = mustRead(ctx, id);
  const status = deriveStatus(ctx.store, rec);
  if (status !== "running") throw new RtError(`cannot pause container "${id}": it is ${status}, not running`);
  // A cgroup rt joined (an existing cgroupsPath) may hold others' processes: rt freezes only its own.
  if (!ownsCgroup(rec)) throw new RtError(`cannot pause container "${id}": its cgroup ${rec.cgroupDir || "(none)"} was not created by rt`);
  setFrozen(rec, true);
}

export function resumeContainer(ctx: OperationContext, id: string): void {
  const rec = mustRead(ctx, id);
  const status = deriveStatus(ctx.store, rec);
  if (status !== "paused") throw new RtError(`cannot resume container "${id}": it is ${status}, not paused`);
  setFrozen(rec, false);
}
