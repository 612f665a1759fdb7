// linux.resources.devices (and the default allow-list) → the device cgroup.
// The rules are composed here, in runc's order: the config's rules, then the
// devices every container may use (runc's allow-list), then linux.devices
// (rwm each: a node the config asks rt to make is one it may use; runc itself
// leaves that rule to the engine, which writes it into resources.devices),
// and played through the v1 model (src/cgroups/device-rules.ts).
// On a host with a v1 `devices` hierarchy, src/cgroups/v1-devices.ts writes
// the result into the container's v1 cgroup before the launch and the init
// joins it (a second CGROUP_JOIN); on cgroup v2 the executor attaches an eBPF
// program (DEVICE_FILTER) to the container's cgroup before the clone.
import { callerIds } from "./rootless.ts";
import { Op } from "../process/wire.ts";
import type { LinuxDeviceCgroup, Spec } from "../spec/types.ts";
import { ACC, ACC_ALL, ANY, DeviceRuleError, emulate, parseAccess, type DeviceRule, type DeviceState } from "../cgroups/device-rules.ts";
import { deviceFilterProgram } from "../cgroups/device-filter.ts";
import type { PlanContext, PlanOp } from "./context.ts";

export interface DeviceControlOps {
  /** Before CLONE: DEVICE_FILTER, extra CGROUP_JOIN (v1 devices hierarchy). */
  parent: PlanOp[];
}

const MAX_DEVICE_NUMBER = 0xffffffff;

/**
 * runc's default allow-list (libcontainer/specconv AllowedDevices): mknod of
 * any node, the standard character devices, the console's pty pair. A default
 * with a path gives way to a linux.devices entry at the same path.
 */
const DEFAULT_ALLOWED: { path?: string; type: "c" | "b"; major: number; minor: number; access: number }[] = [
  { type: "c", major: ANY, minor: ANY, access: ACC.MKNOD },
  { type: "b", major: ANY, minor: ANY, access: ACC.MKNOD },
  { path: "/dev/null", type: "c", major: 1, minor: 3, access: ACC_ALL },
  { path: "/dev/random", type: "c", major: 1, minor: 8, access: ACC_ALL },
  { path: "/dev/full", type: "c", major: 1, minor: 7, access: ACC_ALL },
  { path: "/dev/tty", type: "c", major: 5, minor: 0, access: ACC_ALL },
  { path: "/dev/zero", type: "c", major: 1, minor: 5, access: ACC_ALL },
  { path: "/dev/urandom", type: "c", major: 1, minor: 9, access: ACC_ALL },
  { type: "c", major: 136, minor: ANY, access: ACC_ALL }, // /dev/pts/*
  { type: "c", major: 5, minor: 2, access: ACC_ALL }, // /dev/ptmx
];

/** One config rule, or the reasons it cannot be applied (each with the field it is about). */
function configRule(d: LinuxDeviceCgroup, at: string, add: (path: string, message: string) => void): DeviceRule | null {
  const type = (d.type ?? "a") as DeviceRule["type"];
  let ok = true;
  const refuse = (p: string, m: string) => { add(p, m); ok = false; };
  // Type a is "every access" whatever access says (checked below); a c or b
  // rule without access would match nothing, which is surely not meant.
  if (!d.access && type !== "a") refuse(`${at}.access`, `required for type "${type}": give a combination of r, w and m`);
  const number = (v: number | undefined, name: "major" | "minor"): number => {
    if (v === undefined || v === ANY) return ANY;
    if (!Number.isInteger(v) || v < 0 || v > MAX_DEVICE_NUMBER) {
      refuse(`${at}.${name}`, `must be 0 to ${MAX_DEVICE_NUMBER}, or left out (or -1) for every ${name} number (got ${v})`);
    }
    return v;
  };
  const major = number(d.major, "major"), minor = number(d.minor, "minor");
  const access = type === "a" && !d.access ? ACC_ALL : parseAccess(d.access ?? "");
  if (type === "a") {
    // The kernel reads a type-a rule as "every device, every access" whatever
    // else it says: numbers or a partial access would be silently widened.
    if (major !== ANY || minor !== ANY) refuse(at, `type "a" (every device${d.type ? "" : ", as type is unset"}) takes no major or minor number: set type "c" or "b"`);
    if (d.access && access !== ACC_ALL) refuse(`${at}.access`, `type "a" (every device) applies to all access: it must be "rwm" (got ${JSON.stringify(d.access)})`);
  }
  return ok ? { allow: d.allow, type, major, minor, access, field: at } : null;
}

/** The whole rule list of a container, in the order it is applied. Problems go to add (path, message). */
export function containerDeviceRules(spec: Spec, add: (path: string, message: string) => void): DeviceRule[] {
  const rules: DeviceRule[] = [];
  (spec.linux?.resources?.devices ?? []).forEach((d, i) => {
    const r = configRule(d, `linux.resources.devices[${i}]`, add);
    if (r) rules.push(r);
  });
  const configPaths = new Set((spec.linux?.devices ?? []).map((d) => d.path));
  for (const d of DEFAULT_ALLOWED) {
    if (d.path && configPaths.has(d.path)) continue;
    const r = { allow: true, ...d, field: "" };
    r.field = `the default allow-list (${d.path ?? ruleText(r)})`;
    rules.push(r);
  }
  // Read here, not through devices.ts's node list: this also runs in the
  // semantic checks, before that list's own checks have refused anything.
  (spec.linux?.devices ?? []).forEach((d, i) => {
    if (d.type === "p" || d.major === undefined || d.minor === undefined) return; // fifos are not device-controlled
    const at = `linux.devices[${i}]`;
    let ok = true;
    for (const [name, v] of [["major", d.major], ["minor", d.minor]] as const) {
      // The device cgroup matches 32-bit numbers: a larger one would be cut to another device's.
      if (!Number.isInteger(v) || v < 0 || v > MAX_DEVICE_NUMBER) { add(`${at}.${name}`, `must be 0 to ${MAX_DEVICE_NUMBER} (got ${v})`); ok = false; }
    }
    if (ok) rules.push({ allow: true, type: d.type === "b" ? "b" : "c", major: d.major, minor: d.minor, access: ACC_ALL, field: at });
  });
  return rules;
}

function ruleText(r: { type: string; major: number; minor: number }): string {
  const n = (v: number) => (v === ANY ? "*" : String(v));
  return `${r.type} ${n(r.major)}:${n(r.minor)}`;
}

/** Config problems with the device rules, for src/bundle/semantic.ts (so `rt validate` refuses them too). */
export function deviceRuleIssues(spec: Spec): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  const rules = containerDeviceRules(spec, (path, message) => out.push({ path, message }));
  if (out.length) return out;
  try {
    emulate(rules);
  } catch (e) {
    if (!(e instanceof DeviceRuleError)) throw e;
    out.push({ path: e.field, message: e.reason });
  }
  return out;
}

/** The device cgroup state a container gets (the config has passed deviceRuleIssues). */
export function containerDeviceState(spec: Spec): DeviceState {
  const problems: string[] = [];
  const rules = containerDeviceRules(spec, (p, m) => problems.push(`${p}: ${m}`));
  if (problems.length) throw new DeviceRuleError("linux.resources.devices", problems.join("; "));
  return emulate(rules);
}

export function deviceControlOps(ctx: PlanContext): DeviceControlOps {
  const { input, spec } = ctx;
  const field = "linux.resources.devices";
  if (input.devicesV1Dir) {
    // The rules are already in the v1 cgroup (written by src/cgroups/v1-devices.ts).
    return { parent: [{ op: Op.CGROUP_JOIN, field, args: [input.devicesV1Dir, "migrate"] }] };
  }
  // No cgroup (rt validate): nothing to attach to. create refuses a host
  // without any cgroup hierarchy before it plans (src/runtime.ts).
  if (!input.cgroupDir) return { parent: [] };
  // Rootless: no filter (loading one needs CAP_SYS_ADMIN, and a rootless
  // container cannot mknod anyway: see src/runtime.ts).
  if ((input.caller ?? callerIds()).uid !== 0) return { parent: [] };
  const program = deviceFilterProgram(containerDeviceState(spec));
  return { parent: [{ op: Op.DEVICE_FILTER, field, args: [input.cgroupDir, program] }] };
}
