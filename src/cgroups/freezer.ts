// Freezing a container's processes (rt pause / resume): the v1 freezer
// hierarchy where the host mounts one (the container is in it, cgroups/v1.ts;
// freezer.state FROZEN), else the unified cgroup's cgroup.freeze, waiting
// until cgroup.events reads "frozen 1" (the kernel freezes asynchronously).
import { host } from "../sys/host.ts";
import { readTextOrNull } from "../sys/files.ts";
import * as path from "../sys/path.ts";
import { RtError, describeSysError } from "../errors.ts";

interface Cgroups {
  cgroupDir: string;
  v1Cgroups?: { hierarchy: string; dir: string }[];
}

/** The container's v1 freezer dir, or null (then the unified cgroup's cgroup.freeze is used). */
function v1FreezerDir(rec: Cgroups): string | null {
  return rec.v1Cgroups?.find((c) => c.hierarchy.split(",").includes("freezer"))?.dir ?? null;
}

/** Freezes (or thaws) every process of the container and waits until the kernel says it is done. */
export function setFrozen(rec: Cgroups, frozen: boolean, timeoutMs = 10_000): void {
  const v1 = v1FreezerDir(rec);
  // Thawing: a unified cgroup.freeze set by another tool on a hybrid host is undone too.
  if (v1 && !frozen && (readTextOrNull(path.join(rec.cgroupDir, "cgroup.freeze")) ?? "0").trim() === "1") setFrozenIn(rec, null, false, timeoutMs);
  setFrozenIn(rec, v1, frozen, timeoutMs);
}

function setFrozenIn(rec: Cgroups, v1: string | null, frozen: boolean, timeoutMs: number): void {
  const file = v1 ? path.join(v1, "freezer.state") : path.join(rec.cgroupDir, "cgroup.freeze");
  const value = v1 ? (frozen ? "FROZEN" : "THAWED") : (frozen ? "1" : "0");
  try {
    host().writeFile(file, value, 0o644, "w");
  } catch (e) {
    throw new RtError(`${frozen ? "pause" : "resume"}: write ${value} to ${file}: ${describeSysError(e)}`);
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const done = v1
      ? (readTextOrNull(file) ?? "").trim() === value
      : new RegExp(`^frozen ${frozen ? 1 : 0}$`, "m").test(readTextOrNull(path.join(rec.cgroupDir, "cgroup.events")) ?? "");
    if (done) return;
    if (Date.now() > deadline) throw new RtError(`${frozen ? "pause" : "resume"}: ${file} did not reach ${value} within ${timeoutMs / 1000}s`);
    // v1: a write of FROZEN is retried by the kernel on the next read; writing again nudges tasks that were busy.
    if (v1 && frozen) { try { host().writeFile(file, value, 0o644, "w"); } catch { /* read again */ } }
    host().sleep(1);
  }
}

/** Frozen or freezing (a pause in progress counts as paused, as runc's state says). */
export function isFrozen(rec: Cgroups): boolean {
  const v1 = v1FreezerDir(rec);
  if (v1) {
    const s = (readTextOrNull(path.join(v1, "freezer.state")) ?? "THAWED").trim();
    if (s === "FROZEN" || s === "FREEZING") return true;
  }
  // Frozen through the unified hierarchy too (a hybrid host's cgroup.freeze, or a pure v2 host).
  return rec.cgroupDir !== "" && (readTextOrNull(path.join(rec.cgroupDir, "cgroup.freeze")) ?? "0").trim() === "1";
}
