// What every container operation is given: the state store of one root and
// the caller's loggers. `Runtime` (src/runtime.ts) holds one and passes it on.
import { RtError } from "../errors.ts";
import { validateId } from "../state/id.ts";
import { createInterrupted } from "../state/status.ts";
import type { ContainerRecord, StateStore } from "../state/store.ts";

export interface OperationContext {
  store: StateStore;
  debug?: (msg: string) => void;
  warn?: (msg: string) => void;
}

/** The record of a container that exists and is past create. */
export function mustRead(ctx: OperationContext, id: string): ContainerRecord {
  validateId(id);
  const rec = ctx.store.read(id);
  if (rec.pid === 0 || rec.creating) {
    if (createInterrupted(rec)) throw new RtError(`container "${id}": its create was interrupted (rt pid ${rec.creator!.pid} is gone): rt delete --force ${id} removes what is left`);
    throw new RtError(`container "${id}" is still being created`);
  }
  return rec;
}
