// The library API as plain functions, for services that would rather not
// hold a Runtime: one Runtime per state root is kept, so that waitContainer
// finds the exit of what createContainer started (created with watch).
import { Runtime, type CreateOptions, type Created } from "./runtime.ts";
import { parseSignal } from "./signals.ts";
import { DEFAULT_ROOT } from "./state/store.ts";
import type { State } from "./spec/types.ts";
import type { DamagedEntry } from "./container/state.ts";

export interface Where {
  /** State root (default /run/rt). */
  root?: string;
}

const runtimes = new Map<string, Runtime>();
function runtimeAt(root = DEFAULT_ROOT): Runtime {
  let rt = runtimes.get(root);
  if (!rt) runtimes.set(root, (rt = new Runtime({ root })));
  return rt;
}

/** Creates the container; `watch` defaults to true here, so waitContainer works. */
export function createContainer(id: string, opts: CreateOptions & Where = {}): Promise<Created> {
  return runtimeAt(opts.root).create(id, { watch: true, ...opts });
}

/** A promise only for a container with startContainer or poststart hooks: await it to see their failure. */
export function startContainer(id: string, opts: Where = {}): void | Promise<void> {
  return runtimeAt(opts.root).start(id);
}

/** Resolves with the exit status (128+n for signal n), without polling. */
export function waitContainer(id: string, opts: Where = {}): Promise<number> {
  return runtimeAt(opts.root).wait(id);
}

/** signal: a number or a name ("TERM", "SIGKILL", "RTMIN+1"); all: every process in its cgroup. */
export function killContainer(id: string, signal: number | string = "TERM", opts: Where & { all?: boolean } = {}): void {
  runtimeAt(opts.root).kill(id, typeof signal === "number" ? signal : parseSignal(signal), opts.all ?? false);
}

/** A promise only for a container with poststop hooks. */
export function deleteContainer(id: string, opts: Where & { force?: boolean } = {}): void | Promise<void> {
  return runtimeAt(opts.root).delete(id, opts.force ?? false);
}

export function containerState(id: string, opts: Where = {}): State {
  return runtimeAt(opts.root).state(id);
}

export function listContainers(opts: Where = {}): (State | DamagedEntry)[] {
  return runtimeAt(opts.root).list();
}
