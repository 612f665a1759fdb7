// Runs native/rt-exec: the host starts it with the caller's stdio (and
// preserved fds) passed straight through and a socket on which the plan goes
// out and the executor's reports come back, until the container is created or
// an op failed. A failure names the config field of the op behind it.
import { assertPlanFits } from "./plan-limits.ts";
import { host } from "../sys/host.ts";
import { RtError, describeSysError } from "../errors.ts";
import { describePlan, encodePlan, parseReport, type Plan, type Report } from "./wire.ts";
import { Op } from "./wire.ts";
import { executorPath } from "./locate.ts";
import { HookError } from "../hooks/run.ts";

export interface LaunchedContainer {
  pid: number;
  /** Resolves with the executor's exit status (mode "wait": the container's). */
  exited: Promise<number>;
}

/**
 * @param watch the caller awaits `exited` (the executor stays the init's
 *   parent): under Node the child then keeps the event loop alive until it exits.
 */
/**
 * @param onPid called as soon as the init's pid is known, so that create can
 *   record it before anything else can fail.
 * @param onHooks runs rt's own hooks while the init waits in HOOK_PAUSE (given
 *   its pid); throws to abort the create.
 */
export async function launch(plan: Plan, extraFds: number, debug?: (msg: string) => void, watch = false, onPid?: (pid: number) => void, onHooks?: (pid: number) => void): Promise<LaunchedContainer> {
  debug?.(`plan:\n${describePlan(plan)}`);
  assertPlanFits(plan);
  const reports = new ReportReader(plan, debug, onPid, onHooks);
  const path = executorPath();
  let exited: Promise<number>;
  try {
    ({ exited } = await host().launch({
      path,
      passFds: extraFds,
      plan: encodePlan(plan),
      onLine: (line, send) => reports.take(line, send),
      watch,
    }));
  } catch (e) {
    // A report's failure is already named by its field; anything else is the
    // executor itself failing to start or to talk (spawn, socket errors).
    if (e instanceof RtError) throw e;
    throw new RtError(`running the executor ${path}: ${describeSysError(e)}`);
  }
  return { pid: reports.finish(), exited };
}

/** Follows the report protocol: PID, then READY or ERROR (see native/PLAN.md). */
class ReportReader {
  private pid = 0;
  private ready = false;
  constructor(private readonly plan: Plan, private readonly debug?: (m: string) => void, private readonly onPid?: (pid: number) => void, private readonly onHooks?: (pid: number) => void) {}

  /** Returns true once the container is ready; throws the failure, named by its field. */
  take(line: string, send: (data: string) => void): boolean {
    this.debug?.(`rt-exec: ${line}`);
    const r: Report = parseReport(line);
    if (r.kind === "PID") {
      this.pid = r.pid;
      this.onPid?.(r.pid);
    }
    else if (r.kind === "READY") return (this.ready = true);
    else if (r.kind === "ERROR") {
      const op = r.op >= 0 ? this.plan[r.op] : undefined;
      throw new (op?.op === Op.HOOK_RUN ? HookError : RtError)(this.describe(r));
    } else if (r.kind === "HOOKS") {
      try {
        if (!this.onHooks) throw new RtError("rt-exec paused for hooks nobody asked for");
        this.onHooks(this.pid);
      } catch (e) {
        // The init may have dropped its parent-death signal (a user namespace's
        // SETUID): it must not outlive the executor the host is about to kill.
        try { host().kill(this.pid, 9); } catch { /* gone */ }
        throw e;
      }
      send("1");
    }
    return false;
  }

  finish(): number {
    if (!this.pid || !this.ready) throw new RtError("rt-exec exited before creating the container");
    return this.pid;
  }

  private describe(r: Extract<Report, { kind: "ERROR" }>): string {
    const op = r.op >= 0 ? this.plan[r.op] : undefined;
    return op?.field ? `${op.field}: ${r.message}` : r.message;
  }
}
