// rt ps <id> [--format table|json] [-- ps-args…]: as runc. json: the pids of
// the container's cgroup. table: the host's `ps` (with ps-args, default -ef),
// its header and the lines whose PID column is one of the container's.
import { print } from "./out.ts";
import type { Globals } from "./main.ts";
import { parseCommand } from "./parse.ts";
import { runtimeFor } from "./runtime-for.ts";
import { RtError, UsageError, describeSysError } from "../errors.ts";
import { host } from "../sys/host.ts";
import * as path from "../sys/path.ts";

export function run(argv: string[], g: Globals): number {
  const dash = argv.indexOf("--");
  const own = dash >= 0 ? argv.slice(0, dash) : argv;
  const psArgs = dash >= 0 ? argv.slice(dash + 1) : [];
  const { values, positionals } = parseCommand("ps", own, { format: { type: "string", short: "f" } }, { min: 1, max: 1, names: "<container-id> [-- <ps-args>…]" });
  if (values.help) { print("usage: rt ps [--format table|json] <container-id> [-- <ps-args>…]\n"); return 0; }
  const format = values.format ?? "table";
  if (format !== "table" && format !== "json") throw new UsageError(`ps: --format must be table or json, not ${JSON.stringify(format)}`);
  // runc ignores ps-args with json; rt says so rather than drop them.
  if (format === "json" && psArgs.length) throw new UsageError("ps: ps-args are for --format table (json lists the pids only)");
  const pids = runtimeFor(g).processes(positionals[0]);
  if (format === "json") {
    print(JSON.stringify(pids) + "\n");
    return 0;
  }
  print(filterPs(runPs(psArgs.length ? psArgs : ["-ef"]), pids));
  return 0;
}

function runPs(args: string[]): string {
  const ps = findInPath("ps");
  let r: { status: number; output: string };
  try {
    r = host().captureOutput(ps, ["ps", ...args]);
  } catch (e) {
    throw new RtError(`ps: running ${ps}: ${describeSysError(e)}`);
  }
  if (r.status !== 0) throw new RtError(`ps: ${ps} ${args.join(" ")} exited with status ${r.status}: ${r.output.trim().split("\n")[0] ?? ""}`);
  return r.output;
}

/** The header, then each line whose PID column (found in the header) is one of pids. */
export function filterPs(output: string, pids: number[]): string {
  const [header = "", ...lines] = output.split("\n");
  const col = header.trim().split(/\s+/).indexOf("PID");
  if (col < 0) throw new RtError(`ps: no PID column in ps's header ${JSON.stringify(header)} (add -o pid,… to the ps-args)`);
  const wanted = new Set(pids);
  const kept = lines.filter((l) => l.trim() && wanted.has(Number(l.trim().split(/\s+/)[col])));
  return [header, ...kept].map((l) => l + "\n").join("");
}

function findInPath(name: string): string {
  for (const dir of (host().env("PATH") || "/usr/local/bin:/usr/bin:/bin").split(":")) {
    const p = path.join(dir || ".", name);
    try { if (!host().stat(p).isDirectory) return p; } catch { /* not here */ }
  }
  throw new RtError(`ps: no "${name}" in PATH: the table needs the host's ps (--format json does not)`);
}
