// A container's cpu, memory and pids figures in runc's `events` JSON
// (types.Stats), read from the hierarchy that holds each controller: the v1
// cgroups on hybrid and v1 hosts, the unified cgroup on pure v2 ones.
// Kernel counters exceed 2^53, so values are kept as digit strings and
// written into the JSON as numbers (toJson), never rounded by a double.
import { readTextOrNull } from "../sys/files.ts";
import * as path from "../sys/path.ts";

export interface Where {
  unifiedDir: string;
  /** The container's dir in each v1 hierarchy, by hierarchy name ("cpu,cpuacct", "memory", …). */
  v1: Record<string, string>;
}

/** A number as the kernel wrote it (digits). */
type U64 = string & { readonly u64: true };
const U64_MAX = "18446744073709551615" as U64;
const num = (s: string | undefined): U64 => (/^\d+$/.test(s?.trim() ?? "") ? s!.trim() : "0") as U64;
const times = (s: U64, k: number): U64 => (BigInt(s) * BigInt(k)).toString() as U64;

function read(dir: string | undefined, file: string): string | undefined {
  return dir ? readTextOrNull(path.join(dir, file))?.trim() : undefined;
}
/** "key value" lines (cpu.stat, memory.stat, memory.events) as a map. */
function keyed(text: string | undefined): Record<string, U64> {
  const out: Record<string, U64> = {};
  for (const l of (text ?? "").split("\n")) {
    const [k, v] = l.trim().split(/\s+/);
    if (k && v !== undefined) out[k] = num(v);
  }
  return out;
}
const list = (text: string | undefined): U64[] => (text ?? "").split(/\s+/).filter(Boolean).map(num);

function v1Dir(where: Where, controller: string): string | undefined {
  const k = Object.keys(where.v1).find((h) => h.split(",").includes(controller));
  return k ? where.v1[k] : undefined;
}

/** Stats of the controllers the container has; a missing one reads as zeros, as runc's does. */
export function readStats(where: Where): Record<string, unknown> {
  const cpuacct = v1Dir(where, "cpuacct"), cpu = v1Dir(where, "cpu"), mem = v1Dir(where, "memory"), pids = v1Dir(where, "pids");
  const u = where.unifiedDir;
  const out: Record<string, unknown> = {};

  if (cpuacct || cpu) {
    const st = keyed(read(cpu, "cpu.stat"));
    const ticks = keyed(read(cpuacct, "cpuacct.stat")); // USER_HZ (100) ticks
    out.cpu = {
      usage: {
        total: num(read(cpuacct, "cpuacct.usage")),
        percpu: list(read(cpuacct, "cpuacct.usage_percpu")),
        percpu_kernel: list(read(cpuacct, "cpuacct.usage_percpu_sys")),
        percpu_user: list(read(cpuacct, "cpuacct.usage_percpu_user")),
        kernel: times(ticks.system ?? num("0"), 10_000_000),
        user: times(ticks.user ?? num("0"), 10_000_000),
      },
      throttling: { periods: st.nr_periods ?? num("0"), throttledPeriods: st.nr_throttled ?? num("0"), throttledTime: st.throttled_time ?? num("0") },
    };
  } else {
    const st = keyed(read(u, "cpu.stat"));
    out.cpu = {
      usage: { total: times(st.usage_usec ?? num("0"), 1000), kernel: times(st.system_usec ?? num("0"), 1000), user: times(st.user_usec ?? num("0"), 1000) },
      throttling: { periods: st.nr_periods ?? num("0"), throttledPeriods: st.nr_throttled ?? num("0"), throttledTime: times(st.throttled_usec ?? num("0"), 1000) },
    };
  }

  if (mem) {
    const raw = keyed(read(mem, "memory.stat"));
    const entry = (p: string) => ({ limit: num(read(mem, `${p}.limit_in_bytes`)), usage: num(read(mem, `${p}.usage_in_bytes`)), max: num(read(mem, `${p}.max_usage_in_bytes`)), failcnt: num(read(mem, `${p}.failcnt`)) });
    out.memory = { cache: raw.total_cache ?? raw.cache ?? num("0"), usage: entry("memory"), swap: entry("memory.memsw"), raw };
  } else {
    const raw = keyed(read(u, "memory.stat"));
    const events = keyed(read(u, "memory.events"));
    const lim = (f: string): U64 => (read(u, f) === "max" ? U64_MAX : num(read(u, f)));
    out.memory = {
      cache: raw.file ?? num("0"),
      usage: { limit: lim("memory.max"), usage: num(read(u, "memory.current")), max: num(read(u, "memory.peak")), failcnt: events.max ?? num("0") },
      swap: { limit: lim("memory.swap.max"), usage: num(read(u, "memory.swap.current")), failcnt: num("0") },
      raw,
    };
  }

  const pidsDir = pids ?? u;
  const max = read(pidsDir, "pids.max");
  out.pids = { current: num(read(pidsDir, "pids.current")), limit: max === "max" ? num("0") : num(max) };
  return out;
}

/** How many times the kernel's OOM killer has killed in the container's memory cgroup. */
export function oomKills(where: Where): bigint {
  const mem = v1Dir(where, "memory");
  const text = mem ? read(mem, "memory.oom_control") : read(where.unifiedDir, "memory.events");
  return BigInt(keyed(text).oom_kill ?? "0");
}

/** JSON with every U64 written as a number, digit for digit. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "string" && /^\d+$/.test(v) ? `\u0001${v}` : v)).replace(/"\\u0001(\d+)"/g, "$1");
}
