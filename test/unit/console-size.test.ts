// process.consoleSize in the plan: CONSOLE_SETUP's rows and cols (read back on
// a real terminal in test/integration/coverage.test.ts).
import { describe, expect, it } from "vitest";
import { buildPlan, type PlanInput } from "../../src/linux/plan.ts";
import { Op } from "../../src/process/wire.ts";
import { defaultSpec } from "../../src/linux/default-spec.ts";
import type { Spec } from "../../src/spec/types.ts";

function plan(edit: (s: Spec) => void, consoleSocket?: string) {
  const spec = defaultSpec(["/bin/probe", "report"]);
  edit(spec);
  const input: PlanInput = { spec, bundle: "/b", rootfs: "/b/rootfs", cgroupDir: "", fifoPath: "/f", mode: "detach", preserveFds: 0, listenFds: 0, noPivot: false, consoleSocket };
  return buildPlan(input);
}
const setup = (p: ReturnType<typeof plan>) => p.find((o) => o.op === Op.CONSOLE_SETUP)?.args;

describe("process.consoleSize", () => {
  it("gives CONSOLE_SETUP the owner, then rows and cols", () => {
    expect(setup(plan((s) => { s.process!.terminal = true; s.process!.user.uid = 7; s.process!.consoleSize = { height: 40, width: 120 }; }, "/s"))).toEqual([7, 40, 120]);
    expect(setup(plan((s) => { s.process!.terminal = true; }, "/s"))).toEqual([0]);
  });

  it("is ignored without a terminal, and refused by name beyond 16 bits with one", () => {
    expect(() => plan((s) => { s.process!.consoleSize = { height: 1e6, width: 1 }; })).not.toThrow();
    expect(() => plan((s) => { s.process!.terminal = true; s.process!.consoleSize = { height: 65536, width: 80 }; })).toThrow("process.consoleSize.height: at most 65535");
  });
});
