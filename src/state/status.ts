// Derives a container's status from what exists right now, so that state
// stays true without a daemon: a live init that still has its exec fifo is
// "created"; once `start` removes the fifo it is "running"; a dead (or
// reused) pid is "stopped"; a state dir without state.json is "creating".
import type { State, Status } from "../spec/types.ts";
import { exists } from "../sys/files.ts";
import { isSameLiveProcess } from "./proc.ts";
import type { ContainerRecord, StateStore } from "./store.ts";

export function deriveStatus(store: StateStore, rec: ContainerRecord): Status {
  if (rec.pid === 0) return "creating";
  if (!isSameLiveProcess(rec.pid, rec.pidStartTime)) return "stopped";
  return exists(store.fifoPath(rec.id)) ? "created" : "running";
}

export function toState(rec: ContainerRecord | null, id: string, status: Status): State {
  if (rec === null || status === "creating") {
    return { ociVersion: rec?.ociVersion ?? "1.3.0", id, status: "creating", bundle: rec?.bundle ?? "" };
  }
  const state: State = { ociVersion: rec.ociVersion, id: rec.id, status, bundle: rec.bundle };
  if (status === "created" || status === "running") state.pid = rec.pid;
  else state.pid = 0;
  if (rec.annotations && Object.keys(rec.annotations).length) state.annotations = rec.annotations;
  return state;
}
