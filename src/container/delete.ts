// rt delete: removes a stopped container (with --force, kills it first): its
// cgroups, then its state directory. Also what a failed create calls to undo.
import { host } from "../sys/host.ts";
import { RtError } from "../errors.ts";
import { destroyCgroup, signalCgroup } from "../cgroups/manager.ts";
import { destroyV1DevicesCgroup } from "../cgroups/v1-devices.ts";
import { validateId } from "../state/id.ts";
import { deriveStatus } from "../state/status.ts";
import type { ContainerRecord } from "../state/store.ts";
import type { OperationContext } from "./context.ts";

/** Synchronous unless the container has poststop hooks (then their module is loaded). */
export function deleteContainer(ctx: OperationContext, id: string, force = false): void | Promise<void> {
  validateId(id);
  const rec = ctx.store.read(id);
  if (rec === null || rec.pid === 0) {
    // A create that died half-way: only --force may clear it away.
    if (!force) throw new RtError(`cannot delete container "${id}": it is creating (use --force)`);
    ctx.store.remove(id);
    return;
  }
  const status = deriveStatus(ctx.store, rec);
  if (status !== "stopped") {
    if (!force) throw new RtError(`cannot delete container "${id}": it is ${status}, not stopped (use --force)`);
    killAndWait(ctx, rec);
  }
  removeCgroups(rec);
  ctx.store.remove(id);
  // After the container is destroyed, before delete returns (runtime.md step 13).
  if ((rec.config as { hooks?: { poststop?: unknown[] } } | undefined)?.hooks?.poststop?.length) {
    return import("../hooks/lifecycle.ts").then((l) => l.poststop(ctx, rec));
  }
}

/** The cgroups rt made for the container, unified first: its processes, which are the v1 cgroup's too, are gone then. */
export function removeCgroups(rec: ContainerRecord): void {
  if (rec.cgroupDir) destroyCgroup(rec.cgroupDir, rec.cgroupCreated);
  if (rec.devicesV1Dir) destroyV1DevicesCgroup(rec.devicesV1Dir, rec.devicesV1Created ?? []);
}

function killAndWait(ctx: OperationContext, rec: ContainerRecord): void {
  if (rec.cgroupDir) signalCgroup(rec.cgroupDir, 9);
  try { host().kill(rec.pid, 9); } catch { /* gone */ }
  const deadline = Date.now() + 10_000;
  while (deriveStatus(ctx.store, rec) !== "stopped" && Date.now() < deadline) host().sleep(2);
}
