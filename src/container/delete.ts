// rt delete: removes a stopped container (with --force, kills it first): its
// cgroups, then its state directory. Also what a failed create calls to undo.
//
// --force removes whatever can be found, whatever state the record is in: an
// interrupted create (its record names the pid and the cgroup dirs as soon as
// they exist), a lost or damaged state.json (the anchor, cgroups.json, names
// the cgroups), a state dir that is a symlink (unlinked, nothing followed).
// It signals only what rt started (the init, checked by its start time) or
// what is in a cgroup rt created.
import { host } from "../sys/host.ts";
import { RtError } from "../errors.ts";
import { destroyCgroup, isPopulated, signalCgroup } from "../cgroups/manager.ts";
import { destroyV1DevicesCgroup } from "../cgroups/v1-devices.ts";
import { isFrozen, setFrozen } from "../cgroups/freezer.ts";
import { validateId } from "../state/id.ts";
import { isSameLiveProcess } from "../state/proc.ts";
import { anythingAlive, deriveStatus, ownsCgroup } from "../state/status.ts";
import { DamagedStateError, NoSuchContainerError, type Anchor, type ContainerRecord } from "../state/store.ts";
import type { OperationContext } from "./context.ts";
import { crashPoint } from "./crash-point.ts";

/** Synchronous unless the container has poststop hooks (then their module is loaded). */
export function deleteContainer(ctx: OperationContext, id: string, force = false): void | Promise<void> {
  validateId(id);
  let rec: ContainerRecord;
  try {
    rec = ctx.store.read(id);
  } catch (e) {
    // As runc: `delete --force` of a container that is already gone succeeds
    // (containerd's shim calls it after every `ctr run --rm`, and
    // runtime-tools' cleanup does too). The state root was checked first.
    if (force && e instanceof NoSuchContainerError) return;
    if (!(e instanceof DamagedStateError)) throw e;
    if (!force) throw new RtError(`cannot delete container "${id}": its state is damaged: ${e.reason} (use --force)`);
    clearWithoutRecord(ctx, id);
    return;
  }
  crashPoint("delete:read", rec.pid);
  const status = deriveStatus(ctx.store, rec);
  if (status !== "stopped") {
    if (!force) throw new RtError(`cannot delete container "${id}": it is ${status}, not stopped (use --force)`);
    // A create still under way would go on making things after we are done.
    if (rec.creator && rec.creator.pid !== host().pid() && isSameLiveProcess(rec.creator.pid, rec.creator.startTime)) {
      try { host().kill(rec.creator.pid, 9); } catch { /* gone */ }
    }
    killAndWait(rec);
  }
  crashPoint("delete:killed");
  removeCgroups(rec);
  crashPoint("delete:cgroups-removed");
  ctx.store.remove(id);
  // After the container is destroyed, before delete returns (runtime.md step 13).
  if ((rec.config as { hooks?: { poststop?: unknown[] } } | undefined)?.hooks?.poststop?.length) {
    return import("../hooks/lifecycle.ts").then((l) => l.poststop(ctx, rec));
  }
}

/** The cgroups rt made for the container, unified first: its processes, which are the v1 cgroup's too, are gone then. */
export function removeCgroups(rec: Anchor): void {
  if (rec.cgroupDir) destroyCgroup(rec.cgroupDir, rec.cgroupCreated);
  if (rec.devicesV1Dir) destroyV1DevicesCgroup(rec.devicesV1Dir, rec.devicesV1Created ?? []);
  for (const c of rec.v1Cgroups ?? []) destroyV1DevicesCgroup(c.dir, c.created);
}

/** No record to trust: the anchor (if any) names the cgroups, whose processes are the container's. */
function clearWithoutRecord(ctx: OperationContext, id: string): void {
  let anchor: Anchor | null = null;
  try { anchor = ctx.store.readAnchor(id); } catch { /* a state dir that is a symlink or worse: nothing in it is followed */ }
  if (anchor) removeCgroups(anchor);
  else ctx.warn?.(`container "${id}": no record of its cgroups is left; only its state directory is removed`);
  ctx.store.remove(id);
}

function killAndWait(rec: ContainerRecord): void {
  if (ownsCgroup(rec)) signalCgroup(rec.cgroupDir, 9);
  if (rec.pid && rec.pidStartTime && isSameLiveProcess(rec.pid, rec.pidStartTime)) {
    try { host().kill(rec.pid, 9); } catch { /* gone */ }
  }
  // A v1-frozen process takes its SIGKILL only once thawed (v2 kills frozen ones).
  if (isFrozen(rec)) { try { setFrozen(rec, false, 2000); } catch { /* the wait below reports it */ } }
  const deadline = Date.now() + 10_000;
  while (anythingAlive(rec) && Date.now() < deadline) host().sleep(2);
  if (anythingAlive(rec)) {
    const where = ownsCgroup(rec) && isPopulated(rec.cgroupDir) ? ` (cgroup ${rec.cgroupDir} still populated)` : "";
    throw new RtError(`cannot delete container "${id(rec)}": its processes did not die within 10s of SIGKILL${where}`);
  }
}

const id = (rec: ContainerRecord): string => rec.id;
