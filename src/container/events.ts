// rt events: runc's event stream for a container: with --stats one "stats"
// event and done; otherwise a "stats" event every interval and an "oom"
// event whenever the OOM killer kills in its memory cgroup, until it stops.
import { host } from "../sys/host.ts";
import { RtError } from "../errors.ts";
import { oomKills, readStats, toJson, type Where } from "../cgroups/stats.ts";
import { deriveStatus } from "../state/status.ts";
import type { ContainerRecord } from "../state/store.ts";
import { mustRead, type OperationContext } from "./context.ts";

const where = (rec: ContainerRecord): Where => ({ unifiedDir: rec.cgroupDir, v1: Object.fromEntries((rec.v1Cgroups ?? []).map((c) => [c.hierarchy, c.dir])) });

function live(ctx: OperationContext, id: string): ContainerRecord {
  const rec = mustRead(ctx, id);
  const status = deriveStatus(ctx.store, rec);
  if (status === "stopped" || status === "creating") throw new RtError(`container "${id}" is ${status}: it has no events`);
  return rec;
}

/** One stats event, as runc events --stats prints it. */
export function statsEvent(ctx: OperationContext, id: string): string {
  return toJson({ type: "stats", id, data: readStats(where(live(ctx, id))) });
}

/** The stream: each line goes to `emit`; returns when the container has stopped. */
export function streamEvents(ctx: OperationContext, id: string, intervalMs: number, emit: (line: string) => void): void {
  const rec = live(ctx, id);
  const w = where(rec);
  let kills = oomKills(w);
  let next = 0;
  for (;;) {
    if (deriveStatus(ctx.store, rec) === "stopped") return;
    const k = oomKills(w);
    if (k > kills) emit(toJson({ type: "oom", id }));
    kills = k;
    if (Date.now() >= next) {
      emit(toJson({ type: "stats", id, data: readStats(w) }));
      next = Date.now() + intervalMs;
    }
    host().sleep(Math.min(50, intervalMs));
  }
}
