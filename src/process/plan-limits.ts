// The executor's limits on a plan (native/PLAN.md: argc ≤ 4096 per op, ops ≤
// 65536, ≤ 4 MiB in all), checked before a plan is sent (and by `validate`),
// so that an oversized plan is refused naming the op's field, not with the
// executor's "op 4 has 8192 args" or, past 4 MiB, a broken pipe.
import { utf8Encode } from "../sys/utf8.ts";
import { RtError } from "../errors.ts";
import type { Plan } from "./wire.ts";

export const MAX_OP_ARGS = 4096;

export const MAX_PLAN_OPS = 65536;
export const MAX_PLAN_BYTES = 4 * 1024 * 1024;

export interface PlanIssue { path: string; message: string }

export function planLimitIssues(plan: Plan): PlanIssue[] {
  const out: PlanIssue[] = [];
  let bytes = 8 + 8; // magic, END
  for (const { args, field } of plan) {
    if (args.length > MAX_OP_ARGS) out.push({ path: field, message: `becomes ${args.length} arguments of one executor op: rt takes at most ${MAX_OP_ARGS}` });
    bytes += 8;
    for (const a of args) bytes += 4 + (a instanceof Uint8Array ? a.length : utf8Encode(typeof a === "string" ? a : String(a)).length);
  }
  if (plan.length > MAX_PLAN_OPS) out.push({ path: "", message: `needs ${plan.length} executor ops: rt takes at most ${MAX_PLAN_OPS}` });
  if (bytes > MAX_PLAN_BYTES) out.push({ path: "", message: `makes a plan of ${bytes} bytes: the executor takes at most ${MAX_PLAN_BYTES} (4 MiB)` });
  return out;
}

/** Throws the plan's limit issues as one RtError, a line each. */
export function assertPlanFits(plan: Plan): void {
  const issues = planLimitIssues(plan);
  if (issues.length) throw new RtError(issues.map((i) => (i.path ? `config.json: ${i.path}: ${i.message}` : `config.json: ${i.message}`)).join("\n"));
}
