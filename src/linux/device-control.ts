// linux.resources.devices (and the default allow-list) → the device cgroup:
// a DEVICE_FILTER eBPF program on cgroup v2; on v1 hosts the rules are written
// by src/cgroups before the launch and the init joins the devices hierarchy.
// (stub: filled in by the device-control change)
import type { PlanContext, PlanOp } from "./context.ts";

export interface DeviceControlOps {
  /** Before CLONE: DEVICE_FILTER, extra CGROUP_JOIN (v1 devices hierarchy). */
  parent: PlanOp[];
}

export function deviceControlOps(_ctx: PlanContext): DeviceControlOps {
  return { parent: [] };
}
