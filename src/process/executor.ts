// Runs native/rt-exec: spawns it with the caller's stdio (and preserved fds)
// passed straight through, streams the plan over a socketpair, and reads its
// reports until the container is created or an op failed. A failure names the
// config field of the op behind it.
import * as fs from "node:fs";
import { RtError } from "../errors.ts";
import { describePlan, encodePlan, parseReport, type Plan, type Report } from "./wire.ts";
import { executorPath } from "./locate.ts";

export interface LaunchedContainer {
  pid: number;
  /** Resolves with the executor's exit status (mode "wait": the container's). */
  exited: Promise<number>;
  /** The executor's own pid. */
  executorPid: number;
}

declare const Bun: {
  spawn(opts: { cmd: string[]; stdio: unknown[]; env?: Record<string, string> }): {
    pid: number;
    stdio: unknown[];
    exited: Promise<number>;
    kill(sig?: number): void;
  };
};

export function launch(plan: Plan, extraFds: number, debug?: (msg: string) => void): LaunchedContainer {
  if (typeof Bun === "undefined") throw new RtError("rt's executor driver needs the Bun runtime (run the built dist/rt)");
  debug?.(`plan:\n${describePlan(plan)}`);
  const bytes = encodePlan(plan);
  const passed = Array.from({ length: extraFds }, (_, i) => 3 + i);
  const syncIndex = 3 + extraFds;
  const child = Bun.spawn({
    cmd: [executorPath(), String(syncIndex)],
    stdio: ["inherit", "inherit", "inherit", ...passed, "pipe"],
    env: {},
  });
  const sock = child.stdio[syncIndex] as number;
  let pid = 0;
  try {
    writeAll(sock, bytes);
    for (const line of readLines(sock)) {
      const r: Report = parseReport(line);
      debug?.(`rt-exec: ${line}`);
      if (r.kind === "PID") pid = r.pid;
      else if (r.kind === "READY") break;
      else if (r.kind === "ERROR") throw new RtError(describeFailure(plan, r));
    }
    if (!pid) throw new RtError("rt-exec exited before creating the container");
  } catch (e) {
    try { child.kill(9); } catch { /* gone */ }
    throw e;
  } finally {
    fs.closeSync(sock);
  }
  return { pid, exited: child.exited, executorPid: child.pid };
}

function describeFailure(plan: Plan, r: Extract<Report, { kind: "ERROR" }>): string {
  const op = r.op >= 0 ? plan[r.op] : undefined;
  return op?.field ? `${op.field}: ${r.message}` : r.message;
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
