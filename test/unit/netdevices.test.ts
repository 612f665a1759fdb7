// linux.netDevices → NETDEV ops (src/linux/netdevices.ts, placed by plan.ts).
import { describe, expect, it } from "vitest";
import { buildPlan, type PlanInput } from "../../src/linux/plan.ts";
import { Op, describePlan } from "../../src/process/wire.ts";
import { defaultSpec } from "../../src/linux/default-spec.ts";
import type { Spec } from "../../src/spec/types.ts";

function plan(edit?: (s: Spec) => void) {
  const spec = defaultSpec(["/bin/probe", "report"]);
  edit?.(spec);
  const input: PlanInput = { spec, bundle: "/b", rootfs: "/b/rootfs", cgroupDir: "/sys/fs/cgroup/rt-x", fifoPath: "/run/rt/x/exec.fifo", mode: "detach", preserveFds: 0, listenFds: 0, noPivot: false };
  return buildPlan(input);
}

describe("linux.netDevices plan", () => {
  it("one NETDEV per entry, host name and container name (the key when name is absent), named by its field", () => {
    const p = plan((s) => { s.linux!.netDevices = { x0: { name: "ctr0" }, eth1: {}, ens4: { name: "in%d" } }; });
    expect(p.filter((o) => o.op === Op.NETDEV).map((o) => ({ field: o.field, args: o.args }))).toEqual([
      { field: 'linux.netDevices["x0"]', args: ["x0", "ctr0"] },
      { field: 'linux.netDevices["eth1"]', args: ["eth1", "eth1"] },
      { field: 'linux.netDevices["ens4"]', args: ["ens4", "in%d"] },
    ]);
  });

  it("goes before every NS_JOIN (the executor looks devices up in rt's own network namespace) and before CLONE", () => {
    const p = plan((s) => {
      s.linux!.netDevices = { x0: {} };
      s.linux!.namespaces = [{ type: "mount" }, { type: "pid" }, { type: "network", path: "/run/netns/n1" }, { type: "user", path: "/proc/1/ns/user" }];
    });
    const o = p.map((x) => x.op);
    const netdev = o.indexOf(Op.NETDEV);
    expect(netdev).toBeGreaterThan(0);
    expect(netdev).toBeLessThan(o.indexOf(Op.NS_JOIN));
    expect(netdev).toBeLessThan(o.indexOf(Op.CLONE));
    expect(describePlan(p)).toMatch(/\d+ NETDEV "x0" "x0"  # linux.netDevices\["x0"\]/);
  });

  it("no netDevices, no NETDEV", () => {
    expect(plan().some((o) => o.op === Op.NETDEV)).toBe(false);
    expect(plan((s) => { s.linux!.netDevices = {}; }).some((o) => o.op === Op.NETDEV)).toBe(false);
  });
});
