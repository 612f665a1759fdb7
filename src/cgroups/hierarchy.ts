// Where the unified (v2) hierarchy is, and which cgroup the caller is in.
// A pure v2 host mounts it at /sys/fs/cgroup; a hybrid host (v1 controllers
// plus cgroup2) usually at /sys/fs/cgroup/unified. We take whichever cgroup2
// mount /proc/self/mountinfo shows, preferring those two.
import { host } from "../sys/host.ts";
import * as path from "../sys/path.ts";
import { RtError } from "../errors.ts";

let cachedMount: string | null | undefined;

export function unifiedMount(): string | null {
  if (cachedMount !== undefined) return cachedMount;
  const override = host().env("RT_CGROUP_ROOT");
  if (override) return (cachedMount = override);
  let mounts: string[] = [];
  try {
    for (const line of host().readFile("/proc/self/mountinfo").split("\n")) {
      const sep = line.indexOf(" - ");
      if (sep < 0) continue;
      if (line.slice(sep + 3).split(" ")[0] !== "cgroup2") continue;
      mounts.push(line.split(" ")[4]);
    }
  } catch {
    mounts = [];
  }
  const pick = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"].find((m) => mounts.includes(m)) ?? mounts[0] ?? null;
  return (cachedMount = pick);
}

/** The caller's own cgroup in the unified hierarchy ("0::/path" in /proc/self/cgroup). */
export function ownCgroup(): string {
  const text = host().readFile("/proc/self/cgroup");
  const line = text.split("\n").find((l) => l.startsWith("0::"));
  return line ? line.slice(3) || "/" : "/";
}

/**
 * Resolves linux.cgroupsPath to a directory under the unified mount.
 * Absolute paths are taken from the hierarchy root; relative ones, and the
 * default "rt-<id>", nest under the caller's own cgroup, so rt never places a
 * container outside the subtree its caller was given.
 */
export function resolveCgroupDir(cgroupsPath: string | undefined, id: string, mount: string): string {
  if (cgroupsPath && cgroupsPath.split(/[/:]/).includes("..")) {
    throw new RtError(`linux.cgroupsPath: ${JSON.stringify(cgroupsPath)}: ".." is not allowed`);
  }
  let rel: string;
  if (cgroupsPath && isSystemdStyle(cgroupsPath)) {
    rel = systemdToPath(cgroupsPath);
  } else if (cgroupsPath && cgroupsPath.startsWith("/")) {
    rel = cgroupsPath;
  } else {
    rel = path.join(ownCgroup(), cgroupsPath || `rt-${id}`);
  }
  const dir = path.join(mount, path.normalize(rel)).replace(/\/+$/, "");
  if (dir !== mount && !dir.startsWith(mount + "/")) {
    throw new RtError(`linux.cgroupsPath: ${JSON.stringify(cgroupsPath)} leaves the cgroup hierarchy`);
  }
  if (dir === mount) throw new RtError(`linux.cgroupsPath: ${JSON.stringify(cgroupsPath)} names the root cgroup`);
  return dir;
}

// "slice:prefix:name", as engines pass it for the systemd cgroup driver. Without
// talking to systemd, rt places it where systemd would: <slice path>/<prefix>-<name>.scope.
function isSystemdStyle(p: string): boolean {
  return !p.startsWith("/") && p.split(":").length === 3;
}

function systemdToPath(p: string): string {
  const [slice, prefix, name] = p.split(":");
  const parts: string[] = [];
  if (slice && slice !== "-.slice") {
    const base = slice.replace(/\.slice$/, "");
    const pieces = base.split("-");
    for (let i = 1; i <= pieces.length; i++) parts.push(pieces.slice(0, i).join("-") + ".slice");
  }
  parts.push(prefix ? `${prefix}-${name}.scope` : `${name}.scope`);
  return "/" + parts.join("/");
}
