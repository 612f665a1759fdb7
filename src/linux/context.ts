// What every per-concern plan builder (capabilities.ts, seccomp.ts,
// process-attrs.ts, device-control.ts, userns.ts) is given: the config, the
// create's inputs, the namespaces decided, and a way to warn. Builders return
// ops for the slots plan.ts places them in; they never spawn or touch the host
// beyond reading facts (/proc/sys/kernel/cap_last_cap, …).
import type { PlanOp } from "../process/wire.ts";
import type { Spec } from "../spec/types.ts";
import type { NamespacePlan } from "./namespaces.ts";
import type { PlanInput } from "./plan.ts";

export interface PlanContext {
  spec: Spec;
  input: PlanInput;
  ns: NamespacePlan;
  /** For what the spec says to log and go on (a capability this kernel lacks, a syscall libseccomp does not know). */
  warn: (msg: string) => void;
}

export type { PlanOp };
