// Fault injection for the crash-safety tests (test/integration/crash-safety.test.ts):
// with RT_TEST_CRASH_AT=<step>, rt stops dead (SIGKILL to itself) when it
// reaches that named step, as a `kill -9` from outside would stop it there.
// RT_TEST_CRASH_KILL=init or executor kills that process at the step instead
// (and rt goes on); RT_TEST_CRASH_KILL=stop stops rt there (SIGSTOP) for the
// test to change the world under it (fill the state root's filesystem) and
// let it go on. Unset, a step costs one environment lookup.
import { host } from "../sys/host.ts";
import { readProcStat } from "../state/proc.ts";

/** Every named step, in the order the operations reach them (the tests walk this list). */
export const CRASH_STEPS = {
  create: ["claimed", "cgroup-made", "v1-devices-made", "v1-made", "pid-reported", "pid-recorded", "ready", "record-final"],
  start: ["checked", "fifo-written"],
  delete: ["read", "killed", "cgroups-removed"],
} as const;

export type CrashStep = `${keyof typeof CRASH_STEPS}:${string}`;

export function crashPoint(step: CrashStep, pid = 0): void {
  const at = host().env("RT_TEST_CRASH_AT");
  if (at !== step) return;
  const who = host().env("RT_TEST_CRASH_KILL") ?? "rt";
  if (who === "init" && pid) {
    try { host().kill(pid, 9); } catch { /* gone */ }
    // Dead by the time rt goes on, as if it had died at this very step.
    for (let i = 0; i < 2000 && !["Z", "X", undefined].includes(readProcStat(pid)?.state); i++) host().sleep(1);
    return;
  }
  if (who === "executor" && pid) {
    // Only while the parent is still the executor: it exits right after READY.
    const parent = readParent(pid);
    if (parent && parent !== host().pid() && isExecutor(parent)) { try { host().kill(parent, 9); } catch { /* gone */ } }
    return;
  }
  if (who === "stop") host().kill(host().pid(), 19);
  if (who === "rt") host().kill(host().pid(), 9);
}

function isExecutor(pid: number): boolean {
  try { return host().readlink(`/proc/${pid}/exe`).startsWith("/memfd:rt-exec"); } catch { return false; }
}

/** The init's parent (the executor, until it exits): field 4 of /proc/<pid>/stat. */
function readParent(pid: number): number {
  return readProcStat(pid)?.ppid ?? 0;
}
