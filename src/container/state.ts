// rt state and rt list: the status is derived on every call (no daemon).
import type { State } from "../spec/types.ts";
import { RtError } from "../errors.ts";
import { validateId } from "../state/id.ts";
import { createInterrupted, deriveStatus, toState } from "../state/status.ts";
import { DamagedStateError } from "../state/store.ts";
import type { OperationContext } from "./context.ts";

/** What `list` shows for a container whose state cannot be read: the others are still listed. */
export interface DamagedEntry {
  id: string;
  status: "damaged";
  error: string;
}

export function containerState(ctx: OperationContext, id: string): State {
  validateId(id);
  const rec = ctx.store.read(id);
  if (createInterrupted(rec)) ctx.warn?.(`container "${id}": its create was interrupted (rt pid ${rec.creator!.pid} is gone): rt delete --force ${id} removes what is left`);
  return toState(rec, id, deriveStatus(ctx.store, rec));
}

export function listContainers(ctx: OperationContext): (State | DamagedEntry)[] {
  const out: (State | DamagedEntry)[] = [];
  const quiet = { ...ctx, warn: undefined };
  for (const id of ctx.store.list()) {
    try {
      out.push(containerState(quiet, id));
    } catch (e) {
      if (e instanceof DamagedStateError) out.push({ id, status: "damaged", error: e.reason });
      else if (!(e instanceof RtError)) throw e;
      // Any other RtError: removed meanwhile.
    }
  }
  return out;
}
