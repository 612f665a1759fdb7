// Where each linux.resources field goes (src/cgroups/resources.ts): the v1
// file where a v1 hierarchy holds the controller, the v2 file with the
// documented conversion where only the unified hierarchy offers it, and a
// refusal naming the field and the controller where neither does.
import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { planResources, sharesToWeight } from "../../src/cgroups/resources.ts";

/** A fake unified mount offering these controllers. */
function unified(controllers: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rt-unified-"));
  fs.writeFileSync(path.join(dir, "cgroup.controllers"), controllers);
  return dir;
}
const files = (w: ReturnType<typeof planResources>) => w.map((x) => `${x.hierarchy || "v2"}:${x.file}=${x.value}`);

describe("linux.resources → cgroup files", () => {
  it("pure v2: shares → cpu.weight, quota/period → cpu.max, swap → memory.swap.max (swap minus limit), reservation → memory.low", () => {
    const w = planResources({ memory: { limit: 100, swap: 300, reservation: 50 }, cpu: { shares: 1024, quota: 20000, period: 50000, burst: 1000, idle: 1, cpus: "0-1", mems: "0" }, pids: { limit: 7 } }, [], unified("cpuset cpu memory pids"));
    expect(files(w)).toEqual(["v2:memory.max=100", "v2:memory.swap.max=200", "v2:memory.low=50", "v2:pids.max=7", "v2:cpu.weight=39", "v2:cpu.max=20000 50000", "v2:cpu.max.burst=1000", "v2:cpu.idle=1", "v2:cpuset.cpus=0-1", "v2:cpuset.mems=0"]);
    expect(files(planResources({ cpu: { quota: 20000 } }, [], unified("cpu")))).toEqual(["v2:cpu.max=20000 100000"]);
    expect(files(planResources({ cpu: { period: 50000 } }, [], unified("cpu")))).toEqual(["v2:cpu.max=max 50000"]);
  });

  it("the shares conversion is runc's: 2 → 1, 1024 → 39, 262144 → 10000", () => {
    expect([2, 1024, 262144].map(sharesToWeight)).toEqual([1, 39, 10000]);
  });

  it("v1: each controller's own hierarchy, memory+swap as memsw, the period before the quota", () => {
    const h = [{ name: "cpu", mount: "/c", controllers: ["cpu"] }, { name: "memory", mount: "/m", controllers: ["memory"] }, { name: "pids", mount: "/p", controllers: ["pids"] }];
    const w = planResources({ memory: { limit: 100, swap: 300, swappiness: 0, disableOOMKiller: true }, cpu: { quota: 20000, period: 50000 }, pids: { limit: 0 } }, h, unified(""));
    expect(files(w)).toEqual(["memory:memory.limit_in_bytes=100", "memory:memory.memsw.limit_in_bytes=300", "memory:memory.swappiness=0", "memory:memory.oom_control=1", "cpu:cpu.cfs_period_us=50000", "cpu:cpu.cfs_quota_us=20000"]);
  });

  it("pids.limit 0 asks for nothing (as runc 1.1 reads it, and podman writes it for --pids-limit=-1): no pids.max 0", () => {
    const h = [{ name: "pids", mount: "/p", controllers: ["pids"] }];
    expect(files(planResources({ pids: { limit: 0 } }, h, unified("")))).toEqual([]);
    expect(files(planResources({ pids: { limit: 100 } }, h, unified("")))).toEqual(["pids:pids.max=100"]);
  });

  it("a field whose controller the host lacks is refused naming the field and the controller", () => {
    expect(() => planResources({ pids: { limit: 10 } }, [], unified("cpu memory"))).toThrow("linux.resources.pids.limit: this host has no pids controller");
    expect(() => planResources({ cpu: { cpus: "0" } }, [], unified("cpu"))).toThrow("linux.resources.cpu.cpus: this host has no cpuset controller");
    // Rootless on a hybrid host: the controller exists, in a v1 hierarchy it does not join.
    expect(() => planResources({ pids: { limit: 10 } }, [], unified(""), false, [{ name: "pids", mount: "/p", controllers: ["pids"] }])).toThrow(/^linux\.resources\.pids\.limit: the pids controller is in a v1 hierarchy here, which a rootless container does not join/);
  });

  it("v1-only fields are refused on v2, naming the field", () => {
    expect(() => planResources({ memory: { swappiness: 10 } }, [], unified("memory"))).toThrow(/^linux\.resources\.memory\.swappiness: .*cgroup v2/);
    expect(() => planResources({ memory: { disableOOMKiller: true } }, [], unified("memory"))).toThrow(/^linux\.resources\.memory\.disableOOMKiller: /);
    expect(() => planResources({ cpu: { realtimeRuntime: 10 } }, [], unified("cpu"))).toThrow(/^linux\.resources\.cpu\.realtimeRuntime: /);
    expect(() => planResources({ memory: { swap: 10 } }, [], unified("memory"))).toThrow(/^linux\.resources\.memory\.swap: on cgroup v2 it needs memory\.limit/);
  });

  it("unified keys go verbatim to the unified cgroup; their controller must be the unified hierarchy's", () => {
    expect(files(planResources({ unified: { "pids.max": "7", "cgroup.max.depth": "1" } }, [], unified("pids")))).toEqual(["v2:pids.max=7", "v2:cgroup.max.depth=1"]);
    expect(() => planResources({ unified: { "io.max": "8:0 rbps=1" } }, [], unified("pids"))).toThrow(/^linux\.resources\.unified\.io\.max: the unified hierarchy offers no io controller here/);
    expect(() => planResources({ unified: { "../x": "1" } }, [], unified("pids"))).toThrow(/not a cgroup file name/);
  });

  it("the values engines send for unset ask for nothing", () => {
    expect(planResources({ memory: { limit: -1, swap: 0 }, cpu: { shares: 0, quota: -1, cpus: "" }, pids: { limit: -1 } }, [], unified(""))).toEqual([]);
  });
});

describe("update's and events' arguments", () => {
  it("runc's sizes: k, m, g, t are powers of 1024, with or without b; -1 is none; anything else is refused", async () => {
    const { parseBytes } = await import("../../src/cli/update.ts");
    expect(["512", "32m", "32M", "1g", "1GiB", "2kb", "1.5k", "-1"].map((s) => parseBytes(s, "memory"))).toEqual([512, 32 << 20, 32 << 20, 1 << 30, 1 << 30, 2048, 1536, -1]);
    expect(() => parseBytes("12q", "memory")).toThrow('--memory: not a size: "12q"');
  });

  it("--interval takes Go durations", async () => {
    const { parseInterval } = await import("../../src/cli/events.ts");
    expect(["5s", "200ms", "1m", "1.5s"].map(parseInterval)).toEqual([5000, 200, 60_000, 1500]);
    expect(() => parseInterval("5")).toThrow(/--interval: not a duration/);
  });
});
