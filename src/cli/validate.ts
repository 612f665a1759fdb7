import { print } from "./out.ts";
import { host } from "../sys/host.ts";
import type { Globals } from "./main.ts";
import { parseCommand } from "./parse.ts";
import { loadBundle } from "../bundle/load.ts";
import { buildPlan } from "../linux/plan.ts";
import { assertPlanFits } from "../process/plan-limits.ts";

// The same checks as create, creating nothing: the bundle, then the plan
// (which refuses what the schema allows but rt cannot carry out).
export function run(argv: string[], g: Globals): number {
  const { values } = parseCommand("validate", argv, { bundle: { type: "string", short: "b" } }, { min: 0, max: 0, names: "" });
  if (values.help) { print("usage: rt validate [--bundle <dir>]\n"); return 0; }
  const b = loadBundle(values.bundle ?? host().cwd());
  for (const w of b.warnings) g.logger.warn(w);
  const plan = buildPlan({ spec: b.spec, bundle: b.dir, rootfs: b.rootfs, cgroupDir: "", fifoPath: "", hookFifoPath: "", mode: "detach", preserveFds: 0, listenFds: 0, noPivot: false, warn: (m) => g.logger.warn(m) });
  assertPlanFits(plan);
  print(`${b.dir}/config.json: valid\n`);
  return 0;
}
