// The device cgroup's rule semantics, shared by both hierarchy kinds: a list
// of allow/deny rules (linux.resources.devices, then the default allow-list)
// is played, in order, through the kernel's cgroup v1 `devices` model — a
// default (allow or deny every device) plus a list of exceptions to it:
//
//   * type `a` resets: allow → default-allow, deny → default-deny, and the
//     exception list is cleared;
//   * a rule whose action differs from the default adds an exception (its
//     access merged into an existing one with the same type and numbers);
//   * a rule whose action is the default's removes that access from the
//     exception with the same type and numbers (nothing else).
//
// The result is what cgroup v1 is given (src/cgroups/v1-devices.ts) and what
// the cgroup v2 eBPF program decides (src/cgroups/device-filter.ts), so both
// hosts enforce the same thing. As runc does, a rule that would need a hole
// punched into a wider wildcard exception (deny `c 1:3` inside an allowed
// `c 1:*`) is refused: v1 would silently ignore it.
import { RtError } from "../errors.ts";

/** A rule list the device cgroup cannot enforce; `field` names the rule. */
export class DeviceRuleError extends RtError {
  constructor(readonly field: string, readonly reason: string) {
    super(`${field}: ${reason}`);
  }
}

/** The kernel's access bits (BPF_DEVCG_ACC_*); v1 spells them m, r, w. */
export const ACC = { MKNOD: 1, READ: 2, WRITE: 4 } as const;
export const ACC_ALL = ACC.MKNOD | ACC.READ | ACC.WRITE;
/** A major or minor number that matches every device (`*`). */
export const ANY = -1;

export interface DeviceRule {
  allow: boolean;
  type: "a" | "c" | "b";
  major: number;
  minor: number;
  /** ACC bits. */
  access: number;
  /** Where the rule came from, for errors: `linux.resources.devices[2]`, `default allow-list (c 136:* rwm)`. */
  field: string;
}

export interface DeviceException {
  type: "c" | "b";
  major: number;
  minor: number;
  access: number;
  /** The rule that first made it. */
  field: string;
}

export interface DeviceState {
  /** Every device is allowed unless an exception denies it (else: denied unless allowed). */
  defaultAllow: boolean;
  /** Each with the action opposite to the default, in the order they were made. */
  exceptions: DeviceException[];
}

export function accessString(access: number): string {
  return (access & ACC.READ ? "r" : "") + (access & ACC.WRITE ? "w" : "") + (access & ACC.MKNOD ? "m" : "");
}

export function parseAccess(s: string): number {
  let a = 0;
  for (const ch of s) a |= ch === "r" ? ACC.READ : ch === "w" ? ACC.WRITE : ch === "m" ? ACC.MKNOD : 0;
  return a;
}

const num = (n: number) => (n === ANY ? "*" : String(n));

/** `c 1:3 rwm`, as devices.allow and devices.list spell a rule. */
export function ruleLine(r: { type: string; major: number; minor: number; access: number }): string {
  return r.type === "a" ? "a *:* rwm" : `${r.type} ${num(r.major)}:${num(r.minor)} ${accessString(r.access)}`;
}

const key = (type: string, major: number, minor: number) => `${type} ${major}:${minor}`;

/** Plays the rules through the v1 model, starting from default-deny (an allow-list, as the spec intends). */
export function emulate(rules: DeviceRule[]): DeviceState {
  let defaultAllow = false;
  let exceptions = new Map<string, DeviceException>();
  for (const r of rules) {
    if (r.type === "a") {
      defaultAllow = r.allow;
      exceptions = new Map();
      continue;
    }
    const k = key(r.type, r.major, r.minor);
    const existing = exceptions.get(k);
    if (r.allow !== defaultAllow) {
      if (existing) existing.access |= r.access;
      else exceptions.set(k, { type: r.type, major: r.major, minor: r.minor, access: r.access, field: r.field });
      continue;
    }
    // Removing access: only the exact exception can lose it. A wider wildcard
    // exception that grants (or denies) the same access would stay in force.
    for (const [maj, min] of [[ANY, r.minor], [r.major, ANY], [ANY, ANY]]) {
      if (maj === r.major && min === r.minor) continue;
      const wide = exceptions.get(key(r.type, maj, min));
      if (wide && wide.access & r.access) {
        // Blame a config entry: the implicit allow-list is nobody's to edit.
        throw new DeviceRuleError(
          r.field.startsWith("linux.") ? r.field : wide.field,
          `${r.allow ? "allowing" : "denying"} ${ruleLine(r)} (${r.field}) inside ${ruleLine(wide)} ` +
          `(${r.allow ? "denied" : "allowed"} by ${wide.field}) cannot be enforced: the device cgroup cannot punch a hole in a wildcard rule`,
        );
      }
    }
    if (existing) {
      existing.access &= ~r.access;
      if (!existing.access) exceptions.delete(k);
    }
  }
  return { defaultAllow, exceptions: [...exceptions.values()] };
}

/** What the state decides for one access (kernel v1 semantics): the reference the eBPF program is tested against. */
export function decide(state: DeviceState, type: "c" | "b", major: number, minor: number, access: number): boolean {
  const matches = (e: DeviceException) =>
    e.type === type && (e.major === ANY || e.major === major) && (e.minor === ANY || e.minor === minor);
  if (state.defaultAllow) {
    // Denied as soon as an exception covers any part of the access asked for.
    return !state.exceptions.some((e) => matches(e) && (e.access & access) !== 0);
  }
  // Allowed only if one exception grants all of it.
  return state.exceptions.some((e) => matches(e) && (e.access & access) === access);
}
