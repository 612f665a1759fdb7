// The cgroup v1 `devices` hierarchy (hybrid and v1 hosts): the container gets
// a cgroup there at the same relative path as its unified one
// (/sys/fs/cgroup/devices/<rel>), rt writes the rules before the launch, and
// the init joins it (a second CGROUP_JOIN). Nothing else of v1 is used.
import { host } from "../sys/host.ts";
import { childCgroups } from "./children.ts";
import { readTextOrNull } from "../sys/files.ts";
import * as path from "../sys/path.ts";
import { RtError, describeSysError } from "../errors.ts";
import { createCgroup, removeCgroups, removeParents, removedAtOnce } from "./manager.ts";
import { ruleLine, type DeviceState } from "./device-rules.ts";

let cachedMount: string | null | undefined;

/** Where the v1 devices controller is mounted (its hierarchy root), or null on a pure v2 host. */
export function v1DevicesMount(): string | null {
  if (cachedMount !== undefined) return cachedMount;
  cachedMount = null;
  let text = "";
  try { text = host().readFile("/proc/self/mountinfo"); } catch { return cachedMount; }
  for (const line of text.split("\n")) {
    const sep = line.indexOf(" - ");
    if (sep < 0) continue;
    const [fstype, , superOpts = ""] = line.slice(sep + 3).split(" ");
    const fields = line.split(" ");
    // Only a mount of the hierarchy's root: a bind of a sub-cgroup would shift every path.
    if (fstype === "cgroup" && superOpts.split(",").includes("devices") && fields[3] === "/") return (cachedMount = fields[4]);
  }
  return cachedMount;
}

/** The container's v1 devices cgroup: the unified cgroup's path relative to its mount, under the devices mount. */
export function v1DevicesDir(unifiedDir: string, unifiedMount: string, devicesMount: string): string {
  return path.join(devicesMount, path.relative(unifiedMount, unifiedDir));
}

/** mkdir -p; returns the directories it made (outermost first), for the state record. */
export function createV1DevicesCgroup(dir: string, mount: string): string[] {
  return createCgroup(dir, mount);
}

/** What rt writes, in order: the default (which clears the list), then each exception. */
export function v1Writes(state: DeviceState): { file: "devices.allow" | "devices.deny"; line: string }[] {
  const out: { file: "devices.allow" | "devices.deny"; line: string }[] = [
    { file: state.defaultAllow ? "devices.allow" : "devices.deny", line: "a *:* rwm" },
  ];
  for (const e of state.exceptions) out.push({ file: state.defaultAllow ? "devices.deny" : "devices.allow", line: ruleLine(e) });
  return out;
}

/**
 * What devices.list must read back: the allowed exceptions with default-deny.
 * With default-allow the kernel shows only "a *:* rwm" (its deny list is not
 * listed), so only the mode can be checked there.
 */
export function expectedV1List(state: DeviceState): string[] {
  return state.defaultAllow ? ["a *:* rwm"] : state.exceptions.map((e) => ruleLine(e));
}

/** Writes the rules and checks devices.list against them: a rule the kernel did not take is an error, never ignored. */
export function applyV1DeviceRules(dir: string, state: DeviceState): void {
  for (const w of v1Writes(state)) {
    const file = path.join(dir, w.file);
    try {
      host().writeFile(file, w.line, 0o644, "w");
    } catch (e) {
      throw new RtError(`linux.resources.devices: write "${w.line}" to ${file}: ${describeSysError(e)}`);
    }
  }
  const list = (readTextOrNull(path.join(dir, "devices.list")) ?? "").split("\n").filter(Boolean);
  const want = expectedV1List(state);
  const same = list.length === want.length && want.every((l) => list.includes(l));
  if (!same) {
    throw new RtError(`linux.resources.devices: ${path.join(dir, "devices.list")} reads ${JSON.stringify(list)} after writing the rules, not ${JSON.stringify(want)}`);
  }
}

/** Removes what a container may have nested in its v1 cgroup, then the directories rt made (deepest first). */
export function destroyV1DevicesCgroup(dir: string, created: string[]): void {
  const nested: string[] = [];
  const walk = (d: string) => {
    for (const sub of childCgroups(d)) { nested.push(sub); walk(sub); }
  };
  if (!created.includes(dir)) return removeParents(created);
  if (!removedAtOnce(dir)) walk(dir);
  removeCgroups(nested);
  removeCgroups(created.slice(created.indexOf(dir)));
  removeParents(created.slice(0, created.indexOf(dir)));
}
