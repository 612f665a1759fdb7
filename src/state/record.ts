// The shape a state.json must have before rt acts on it: a record that was
// truncated, emptied ({}), nulled, mistyped or copied from another container
// is damaged, never half-trusted (its pid or cgroup could name anything).

/** What create is about to make, written before it makes it (store.ts ANCHOR_FILE). */
export interface Anchor {
  id: string;
  /** The container's unified cgroup, or "" if none. */
  cgroupDir: string;
  /** The dirs that did not exist and that rt was about to create (outermost first). */
  cgroupCreated: string[];
  devicesV1Dir?: string;
  devicesV1Created?: string[];
  /** The other v1 hierarchies' cgroups (hybrid and v1 hosts): cgroups/v1.ts. */
  v1Cgroups?: { hierarchy: string; dir: string; created: string[] }[];
}

const isStrings = (v: unknown): boolean => Array.isArray(v) && v.every((s) => typeof s === "string");

/** Why `value` is not a record of container `id`, or null if it is one. */
export function checkRecord(value: unknown, id: string): string | null {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return "not a JSON object";
  const r = value as Record<string, unknown>;
  if (r.id !== id) return `its id is ${JSON.stringify(r.id)}, not ${JSON.stringify(id)}`;
  const want: [string, string][] = [["ociVersion", "string"], ["pid", "number"], ["pidStartTime", "string"], ["bundle", "string"], ["cgroupDir", "string"]];
  for (const [k, t] of want) if (typeof r[k] !== t) return `${k} is not a ${t}`;
  if (!Number.isInteger(r.pid) || (r.pid as number) < 0) return "pid is not a pid";
  if (!isStrings(r.cgroupCreated)) return "cgroupCreated is not a list of paths";
  if (r.devicesV1Dir !== undefined && typeof r.devicesV1Dir !== "string") return "devicesV1Dir is not a string";
  if (r.devicesV1Created !== undefined && !isStrings(r.devicesV1Created)) return "devicesV1Created is not a list of paths";
  if (r.v1Cgroups !== undefined && !(Array.isArray(r.v1Cgroups) && r.v1Cgroups.every((c) => c && typeof c === "object" && typeof c.hierarchy === "string" && typeof c.dir === "string" && isStrings(c.created)))) return "v1Cgroups is not a list of cgroups";
  if (r.noNewKeyring !== undefined && typeof r.noNewKeyring !== "boolean") return "noNewKeyring is not a boolean";
  if (r.creating !== undefined && typeof r.creating !== "boolean") return "creating is not a boolean";
  if (r.annotations !== undefined && (r.annotations === null || typeof r.annotations !== "object")) return "annotations is not an object";
  const c = r.creator as { pid?: unknown; startTime?: unknown } | undefined;
  if (c !== undefined && (c === null || typeof c !== "object" || typeof c.pid !== "number" || typeof c.startTime !== "string")) return "creator is not a process";
  return null;
}
