// The state JSON a hook reads on stdin (runtime.md "State"), as rt knows it
// at the hook's moment. Kept apart from the runner so the plan can split it
// around the pid the init fills in (HOOK_RUN's stdin prefix and suffix).
export type HookStatus = "creating" | "created" | "running" | "stopped";

export interface HookStateInput {
  ociVersion: string;
  id: string;
  bundle: string;
  annotations?: Record<string, string>;
}

export function hookState(c: HookStateInput, status: HookStatus, pid: number): string {
  const [prefix, suffix] = hookStateAround(c, status);
  return `${prefix}${pid}${suffix}`;
}

/** The state with a hole where the pid goes: [before, after]. */
export function hookStateAround(c: HookStateInput, status: HookStatus): [string, string] {
  const head = JSON.stringify({ ociVersion: c.ociVersion, id: c.id, status });
  const tail = JSON.stringify({ bundle: c.bundle, annotations: c.annotations ?? {} });
  return [`${head.slice(0, -1)},"pid":`, `,${tail.slice(1)}`];
}
