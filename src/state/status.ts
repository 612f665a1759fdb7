// Derives a container's status from what exists right now, so that state
// stays true without a daemon: a live init that is still the executor
// waiting on its exec fifo is "created"; once `start` has released it (and
// renamed the fifo to exec.fifo.started), or it runs its program, "running"; a dead (or
// reused) pid is "stopped"; a record still marked creating is "creating"
// while its creator (the rt process) lives, and while anything of an
// interrupted create (its init, processes in the cgroup rt made) is alive;
// an interrupted create with nothing left alive is "stopped".
import type { State, Status } from "../spec/types.ts";
import { exists } from "../sys/files.ts";
import { host } from "../sys/host.ts";
import { isPopulated } from "../cgroups/manager.ts";
import { isFrozen } from "../cgroups/freezer.ts";
import { isSameLiveProcess } from "./proc.ts";
import type { ContainerRecord, StateStore } from "./store.ts";

/** How /proc/<pid>/exe reads for the executor (native/selfexec.c seals itself into this memfd). */
const EXECUTOR_MEMFD = "/memfd:rt-exec";

export function deriveStatus(store: StateStore, rec: ContainerRecord): Status {
  if (rec.creating || rec.pid === 0) {
    if (!createInterrupted(rec) || anythingAlive(rec)) return "creating";
    return "stopped";
  }
  if (!isSameLiveProcess(rec.pid, rec.pidStartTime)) return "stopped";
  // start renames the fifo once it has released the init: started, even
  // before the init's execve; else the init's exe (or the fifo) tells.
  const inExecutor = exists(store.startedPath(rec.id)) ? false : stillInExecutor(rec.pid);
  const started = inExecutor !== null ? !inExecutor : !exists(store.fifoPath(rec.id));
  if (!started) return "created";
  return isFrozen(rec) ? "paused" : "running";
}

/**
 * Whether the init is still the executor waiting for `start` (its exe is the
 * sealed rt-exec memfd) rather than the container's program: this holds
 * whatever became of the fifo's path (a `start` killed between its write and
 * the unlink; a fifo replaced by a file). null when /proc/<pid>/exe cannot be
 * read (a non-dumpable init of a rootless caller): the fifo tells then.
 */
function stillInExecutor(pid: number): boolean | null {
  try {
    return host().readlink(`/proc/${pid}/exe`).startsWith(EXECUTOR_MEMFD);
  } catch {
    return null;
  }
}

/** A create whose rt process is gone before it finished: nothing will ever complete it. */
export function createInterrupted(rec: ContainerRecord): boolean {
  if (!rec.creating && rec.pid !== 0) return false;
  // A record without a creator (older rt) cannot tell: it reads as creating.
  return rec.creator !== undefined && !isSameLiveProcess(rec.creator.pid, rec.creator.startTime);
}

/** Whether the cgroup directory is one rt made for this container (so everything in it is the container's). */
export function ownsCgroup(rec: { cgroupDir: string; cgroupCreated: string[] }): boolean {
  return rec.cgroupDir !== "" && rec.cgroupCreated.includes(rec.cgroupDir);
}

/** The init, or any process in the cgroup rt made for the container, is alive. */
export function anythingAlive(rec: ContainerRecord): boolean {
  if (rec.pid && rec.pidStartTime && isSameLiveProcess(rec.pid, rec.pidStartTime)) return true;
  if (!ownsCgroup(rec)) return false;
  try { return exists(rec.cgroupDir) && isPopulated(rec.cgroupDir); } catch { return false; }
}

export function toState(rec: ContainerRecord, id: string, status: Status): State {
  if (status === "creating") {
    const state: State = { ociVersion: rec.ociVersion, id, status: "creating", bundle: rec.bundle };
    // Known as soon as the executor reports it: an interrupted create still names its init.
    if (rec.pid && rec.pidStartTime && isSameLiveProcess(rec.pid, rec.pidStartTime)) state.pid = rec.pid;
    return state;
  }
  const state: State = { ociVersion: rec.ociVersion, id: rec.id, status, bundle: rec.bundle };
  if (status === "created" || status === "running") state.pid = rec.pid;
  else state.pid = 0;
  if (rec.annotations && Object.keys(rec.annotations).length) state.annotations = rec.annotations;
  return state;
}
