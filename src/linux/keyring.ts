// A session keyring of the container's own (runc's behaviour, which engines
// and users expect): without it the init inherits the session keyring of
// whoever ran rt, so a container could read or add keys of the host's login
// session. One KEYRING op (native/PLAN.md), first thing in the init: a new
// session keyring named after the container, as runc names it ("_ses.<id>"),
// so tools that look for runc's name find it. `create --no-new-keyring`
// leaves the caller's keyring (runc's flag, for hosts that want it shared).
import { Op } from "../process/wire.ts";
import type { PlanContext, PlanOp } from "./context.ts";

/** KEY_USR_SEARCH, KEY_OTH_SEARCH (linux/key.h). */
const USER_SEARCH = 0x80000;
const OTHER_SEARCH = 0x8;

export function keyringName(id: string): string {
  return `_ses.${id}`;
}

export function keyringOps(ctx: PlanContext): PlanOp[] {
  const { containerId, noNewKeyring } = ctx.input;
  if (noNewKeyring || !containerId) return [];
  // The new keyring must be searchable by its possessor's uid after the
  // init's uid switch (the process's own uid), and, in a user namespace,
  // where the keyring's owner is the host uid the namespace maps to, by
  // "other": so a later process of the container (exec) can join it too.
  const search = ctx.ns.has("user") ? OTHER_SEARCH : USER_SEARCH;
  return [{ op: Op.KEYRING, field: "session keyring (--no-new-keyring keeps the caller's)", args: [keyringName(containerId), search] }];
}
