// User namespaces: the id maps and setgroups written for a new one, and what
// the init does first in it (becoming the namespace's root before any mount).
// Idmapped mounts (USERNS_FD + MOUNT_IDMAP) are planned from plan.ts's mounts.
// (stub: filled in by the user-namespace change; today's behaviour moved here)
import type { PlanContext, PlanOp } from "./context.ts";
import { Op } from "../process/wire.ts";

export interface UserNamespaceOps {
  /** Before CLONE: UID_MAP, SETGROUPS, GID_MAP (and USERNS_FD for idmapped mounts). */
  parent: PlanOp[];
  /** First ops of the init, before any mount. */
  atStart: PlanOp[];
}

export function userNamespaceOps(ctx: PlanContext): UserNamespaceOps {
  const parent: PlanOp[] = [];
  const maps = ctx.spec.linux;
  if (maps?.uidMappings?.length) parent.push({ op: Op.UID_MAP, field: "linux.uidMappings", args: [idMap(maps.uidMappings)] });
  if (maps?.gidMappings?.length) {
    parent.push({ op: Op.SETGROUPS, field: "linux.gidMappings", args: ["allow"] });
    parent.push({ op: Op.GID_MAP, field: "linux.gidMappings", args: [idMap(maps.gidMappings)] });
  }
  return { parent, atStart: [] };
}

export function idMap(maps: { containerID: number; hostID: number; size: number }[]): string {
  return maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join("");
}
