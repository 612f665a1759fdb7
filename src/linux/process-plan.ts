// The process part of a plan, shared by create (plan.ts) and exec
// (exec-plan.ts): everything the process does once its namespaces and root
// are in place, from its terminal to EXEC. The concerns' ops come from their
// own builders (capabilities.ts, seccomp.ts, process-attrs.ts); this file
// only places them, in the order PLAN.md gives.
import { RtError } from "../errors.ts";
import { Op, type Plan } from "../process/wire.ts";
import type { Spec } from "../spec/types.ts";
import { RLIMITS } from "./constants.ts";
import type { CapabilityOps } from "./capabilities.ts";
import type { SeccompOps } from "./seccomp.ts";
import type { ProcessAttrOps } from "./process-attrs.ts";

export interface ProcessPart {
  process: NonNullable<Spec["process"]>;
  attrs: ProcessAttrOps;
  seccomp: SeccompOps;
  caps: CapabilityOps;
  consoleSocket?: string;
  /** setgroups(2) is denied in the user namespace: no SETGROUPS_IDS. */
  setgroupsDenied: boolean;
  /** fds passed through after stdio (kept open by CLOSE_FDS). */
  extraFds: number;
  /** LISTEN_FDS exported to the process when > 0 (socket activation, create only). */
  listenFds: number;
  /** Hook ops (create only): startContainer hooks just before the wait (rt run) or right after it (rt start). */
  beforeWait?: Plan;
  afterWait?: Plan;
}

const RLIM_INFINITY = 18446744073709551615;

/** CONSOLE_SETUP … EXEC: the terminal, limits, attributes, filter, ids, capabilities, cwd, env, argv. */
export function processOps(part: ProcessPart): Plan {
  const { process: proc, attrs, seccomp, caps } = part;
  const plan: Plan = [];
  const add = (op: Op, field: string, ...args: (string | number)[]) => plan.push({ op, args, field });
  const size = consoleSize(proc); // checked even without a console socket, so validate refuses it too
  if (part.consoleSocket) add(Op.CONSOLE_SETUP, "process.terminal", proc.user.uid, ...size);

  (proc.rlimits ?? []).forEach((r, i) => {
    const res = RLIMITS[r.type];
    if (res === undefined) throw new RtError(`process.rlimits[${i}].type: unknown rlimit "${r.type}"`);
    add(Op.RLIMIT, `process.rlimits[${i}] (${r.type})`, res, rlimitValue(r.soft), rlimitValue(r.hard));
  });
  plan.push(...attrs.beforeIds);
  add(Op.UMASK, "process.user.umask", proc.user.umask ?? 0o022);
  // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it while
  // the process still has it (as runc does); with it, as late as possible.
  if (!proc.noNewPrivileges) plan.push(...seccomp.filter);
  plan.push(...caps.beforeIds);
  if (!part.setgroupsDenied) plan.push({ op: Op.SETGROUPS_IDS, field: "process.user.additionalGids", args: proc.user.additionalGids ?? [] });
  add(Op.SETGID, "process.user.gid", proc.user.gid);
  add(Op.SETUID, "process.user.uid", proc.user.uid);
  plan.push(...caps.afterIds);
  if (proc.noNewPrivileges) add(Op.NO_NEW_PRIVS, "process.noNewPrivileges");
  add(Op.CHDIR, "process.cwd", proc.cwd);
  for (const e of processEnv(proc.env, part.listenFds)) add(Op.ENV, "process.env", e);
  plan.push({ op: Op.ARGS, field: "process.args", args: proc.args ?? [] });
  add(Op.CLOSE_FDS, "", 3 + part.extraFds);
  // Last before the wait, so a failure is still reported by field (after
  // READY nobody listens).
  if (proc.noNewPrivileges) plan.push(...seccomp.filter);
  plan.push(...(part.beforeWait ?? []));
  add(Op.WAIT_START, "process.args");
  plan.push(...(part.afterWait ?? []));
  add(Op.EXEC, "process.args");
  return plan;
}

/** process.consoleSize as CONSOLE_SETUP's rows and cols; the spec says to ignore it without a terminal. */
function consoleSize(proc: NonNullable<Spec["process"]>): number[] {
  const size = proc.consoleSize;
  if (!proc.terminal || !size) return [];
  for (const f of ["height", "width"] as const) {
    if (size[f] > 0xffff) throw new RtError(`process.consoleSize.${f}: at most 65535 (a terminal's size is 16 bits; got ${size[f]})`);
  }
  return [size.height, size.width];
}

function rlimitValue(v: number): string {
  return v >= RLIM_INFINITY ? "-1" : BigInt(Math.trunc(v)).toString();
}

/** The exec environment; with socket activation the container learns how many fds it got. */
function processEnv(env: string[] | undefined, listenFds: number): string[] {
  const out = [...(env ?? [])];
  if (listenFds > 0 && !out.some((e) => e.startsWith("LISTEN_FDS="))) out.push(`LISTEN_FDS=${listenFds}`);
  return out;
}
