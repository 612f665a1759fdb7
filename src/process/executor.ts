// Runs native/rt-exec: spawns it with the caller's stdio (and preserved fds)
// passed straight through, streams the plan over a socketpair, and reads its
// reports until the container is created or an op failed. A failure names the
// config field of the op behind it.
//
// Two drivers, one protocol: under Bun (the shipped dist/rt) Bun.spawn hands
// back the socket as a plain fd that we read synchronously — the fastest path
// for a short-lived CLI; under Node (the library API in a service) the socket
// is read with events, so the service's event loop never blocks.
import { fs } from "../sys/fs.ts";
import type { Socket } from "node:net";
import { constants as osConstants } from "node:os";
import { RtError } from "../errors.ts";
import { describePlan, encodePlan, parseReport, type Plan, type Report } from "./wire.ts";
import { executorPath } from "./locate.ts";

export interface LaunchedContainer {
  pid: number;
  /** Resolves with the executor's exit status (mode "wait": the container's). */
  exited: Promise<number>;
}

declare const Bun: {
  spawn(opts: { cmd: string[]; stdio: unknown[]; env?: Record<string, string> }): {
    pid: number;
    stdio: unknown[];
    exited: Promise<number>;
    kill(sig?: number): void;
    unref(): void;
  };
};

/**
 * @param watch the caller awaits `exited` (the executor stays the init's
 *   parent): under Node the child then keeps the event loop alive until it exits.
 */
export async function launch(plan: Plan, extraFds: number, debug?: (msg: string) => void, watch = false): Promise<LaunchedContainer> {
  debug?.(`plan:\n${describePlan(plan)}`);
  const bytes = encodePlan(plan);
  const passed = Array.from({ length: extraFds }, (_, i) => 3 + i);
  const syncIndex = 3 + extraFds;
  const argv = [executorPath(), String(syncIndex)];
  const stdio = ["inherit", "inherit", "inherit", ...passed, "pipe"];
  return typeof Bun !== "undefined" ? launchBun(plan, bytes, argv, stdio, syncIndex, debug) : launchNode(plan, bytes, argv, stdio, syncIndex, debug, watch);
}

function launchBun(plan: Plan, bytes: Uint8Array, argv: string[], stdio: unknown[], syncIndex: number, debug?: (m: string) => void): LaunchedContainer {
  const child = Bun.spawn({ cmd: argv, stdio, env: {} });
  const sock = child.stdio[syncIndex] as number;
  const reports = new ReportReader(plan, debug);
  try {
    writeAll(sock, bytes);
    for (const line of readLines(sock)) if (reports.take(line)) break;
    return { pid: reports.finish(), exited: child.exited };
  } catch (e) {
    try { child.kill(9); } catch { /* gone */ }
    throw e;
  } finally {
    fs.closeSync(sock);
  }
}

async function launchNode(plan: Plan, bytes: Uint8Array, argv: string[], stdio: unknown[], syncIndex: number, debug: ((m: string) => void) | undefined, watch: boolean): Promise<LaunchedContainer> {
  const { spawn } = await import("node:child_process");
  const child = spawn(argv[0], argv.slice(1), { stdio: stdio as any, env: {} });
  const exited = new Promise<number>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? 128 + (signal ? signalNumber(signal) : 0)));
  });
  const sock = child.stdio[syncIndex] as unknown as Socket;
  const reports = new ReportReader(plan, debug);
  try {
    await new Promise<void>((resolve, reject) => {
      let pending = "";
      sock.on("data", (d: Buffer) => {
        pending += d.toString("utf8");
        let nl: number;
        try {
          while ((nl = pending.indexOf("\n")) >= 0) {
            const line = pending.slice(0, nl);
            pending = pending.slice(nl + 1);
            if (reports.take(line)) return resolve();
          }
        } catch (e) {
          reject(e);
        }
      });
      sock.on("end", () => resolve());
      sock.on("error", reject);
      child.on("error", reject);
      sock.write(bytes);
    });
    const pid = reports.finish();
    if (!watch) child.unref();
    return { pid, exited };
  } catch (e) {
    try { child.kill("SIGKILL"); } catch { /* gone */ }
    throw e;
  } finally {
    sock.destroy();
  }
}

/** Follows the report protocol: PID, then READY or ERROR (see native/PLAN.md). */
class ReportReader {
  private pid = 0;
  constructor(private readonly plan: Plan, private readonly debug?: (m: string) => void) {}

  /** Returns true once the container is ready; throws the failure, named by its field. */
  take(line: string): boolean {
    this.debug?.(`rt-exec: ${line}`);
    const r: Report = parseReport(line);
    if (r.kind === "PID") this.pid = r.pid;
    else if (r.kind === "READY") return true;
    else if (r.kind === "ERROR") throw new RtError(this.describe(r));
    return false;
  }

  finish(): number {
    if (!this.pid) throw new RtError("rt-exec exited before creating the container");
    return this.pid;
  }

  private describe(r: Extract<Report, { kind: "ERROR" }>): string {
    const op = r.op >= 0 ? this.plan[r.op] : undefined;
    return op?.field ? `${op.field}: ${r.message}` : r.message;
  }
}

function signalNumber(name: string): number {
  return (osConstants.signals as Record<string, number>)[name] ?? 0;
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) {
    try {
      off += fs.writeSync(fd, bytes, off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EAGAIN") { waitBriefly(); continue; }
      throw new RtError(`sending the plan to rt-exec: ${(e as Error).message}`);
    }
  }
}

/** Yields complete lines until EOF; blocking reads (EAGAIN is waited out). */
function* readLines(fd: number): Generator<string> {
  const buf = Buffer.alloc(4096);
  let pending = "";
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EAGAIN") { waitBriefly(); continue; }
      throw e;
    }
    if (n === 0) break;
    pending += buf.toString("utf8", 0, n);
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      yield pending.slice(0, nl);
      pending = pending.slice(nl + 1);
    }
  }
  if (pending) yield pending;
}

const cell = new Int32Array(new SharedArrayBuffer(4));
function waitBriefly(): void {
  Atomics.wait(cell, 0, 0, 1);
}
