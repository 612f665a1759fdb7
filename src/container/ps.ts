// rt ps: the processes of a container are those of its cgroup (and the
// cgroups below it), by host pid, as runc lists them. The table and the
// filtering of the host's `ps` are the CLI's (src/cli/ps.ts).
import { RtError } from "../errors.ts";
import { cgroupTreePids } from "../cgroups/manager.ts";
import type { OperationContext } from "./context.ts";
import { mustRead } from "./context.ts";

export function containerProcesses(ctx: OperationContext, id: string): number[] {
  const rec = mustRead(ctx, id);
  // Rootless without a delegated cgroup: nothing holds the container's processes together.
  if (!rec.cgroupDir) throw new RtError(`container "${id}" has no cgroup (a rootless create without delegation): its processes cannot be listed`);
  return cgroupTreePids(rec.cgroupDir);
}
