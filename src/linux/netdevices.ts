// linux.netDevices: each entry moves a network device of the runtime's
// network namespace into the container's, under the entry's `name` (or its
// own). One NETDEV op per entry (native/PLAN.md); the executor checks the
// device at once, moves it after clone, gives back its permanent global
// addresses and sets it up. semantic.ts has refused what cannot be moved.
//
// Nothing happens at delete: runtime-spec says a runtime MUST NOT move the
// device out again; when the container's namespace dies the kernel returns
// physical devices to the initial namespace and destroys virtual ones.
import { Op } from "../process/wire.ts";
import type { PlanContext, PlanOp } from "./context.ts";

/** NETDEV host-name, container-name; before NS_JOIN, so the executor's socket is in the runtime's namespace. */
export function netDeviceOps(ctx: PlanContext): PlanOp[] {
  return Object.entries(ctx.spec.linux?.netDevices ?? {}).map(([host, dev]) => ({
    op: Op.NETDEV,
    field: `linux.netDevices["${host}"]`,
    args: [host, dev?.name ?? host],
  }));
}
