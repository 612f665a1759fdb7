// rt state and rt list: the status is derived on every call (no daemon).
import type { State } from "../spec/types.ts";
import { validateId } from "../state/id.ts";
import { deriveStatus, toState } from "../state/status.ts";
import type { OperationContext } from "./context.ts";

export function containerState(ctx: OperationContext, id: string): State {
  validateId(id);
  const rec = ctx.store.read(id);
  return toState(rec, id, rec ? deriveStatus(ctx.store, rec) : "creating");
}

export function listContainers(ctx: OperationContext): State[] {
  const out: State[] = [];
  for (const id of ctx.store.list()) {
    try { out.push(containerState(ctx, id)); } catch { /* removed meanwhile */ }
  }
  return out;
}
