// The library API: every rt command is a function here; src/cli only parses
// arguments and calls these. Errors are RtError with a message naming the field.
import { host } from "./sys/host.ts";
import { RtError, describeSysError } from "./errors.ts";
import { destroyCgroup, signalCgroup } from "./cgroups/manager.ts";
import type { State } from "./spec/types.ts";
import { readProcStat } from "./state/proc.ts";
import { deriveStatus, toState } from "./state/status.ts";
import { StateStore, writeFileAtomic, type ContainerRecord } from "./state/store.ts";
import { validateId } from "./state/id.ts";
import { parseSignal } from "./signals.ts";

// What only create needs (the validators, the plan builder, the executor
// driver) is loaded on first create: state, start, kill and delete never pay
// for it.
async function createDeps() {
  const [bundle, cgroups, hierarchy, plan, executor] = await Promise.all([
    import("./bundle/load.ts"),
    import("./cgroups/manager.ts"),
    import("./cgroups/hierarchy.ts"),
    import("./linux/plan.ts"),
    import("./process/executor.ts"),
  ]);
  return { loadBundle: bundle.loadBundle, createCgroup: cgroups.createCgroup, resolveCgroupDir: hierarchy.resolveCgroupDir, unifiedMount: hierarchy.unifiedMount, buildPlan: plan.buildPlan, launch: executor.launch };
}

export interface RuntimeOptions {
  /** State root (default /run/rt). */
  root?: string;
  debug?: (msg: string) => void;
  warn?: (msg: string) => void;
}

export interface CreateOptions {
  bundle?: string;
  pidFile?: string;
  consoleSocket?: string;
  preserveFds?: number;
  noPivot?: boolean;
  /**
   * Library use: keep the executor as the container's parent, so that
   * `Created.exited` (and `wait(id)`) resolve with its exit status when it
   * ends — no polling. The CLI's create leaves this off and exits at once.
   */
  watch?: boolean;
}

export interface Created {
  pid: number;
  /** Resolves when the executor exits; in wait mode with the container's exit status. */
  exited: Promise<number>;
}

export class Runtime {
  readonly store: StateStore;
  private readonly debug?: (msg: string) => void;
  private readonly warn?: (msg: string) => void;

  constructor(opts: RuntimeOptions = {}) {
    this.store = new StateStore(opts.root);
    this.debug = opts.debug;
    this.warn = opts.warn;
  }

  /** Exit promises of containers this Runtime created with `watch`. */
  private readonly watched = new Map<string, Promise<number>>();

  async create(id: string, opts: CreateOptions = {}): Promise<Created> {
    const created = await this.createInMode(id, opts, opts.watch ? "wait" : "detach");
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

  private async createInMode(id: string, opts: CreateOptions, mode: "detach" | "wait", startImmediately = false): Promise<Created> {
    validateId(id);
    const { loadBundle, createCgroup, resolveCgroupDir, unifiedMount, buildPlan, launch } = await createDeps();
    const bundle = loadBundle(opts.bundle ?? host().cwd());
    for (const w of bundle.warnings) this.warn?.(w);
    checkTerminal(bundle.spec.process?.terminal ?? false, opts.consoleSocket);
    const mount = unifiedMount();
    const cgroupDir = mount ? resolveCgroupDir(bundle.spec.linux?.cgroupsPath, id, mount) : "";
    const listenFds = Number(host().env("LISTEN_FDS") ?? 0) || 0;
    const extraFds = listenFds + (opts.preserveFds ?? 0);
    this.store.claim(id);
    const record: ContainerRecord = {
      ociVersion: bundle.spec.ociVersion,
      id,
      pid: 0,
      pidStartTime: "",
      bundle: bundle.dir,
      rootfs: bundle.rootfs,
      annotations: bundle.spec.annotations,
      created: new Date().toISOString(),
      cgroupDir,
      cgroupCreated: [],
    };
    let pid = 0;
    try {
      this.store.write(record);
      if (cgroupDir && mount) record.cgroupCreated = createCgroup(cgroupDir, mount);
      const plan = buildPlan({
        spec: bundle.spec,
        id,
        bundle: bundle.dir,
        rootfs: bundle.rootfs,
        cgroupDir,
        cgroupIsNew: record.cgroupCreated.includes(cgroupDir),
        fifoPath: this.store.fifoPath(id),
        mode,
        preserveFds: extraFds,
        listenFds,
        noPivot: opts.noPivot ?? false,
        consoleSocket: opts.consoleSocket,
        startImmediately,
        warn: this.warn,
      });
      const launched = await launch(plan, extraFds, this.debug, mode === "wait");
      pid = launched.pid;
      const stat = readProcStat(pid);
      // `run` lets the program go at once, so it may already be gone: stopped.
      if (!stat && !startImmediately) throw new RtError(`container init (pid ${pid}) exited during create`);
      record.pid = pid;
      record.pidStartTime = stat?.startTime ?? "gone";
      this.store.write(record);
      if (opts.pidFile) writeFileAtomic(opts.pidFile, String(pid));
      return { pid, exited: launched.exited };
    } catch (e) {
      this.undoCreate(record, pid);
      throw e;
    }
  }

  /** A failed create leaves nothing behind: no process, no cgroup, no state dir. */
  private undoCreate(record: ContainerRecord, pid: number): void {
    if (pid) { try { host().kill(pid, 9); } catch { /* gone */ } }
    try {
      if (record.cgroupDir) destroyCgroup(record.cgroupDir, record.cgroupCreated);
    } catch { /* best effort; the error being reported matters more */ }
    this.store.remove(record.id);
  }

  /** Lets the created container's process run its program. */
  start(id: string): void {
    const rec = this.mustRead(id);
    const status = deriveStatus(this.store, rec);
    if (status !== "created") throw new RtError(`cannot start container "${id}": it is ${status}, not created`);
    const fifo = this.store.fifoPath(id);
    try {
      // Non-blocking: fails with ENXIO at once if the init no longer holds the fifo.
      host().writeFifoNonblocking(fifo, "0");
    } catch (e) {
      throw new RtError(`cannot start container "${id}": ${describeSysError(e)}`);
    }
    try { host().unlink(fifo); } catch { /* the status reads running either way */ }
  }

  state(id: string): State {
    validateId(id);
    const rec = this.store.read(id);
    return toState(rec, id, rec ? deriveStatus(this.store, rec) : "creating");
  }

  list(): State[] {
    const out: State[] = [];
    for (const id of this.store.list()) {
      try { out.push(this.state(id)); } catch { /* removed meanwhile */ }
    }
    return out;
  }

  kill(id: string, signal: number, all = false): void {
    const rec = this.mustRead(id);
    const status = deriveStatus(this.store, rec);
    if (status !== "created" && status !== "running") {
      throw new RtError(`cannot kill container "${id}": it is ${status}`);
    }
    if (all && rec.cgroupDir) {
      signalCgroup(rec.cgroupDir, signal);
      return;
    }
    try {
      host().kill(rec.pid, signal);
    } catch (e) {
      throw new RtError(`kill ${rec.pid}: ${describeSysError(e)}`);
    }
  }

  delete(id: string, force = false): void {
    validateId(id);
    const rec = this.store.read(id);
    if (rec === null || rec.pid === 0) {
      // A create that died half-way: only --force may clear it away.
      if (!force) throw new RtError(`cannot delete container "${id}": it is creating (use --force)`);
      this.store.remove(id);
      return;
    }
    const status = deriveStatus(this.store, rec);
    if (status !== "stopped") {
      if (!force) throw new RtError(`cannot delete container "${id}": it is ${status}, not stopped (use --force)`);
      this.killAndWait(rec);
    }
    if (rec.cgroupDir) destroyCgroup(rec.cgroupDir, rec.cgroupCreated);
    this.store.remove(id);
  }

  /** create + start; with detach false, waits for the container and deletes it. Returns the exit status. */
  async run(id: string, opts: CreateOptions & { detach?: boolean } = {}): Promise<number> {
    if (opts.detach) {
      await this.create(id, opts);
      this.start(id);
      return 0;
    }
    const created = await this.createInMode(id, opts, "wait", true);
    const forward = forwardSignals(created.pid);
    try {
      return await created.exited;
    } finally {
      forward.stop();
      try { this.delete(id, true); } catch (e) { this.debug?.(`delete after run: ${(e as Error).message}`); }
    }
  }

  private killAndWait(rec: ContainerRecord): void {
    if (rec.cgroupDir) signalCgroup(rec.cgroupDir, 9);
    try { host().kill(rec.pid, 9); } catch { /* gone */ }
    const deadline = Date.now() + 10_000;
    while (deriveStatus(this.store, rec) !== "stopped" && Date.now() < deadline) host().sleep(2);
  }

  private mustRead(id: string): ContainerRecord {
    validateId(id);
    const rec = this.store.read(id);
    if (rec === null || rec.pid === 0) throw new RtError(`container "${id}" is still being created`);
    return rec;
  }
}

/** A terminal needs somewhere to send its master, and a console socket needs a terminal (as runc). */
function checkTerminal(terminal: boolean, consoleSocket: string | undefined): void {
  if (terminal && !consoleSocket) throw new RtError("process.terminal is true: --console-socket is required to receive the terminal");
  if (!terminal && consoleSocket) throw new RtError("--console-socket given, but process.terminal is false");
}

const FORWARDED = ["INT", "TERM", "HUP", "QUIT", "USR1", "USR2", "WINCH"];

/** While `run` waits, signals sent to rt go to the container, as runc does. */
function forwardSignals(pid: number): { stop(): void } {
  const stop = host().onSignals(FORWARDED.map((n) => parseSignal(n)), (sig) => {
    try { host().kill(pid, sig); } catch { /* exited */ }
  });
  return { stop };
}
