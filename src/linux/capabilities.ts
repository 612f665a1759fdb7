// process.capabilities → KEEP_CAPS (before the uid switch) and CAPS (after it).
//
// What an absent field means:
//   - process.capabilities present, one set absent: that set is empty, as in
//     runc (specconv copies each set as given; a nil set is cleared like an
//     empty one). An absent bounding set therefore empties the bounding set.
//   - no process.capabilities at all: all five sets are empty, as if it were
//     {}. That is what runc did up to 1.2 (finalizeNamespace passed
//     `&configs.Capabilities{}` for a nil config), and what the installed
//     runc 1.1.5 does, tested side by side. runc 1.3 changed it in passing
//     (commits 049a5f76 "libct/cap: allow New(nil)" and 73849e79 "libct:
//     simplify Caps inheritance"): a nil config now leaves the init's
//     capabilities alone, so root keeps the host's full set. rt keeps the
//     older reading: a config that says nothing about capabilities gets
//     none, rather than everything the runtime has.
//
// Names rt does not know are refused by the semantic checks (and here again,
// for a plan built without them). A name rt knows but this kernel does not
// (its number is above /proc/sys/kernel/cap_last_cap) is left out with a
// warning, as runc does, so a config written for a newer kernel still runs.
// An ambient capability that is not both permitted and inheritable is left
// out with a warning too: the kernel refuses to raise it (capabilities(7)),
// and runc warns and goes on.
import { host } from "../sys/host.ts";
import { RtError } from "../errors.ts";
import { Op } from "../process/wire.ts";
import type { LinuxCapabilities } from "../spec/types.ts";
import { LINUX_CAPABILITIES } from "./capability-names.ts";
import type { PlanContext, PlanOp } from "./context.ts";

export interface CapabilityOps {
  /** Before SETGROUPS_IDS/SETGID/SETUID: KEEP_CAPS 1 when a non-root user must keep capabilities. */
  beforeIds: PlanOp[];
  /** After SETUID: CAPS with the five sets. */
  afterIds: PlanOp[];
}

/** CAPS's argument order (PLAN.md). */
export const CAP_SETS = ["bounding", "effective", "permitted", "inheritable", "ambient"] as const;
export type CapSet = (typeof CAP_SETS)[number];

const FIELD = "process.capabilities";
const HIGHEST_KNOWN = Math.max(...Object.values(LINUX_CAPABILITIES));

/** The highest capability number this kernel has; rt's highest known one if the kernel does not say (before 3.2). */
export function capLastCap(): number {
  try {
    const n = Number(host().readFile("/proc/sys/kernel/cap_last_cap").trim());
    if (Number.isInteger(n) && n >= 0 && n < 64) return n;
  } catch { /* no such file */ }
  return HIGHEST_KNOWN;
}

/** The five sets as u64 masks (bit n = capability n), what the kernel lacks left out with a warning. */
export function capabilityMasks(caps: LinuxCapabilities, lastCap: number, warn: (msg: string) => void): Record<CapSet, bigint> {
  const masks = {} as Record<CapSet, bigint>;
  // One warning per capability the kernel lacks, naming every set it was in.
  const missing = new Map<string, CapSet[]>();
  for (const set of CAP_SETS) {
    let m = 0n;
    (caps[set] ?? []).forEach((name, i) => {
      const n = Object.prototype.hasOwnProperty.call(LINUX_CAPABILITIES, name) ? LINUX_CAPABILITIES[name] : undefined;
      if (n === undefined) throw new RtError(`${FIELD}.${set}[${i}]: unknown capability ${JSON.stringify(name)}`);
      if (n > lastCap) {
        const sets = missing.get(name) ?? [];
        if (!sets.includes(set)) sets.push(set);
        missing.set(name, sets);
        return;
      }
      m |= 1n << BigInt(n);
    });
    masks[set] = m;
  }
  for (const [name, sets] of missing) {
    warn(`${FIELD}: ${name} (${LINUX_CAPABILITIES[name]}) is not known to this kernel (cap_last_cap ${lastCap}): left out of ${sets.join(", ")}`);
  }
  const raisable = masks.permitted & masks.inheritable;
  (caps.ambient ?? []).forEach((name, i) => {
    const n = LINUX_CAPABILITIES[name];
    if (n > lastCap) return;
    const bit = 1n << BigInt(n);
    if (masks.ambient & bit & ~raisable) {
      warn(`${FIELD}.ambient[${i}]: ${name} is not in both permitted and inheritable, so the kernel cannot raise it: left out`);
      masks.ambient &= ~bit;
    }
  });
  return masks;
}

export function capabilityOps(ctx: PlanContext): CapabilityOps {
  const proc = ctx.spec.process;
  if (!proc) return { beforeIds: [], afterIds: [] };
  const m = capabilityMasks(proc.capabilities ?? {}, capLastCap(), ctx.warn);
  return {
    // setresuid from uid 0 to another clears the permitted set unless
    // keep-caps is on, and CAPS needs it (CAP_SETPCAP drops from the bounding
    // set); for uid 0 nothing is lost. execve turns keep-caps off again.
    beforeIds: proc.user.uid !== 0 ? [{ op: Op.KEEP_CAPS, field: FIELD, args: ["1"] }] : [],
    afterIds: [{ op: Op.CAPS, field: FIELD, args: CAP_SETS.map((s) => m[s].toString()) }],
  };
}
