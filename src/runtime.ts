// The library API: every rt command is a method here, a thin facade over one
// module per operation in src/container/ (create, start, state, kill, delete,
// run, exec, ps, checkpoint, restore); src/cli only parses arguments and calls these. Errors are RtError
// with a message naming the field.
import { RtError } from "./errors.ts";
import type { State } from "./spec/types.ts";
import { StateStore } from "./state/store.ts";
import type { OperationContext } from "./container/context.ts";
import { createContainer, type CreateOptions, type Created } from "./container/create.ts";
import { startContainer } from "./container/start.ts";
import { containerState, listContainers, type DamagedEntry } from "./container/state.ts";
import { killContainer } from "./container/kill.ts";
import { deleteContainer } from "./container/delete.ts";
import { runContainer } from "./container/run.ts";
import { containerProcesses } from "./container/ps.ts";
import type { ExecOptions, Execd } from "./container/exec.ts";

export type { CreateOptions, Created } from "./container/create.ts";
export type { DamagedEntry } from "./container/state.ts";
export type { ExecOptions, Execd } from "./container/exec.ts";
export type { CheckpointOptions } from "./container/checkpoint.ts";
export type { RestoreOptions } from "./container/restore.ts";

export interface RuntimeOptions {
  /** State root (default /run/rt). */
  root?: string;
  debug?: (msg: string) => void;
  warn?: (msg: string) => void;
}

export class Runtime {
  readonly store: StateStore;
  private readonly ctx: OperationContext;
  /** Exit promises of containers this Runtime created with `watch`. */
  private readonly watched = new Map<string, Promise<number>>();

  constructor(opts: RuntimeOptions = {}) {
    this.store = new StateStore(opts.root);
    this.ctx = { store: this.store, debug: opts.debug, warn: opts.warn };
  }

  async create(id: string, opts: CreateOptions = {}): Promise<Created> {
    const created = await createContainer(this.ctx, id, opts, opts.watch ? "wait" : "detach");
    if (opts.watch) {
      this.watched.set(id, created.exited);
      created.exited.finally(() => this.watched.delete(id)).catch(() => {});
    }
    return created;
  }

  /** Resolves with the exit status of a container created here with `watch`. */
  wait(id: string): Promise<number> {
    const p = this.watched.get(id);
    if (!p) throw new RtError(`container "${id}" was not created with watch by this runtime: its exit cannot be awaited`);
    return p;
  }

  /** Lets the created container's process run its program. A promise only for a container with startContainer or poststart hooks. */
  start(id: string): void | Promise<void> {
    return startContainer(this.ctx, id);
  }

  state(id: string): State {
    return containerState(this.ctx, id);
  }

  /** Every container; one whose state cannot be read is listed as damaged, with the reason. */
  list(): (State | DamagedEntry)[] {
    return listContainers(this.ctx);
  }

  kill(id: string, signal: number, all = false): void {
    killContainer(this.ctx, id, signal, all);
  }

  /** Freezes every process of a running container (status "paused"). */
  async pause(id: string): Promise<void> {
    (await import("./container/pause.ts")).pauseContainer(this.ctx, id);
  }

  /** New limits for a container (linux.resources members), applied to its cgroups and kept in its state. */
  async update(id: string, resources: import("./container/update.ts").Resources): Promise<void> {
    (await import("./container/update.ts")).updateContainer(this.ctx, id, resources);
  }

  /** One runc-style "stats" event (JSON) of the container's cpu, memory and pids. */
  async stats(id: string): Promise<string> {
    return (await import("./container/events.ts")).statsEvent(this.ctx, id);
  }

  /** runc's event stream (JSON lines to emit: stats every intervalMs, oom as they happen) until the container stops. */
  async events(id: string, intervalMs: number, emit: (line: string) => void): Promise<void> {
    (await import("./container/events.ts")).streamEvents(this.ctx, id, intervalMs, emit);
  }

  /** Thaws a paused container. */
  async resume(id: string): Promise<void> {
    (await import("./container/pause.ts")).resumeContainer(this.ctx, id);
  }

  /** Host pids of the container's processes (its cgroup tree), ascending. */
  processes(id: string): number[] {
    return containerProcesses(this.ctx, id);
  }

  /** Dumps a running container with CRIU (loaded only here: no other command pays for it). */
  async checkpoint(id: string, opts: import("./container/checkpoint.ts").CheckpointOptions = {}): Promise<void> {
    const { checkpointContainer } = await import("./container/checkpoint.ts");
    checkpointContainer(this.ctx, id, opts);
  }

  /** Makes a container again from checkpoint images with CRIU; resolves with the restored init's pid. */
  async restore(id: string, opts: import("./container/restore.ts").RestoreOptions = {}): Promise<number> {
    const { restoreContainer } = await import("./container/restore.ts");
    return restoreContainer(this.ctx, id, opts);
  }

  /** A promise only for a container with poststop hooks. */
  delete(id: string, force = false): void | Promise<void> {
    return deleteContainer(this.ctx, id, force);
  }

  /**
   * Runs another process in the container. In the foreground (no `detach`)
   * `exited` resolves with its exit status. Loaded on first use, like create.
   */
  async exec(id: string, opts: ExecOptions): Promise<Execd> {
    const { execProcess } = await import("./container/exec.ts");
    return execProcess(this.ctx, id, opts);
  }

  /** create + start; with detach false, waits for the container and deletes it. Returns the exit status. */
  async run(id: string, opts: CreateOptions & { detach?: boolean } = {}): Promise<number> {
    if (opts.detach) {
      await this.create(id, opts);
      await this.start(id);
      return 0;
    }
    return runContainer(this.ctx, id, opts);
  }
}
