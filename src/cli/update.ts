// rt update <id>: --resources FILE|- (linux.resources as JSON) and runc's
// flags for the fields rt applies; the flags win over the file.
import { print } from "./out.ts";
import type { Globals } from "./main.ts";
import { parseCommand } from "./parse.ts";
import { runtimeFor } from "./runtime-for.ts";
import { host } from "../sys/host.ts";
import { RtError, UsageError, describeSysError } from "../errors.ts";

type Res = Record<string, Record<string, unknown>>;

// flag → [group, member, kind]: bytes take runc's sizes (1024-based k, m, g, t; -1 for none)
const FLAGS: Record<string, [string, string, "bytes" | "int" | "string"]> = {
  memory: ["memory", "limit", "bytes"],
  "memory-reservation": ["memory", "reservation", "bytes"],
  "memory-swap": ["memory", "swap", "bytes"],
  "cpu-share": ["cpu", "shares", "int"],
  "cpu-quota": ["cpu", "quota", "int"],
  "cpu-period": ["cpu", "period", "int"],
  "cpu-burst": ["cpu", "burst", "int"],
  "cpu-rt-runtime": ["cpu", "realtimeRuntime", "int"],
  "cpu-rt-period": ["cpu", "realtimePeriod", "int"],
  "cpu-idle": ["cpu", "idle", "int"],
  "cpuset-cpus": ["cpu", "cpus", "string"],
  "cpuset-mems": ["cpu", "mems", "string"],
  "pids-limit": ["pids", "limit", "int"],
};
// runc's flags for what rt does not update yet: refused by name.
const NOT_YET = ["blkio-weight", "kernel-memory", "kernel-memory-tcp", "l3-cache-schema", "mem-bw-schema"];

/** runc's RAMInBytes: a number with an optional k/m/g/t/p suffix (powers of 1024), or -1. */
export function parseBytes(s: string, flag: string): number {
  if (s === "-1") return -1;
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(s);
  if (!m) throw new UsageError(`--${flag}: not a size: ${JSON.stringify(s)} (a number of bytes, with k, m, g or t)`);
  const exp = m[2] ? "kmgtp".indexOf(m[2].toLowerCase()) + 1 : 0;
  return Math.floor(Number(m[1]) * 1024 ** exp);
}

export async function run(argv: string[], g: Globals): Promise<number> {
  const opts = Object.fromEntries([...Object.keys(FLAGS), ...NOT_YET, "resources"].map((n) => [n, { type: "string" as const, ...(n === "resources" ? { short: "r" } : {}) }]));
  const { values, positionals } = parseCommand("update", argv, opts, { min: 1, max: 1, names: "<container-id>" });
  if (values.help) {
    print(`usage: rt update [--resources FILE|-] [${Object.keys(FLAGS).map((f) => `--${f} V`).join("] [")}] <container-id>\n`);
    return 0;
  }
  for (const n of NOT_YET) if (values[n] !== undefined) throw new RtError(`--${n}: update of it is not implemented yet`);
  let res: Res = {};
  if (values.resources !== undefined) {
    const file = values.resources === "-" ? "/dev/stdin" : values.resources;
    let text: string;
    try { text = host().readFile(file); } catch (e) { throw new RtError(`--resources ${values.resources}: ${describeSysError(e)}`); }
    try { res = JSON.parse(text) as Res; } catch (e) { throw new RtError(`--resources ${values.resources}: invalid JSON: ${(e as Error).message}`); }
    if (!res || typeof res !== "object" || Array.isArray(res)) throw new RtError(`--resources ${values.resources}: not a JSON object (linux.resources)`);
  }
  for (const [flag, [group, member, kind]] of Object.entries(FLAGS)) {
    const v = values[flag] as string | undefined;
    if (v === undefined) continue;
    let x: unknown = v;
    if (kind === "bytes") x = parseBytes(v, flag);
    else if (kind === "int") {
      if (!/^-?\d+$/.test(v)) throw new UsageError(`--${flag}: not an integer: ${JSON.stringify(v)}`);
      x = Number(v);
    }
    res[group] = { ...(res[group] ?? {}), [member]: x };
  }
  await runtimeFor(g).update(positionals[0], res as never);
  return 0;
}
