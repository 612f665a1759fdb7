// Issue 11 on this hybrid host: the container joins every mounted v1
// hierarchy at its unified cgroup's path, each limit is enforced by the v1
// controller that holds it (shown by what the limited program meets, not only
// by the file written), pause/resume freezes and thaws it, and delete leaves
// no directory rt made in any hierarchy.
import { afterAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { RT, cleanupRoot, makeBundle, rt, rtDetached, stateOf, stateRoot, testSpec, tmpDir, uniqueId, unifiedMount, waitFor } from "../helpers.ts";
import type { Spec } from "../../src/spec/types.ts";

const root = stateRoot();
afterAll(() => cleanupRoot(root));

/** Root mounts of the v1 hierarchies here, but devices (by their controllers or name=), as /proc/self/mountinfo lists them. */
function v1Mounts(): { name: string; mount: string }[] {
  const out: { name: string; mount: string }[] = [];
  for (const line of fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const sep = line.indexOf(" - ");
    if (sep < 0) continue;
    const [fstype, , opts = ""] = line.slice(sep + 3).split(" ");
    const f = line.split(" ");
    if (fstype !== "cgroup" || f[3] !== "/") continue;
    const names = opts.split(",").filter((o) => o !== "rw" && o !== "ro" && !o.startsWith("release_agent") && o !== "clone_children" && o !== "noprefix" && o !== "xattr");
    out.push({ name: names.join(","), mount: f[4] });
  }
  return out;
}

function withResources(args: string[], resources: NonNullable<NonNullable<Spec["linux"]>["resources"]>, edit?: (s: Spec) => void): string {
  return makeBundle(testSpec(args, (s) => { s.linux!.resources = { ...s.linux!.resources, ...resources }; edit?.(s); }));
}

function v1DirOf(controller: string, id: string): string {
  const m = v1Mounts().find((h) => h.name.split(",").includes(controller));
  if (!m) throw new Error(`this host mounts no v1 ${controller} hierarchy`);
  return path.join(m.mount, `rt-${id}`);
}

describe("cgroup v1 hierarchies (hybrid host)", () => {
  it("the init is in every mounted v1 hierarchy at its unified path; delete removes each dir rt made, nested ones too", () => {
    const id = uniqueId("cg");
    const bundle = makeBundle(testSpec(["/bin/probe", "sleep", "100"]));
    expect(rtDetached(root, ["run", "-d", "--bundle", bundle, id]).code).toBe(0);
    const pid = stateOf(root, id).pid!;
    const lines = fs.readFileSync(`/proc/${pid}/cgroup`, "utf8").trim().split("\n");
    const mounts = v1Mounts();
    expect(mounts.length).toBeGreaterThan(1);
    for (const m of mounts) {
      const line = lines.find((l) => l.split(":")[1] === m.name);
      expect(line, `${m.name} in ${lines.join(" ")}`).toBeDefined();
      expect(line!.split(":")[2], m.name).toBe(`/rt-${id}`);
    }
    // v1 cpuset: the new dir got its parent's cpus and mems, without which it takes no process.
    const cpuset = v1DirOf("cpuset", id);
    expect(fs.readFileSync(path.join(cpuset, "cpuset.cpus"), "utf8").trim()).toBe(fs.readFileSync(path.join(path.dirname(cpuset), "cpuset.cpus"), "utf8").trim());
    // A cgroup the container made inside its memory cgroup goes too.
    fs.mkdirSync(path.join(v1DirOf("memory", id), "nested"));
    expect(rt(root, ["delete", "--force", id]).code).toBe(0);
    for (const m of mounts) expect(fs.existsSync(path.join(m.mount, `rt-${id}`)), m.name).toBe(false);
  });

  it("pids.limit: a fork loop stops at the limit", () => {
    const id = uniqueId("pids");
    const r = rt(root, ["run", "--bundle", withResources(["/bin/probe", "forks", "40"], { pids: { limit: 10 } }), id]);
    expect(r.code, r.stderr).toBe(0);
    // The probe itself is one of the ten.
    expect(r.stdout.trim()).toBe("9");
  });

  it("memory.limit (with memory.swap equal, so no swap): an allocation over it is OOM-killed, one under it is not", () => {
    const mib = 1 << 20;
    const over = rt(root, ["run", "--bundle", withResources(["/bin/probe", "alloc", "100"], { memory: { limit: 32 * mib, swap: 32 * mib } }), uniqueId("oom")]);
    expect(over.code, over.stderr).toBe(128 + 9);
    expect(over.stdout).not.toContain("allocated");
    const under = rt(root, ["run", "--bundle", withResources(["/bin/probe", "alloc", "16"], { memory: { limit: 32 * mib, swap: 32 * mib } }), uniqueId("oom")]);
    expect(under.code, under.stderr).toBe(0);
    expect(under.stdout).toContain("allocated");
  });

  it("cpu.quota/period: a busy loop at 10% of a CPU is throttled, as cpu.stat shows; shares, reservation and swappiness read back", async () => {
    const id = uniqueId("cpu");
    const bundle = withResources(["/bin/probe", "spin", "400"], { cpu: { quota: 10000, period: 100000, shares: 256 }, memory: { reservation: 1 << 24, swappiness: 10 } });
    expect(rtDetached(root, ["create", "--bundle", bundle, id]).code).toBe(0);
    const cpu = v1DirOf("cpu", id);
    const mem = v1DirOf("memory", id);
    try {
      expect(fs.readFileSync(path.join(cpu, "cpu.cfs_quota_us"), "utf8").trim()).toBe("10000");
      expect(fs.readFileSync(path.join(cpu, "cpu.shares"), "utf8").trim()).toBe("256");
      expect(fs.readFileSync(path.join(mem, "memory.soft_limit_in_bytes"), "utf8").trim()).toBe(String(1 << 24));
      expect(fs.readFileSync(path.join(mem, "memory.swappiness"), "utf8").trim()).toBe("10");
      expect(rt(root, ["start", id]).code).toBe(0);
      await waitFor(() => stateOf(root, id).status === "stopped", 15_000, "the spin to end");
      const stat = Object.fromEntries(fs.readFileSync(path.join(cpu, "cpu.stat"), "utf8").trim().split("\n").map((l) => l.split(" ")));
      expect(Number(stat.nr_throttled)).toBeGreaterThan(0);
      expect(Number(stat.throttled_time)).toBeGreaterThan(0);
    } finally {
      rt(root, ["delete", "--force", id]);
    }
  });

  it("memory.disableOOMKiller: an allocation over the limit waits under OOM instead of being killed; cpu burst, idle and realtime read back", async () => {
    const id = uniqueId("nooom");
    const bundle = withResources(["/bin/probe", "alloc", "100"], {
      memory: { limit: 32 << 20, swap: 32 << 20, disableOOMKiller: true },
      cpu: { quota: 50000, period: 100000, burst: 20000, idle: 1, realtimePeriod: 100000, realtimeRuntime: 10000 },
    });
    const c = rtDetached(root, ["create", "--bundle", bundle, id]);
    expect(c.code, c.stderr).toBe(0);
    const cpu = v1DirOf("cpu", id);
    const oom = path.join(v1DirOf("memory", id), "memory.oom_control");
    const read = (d: string, f: string) => fs.readFileSync(path.join(d, f), "utf8").trim();
    try {
      expect(read(cpu, "cpu.cfs_burst_us")).toBe("20000");
      expect(read(cpu, "cpu.idle")).toBe("1");
      expect(read(cpu, "cpu.rt_period_us")).toBe("100000");
      expect(read(cpu, "cpu.rt_runtime_us")).toBe("10000");
      expect(fs.readFileSync(oom, "utf8")).toMatch(/^oom_kill_disable 1$/m);
      expect(rt(root, ["start", id]).code).toBe(0);
      await waitFor(() => /^under_oom 1$/m.test(fs.readFileSync(oom, "utf8")), 10_000, "under_oom 1");
      expect(stateOf(root, id).status).toBe("running");
      expect(fs.readFileSync(oom, "utf8")).toMatch(/^oom_kill 0$/m);
    } finally {
      expect(rt(root, ["delete", "--force", id]).code).toBe(0);
    }
  });

  it("cpu.cpus pins the container to CPU 0 (cpuset), as its affinity shows", () => {
    const r = rt(root, ["run", "--bundle", withResources(["/bin/probe", "cat", "/proc/self/status"], { cpu: { cpus: "0", mems: "0" } }), uniqueId("cpuset")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Cpus_allowed_list:\s+0$/m);
  });

  it("unified: a key is written verbatim into the unified cgroup and holds (cgroup.max.descendants stops a third child); a key of a v1-held controller is refused naming it", () => {
    const id = uniqueId("uni");
    expect(rtDetached(root, ["run", "-d", "--bundle", withResources(["/bin/probe", "sleep", "100"], { unified: { "cgroup.max.descendants": "2" } }), id]).code).toBe(0);
    const dir = path.join(unifiedMount(), `rt-${id}`);
    try {
      expect(fs.readFileSync(path.join(dir, "cgroup.max.descendants"), "utf8").trim()).toBe("2");
      fs.mkdirSync(path.join(dir, "a"));
      fs.mkdirSync(path.join(dir, "b"));
      expect(() => fs.mkdirSync(path.join(dir, "c"))).toThrow(/EAGAIN/);
    } finally {
      rt(root, ["delete", "--force", id]);
    }
    expect(fs.existsSync(dir)).toBe(false);
    const v1 = rtDetached(root, ["create", "--bundle", withResources(["/bin/probe", "true"], { unified: { "memory.high": "max" } }), uniqueId("uni")]);
    expect(v1.code).toBe(1);
    expect(v1.stderr).toMatch(/linux\.resources\.unified\.memory\.high: the memory controller is in the v1 hierarchy \/sys\/fs\/cgroup\/memory here/);
    const none = rtDetached(root, ["create", "--bundle", withResources(["/bin/probe", "true"], { unified: { "cgroup.nosuch": "1" } }), uniqueId("uni")]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/linux\.resources\.unified\.cgroup\.nosuch: .*cgroup\.nosuch does not exist/);
  });

  it("a field the kernel refuses is an error naming it and the file, and leaves nothing", () => {
    const id = uniqueId("bad");
    const r = rtDetached(root, ["create", "--bundle", withResources(["/bin/probe", "true"], { memory: { limit: 64 << 20, swap: 32 << 20 } }), id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/linux\.resources\.memory\.swap: write 33554432 to .*memory\.memsw\.limit_in_bytes: /);
    for (const m of v1Mounts()) expect(fs.existsSync(path.join(m.mount, `rt-${id}`)), m.name).toBe(false);
    expect(fs.existsSync(path.join(root, id))).toBe(false);
  });
});

describe("pause and resume", () => {
  it("pause stops a counter and state and list say paused; resume continues it; delete --force ends a paused container", async () => {
    const dir = tmpDir();
    const id = uniqueId("pause");
    const bundle = makeBundle(testSpec(["/bin/probe", "count", "/out/n"], (s) => { s.mounts!.push({ destination: "/out", type: "bind", source: dir, options: ["rbind"] }); }));
    expect(rtDetached(root, ["run", "-d", "--bundle", bundle, id]).code).toBe(0);
    const n = () => Number(fs.readFileSync(path.join(dir, "n"), "utf8"));
    await waitFor(() => fs.existsSync(path.join(dir, "n")) && n() > 2, 10_000, "the counter");
    const p = rt(root, ["pause", id]);
    expect(p.code, p.stderr).toBe(0);
    expect(stateOf(root, id).status).toBe("paused");
    expect(JSON.parse(rt(root, ["list", "--format", "json"]).stdout).find((c: { id: string }) => c.id === id).status).toBe("paused");
    const frozenAt = n();
    await new Promise((r) => setTimeout(r, 300));
    expect(n()).toBe(frozenAt);
    expect(rt(root, ["pause", id]).stderr).toContain(`cannot pause container "${id}": it is paused, not running`);
    const r = rt(root, ["resume", id]);
    expect(r.code, r.stderr).toBe(0);
    expect(stateOf(root, id).status).toBe("running");
    await waitFor(() => n() > frozenAt + 3, 10_000, "the counter to go on");
    expect(rt(root, ["resume", id]).stderr).toContain(`cannot resume container "${id}": it is running, not paused`);
    expect(rt(root, ["pause", id]).code).toBe(0);
    const d = rt(root, ["delete", "--force", id]);
    expect(d.code, d.stderr).toBe(0);
    expect(fs.existsSync(path.join(root, id))).toBe(false);
    for (const m of v1Mounts()) expect(fs.existsSync(path.join(m.mount, `rt-${id}`)), m.name).toBe(false);
  });
});

/** rt with `input` on a pipe, as a shell or an engine gives it (Node's spawnSync input is a socket, which /dev/stdin cannot open). */
function piped(input: string, args: string[]): { code: number; stderr: string } {
  const r = spawnSync("bash", ["-c", 'printf %s "$1" | "$0" --root "$2" "${@:3}"', RT, input, root, ...args], { encoding: "utf8", timeout: 20_000 });
  return { code: r.status ?? -1, stderr: r.stderr };
}

describe("update", () => {
  it("update --pids-limit on a running container: the new limit holds for a fork loop exec'd into it, and the state keeps it", () => {
    const id = uniqueId("upd");
    expect(rtDetached(root, ["run", "-d", "--bundle", makeBundle(testSpec(["/bin/probe", "sleep", "100"])), id]).code).toBe(0);
    try {
      const u = rt(root, ["update", "--pids-limit", "5", id]);
      expect(u.code, u.stderr).toBe(0);
      expect(fs.readFileSync(path.join(v1DirOf("pids", id), "pids.max"), "utf8").trim()).toBe("5");
      // The init and the exec'd probe are two of the five.
      const r = rt(root, ["exec", id, "/bin/probe", "forks", "20"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe("3");
      expect(JSON.parse(fs.readFileSync(path.join(root, id, "state.json"), "utf8")).resources).toEqual({ pids: { limit: 5 } });
      expect(rt(root, ["update", "--pids-limit", "-1", id]).code).toBe(0);
      expect(fs.readFileSync(path.join(v1DirOf("pids", id), "pids.max"), "utf8").trim()).toBe("max");
    } finally {
      rt(root, ["delete", "--force", id]);
    }
  });

  it("update --memory/--memory-swap (runc's sizes) makes an allocation that fitted OOM-killed; --resources - takes linux.resources JSON", () => {
    const id = uniqueId("upd");
    expect(rtDetached(root, ["run", "-d", "--bundle", makeBundle(testSpec(["/bin/probe", "sleep", "100"])), id]).code).toBe(0);
    try {
      expect(rt(root, ["exec", id, "/bin/probe", "alloc", "64"]).stdout).toContain("allocated");
      const u = rt(root, ["update", "--memory", "32m", "--memory-swap", "32M", id]);
      expect(u.code, u.stderr).toBe(0);
      expect(fs.readFileSync(path.join(v1DirOf("memory", id), "memory.limit_in_bytes"), "utf8").trim()).toBe(String(32 << 20));
      expect(rt(root, ["exec", id, "/bin/probe", "alloc", "64"]).code).toBe(128 + 9);
      // Raising both: memory+swap goes first, or v1 refuses the memory limit.
      expect(rt(root, ["update", "--memory", "128m", "--memory-swap", "128m", id]).code).toBe(0);
      expect(rt(root, ["exec", id, "/bin/probe", "alloc", "64"]).stdout).toContain("allocated");
      const j = piped(JSON.stringify({ cpu: { quota: 20000, period: 100000 } }), ["update", "--resources", "-", id]);
      expect(j.code, j.stderr).toBe(0);
      expect(fs.readFileSync(path.join(v1DirOf("cpu", id), "cpu.cfs_quota_us"), "utf8").trim()).toBe("20000");
      expect(JSON.parse(fs.readFileSync(path.join(root, id, "state.json"), "utf8")).resources).toEqual({ memory: { limit: 128 << 20, swap: 128 << 20 }, cpu: { quota: 20000, period: 100000 } });
    } finally {
      rt(root, ["delete", "--force", id]);
    }
  });

  it("update refuses what it cannot apply by name, a limit below the usage with checkBeforeUpdate, and a stopped container", () => {
    const id = uniqueId("upd");
    expect(rtDetached(root, ["run", "-d", "--bundle", makeBundle(testSpec(["/bin/probe", "sleep", "100"])), id]).code).toBe(0);
    try {
      expect(rt(root, ["update", "--blkio-weight", "100", id]).stderr).toContain("--blkio-weight: update of it is not implemented yet");
      expect(rt(root, ["update", "--memory", "12q", id]).stderr).toContain('--memory: not a size: "12q"');
      const low = piped(JSON.stringify({ memory: { limit: 4096, checkBeforeUpdate: true } }), ["update", "--resources", "-", id]);
      expect(low.code).toBe(1);
      expect(low.stderr).toMatch(/linux\.resources\.memory\.limit: 4096 is below the container's current usage \d+/);
      expect(fs.readFileSync(path.join(v1DirOf("memory", id), "memory.limit_in_bytes"), "utf8").trim()).not.toBe("4096");
    } finally {
      rt(root, ["delete", "--force", id]);
    }
    expect(rt(root, ["update", "--pids-limit", "5", id]).stderr).toContain(`container "${id}" does not exist`);
  });
});

describe("events", () => {
  it("events --stats: runc's JSON with the container's own cpu (throttling included), memory and pids figures", async () => {
    const id = uniqueId("ev");
    const bundle = withResources(["/bin/probe", "sleep", "100"], { cpu: { quota: 10000, period: 100000 }, memory: { limit: 64 << 20 }, pids: { limit: 20 } });
    expect(rtDetached(root, ["run", "-d", "--bundle", bundle, id]).code).toBe(0);
    try {
      expect(rt(root, ["exec", id, "/bin/probe", "spin", "300"]).code).toBe(0);
      const r = rt(root, ["events", "--stats", id]);
      expect(r.code, r.stderr).toBe(0);
      const e = JSON.parse(r.stdout);
      expect([e.type, e.id]).toEqual(["stats", id]);
      expect(e.data.cpu.throttling.throttledPeriods).toBeGreaterThan(0);
      expect(e.data.cpu.usage.total).toBeGreaterThan(0);
      expect(e.data.memory.usage.limit).toBe(64 << 20);
      expect(e.data.memory.usage.usage).toBeGreaterThan(0);
      expect(e.data.pids).toEqual({ current: expect.any(Number), limit: 20 });
      expect(e.data.pids.current).toBeGreaterThanOrEqual(1);
      // The container's own figure, not the host's: the host's cpuacct.usage is far larger.
      expect(e.data.cpu.usage.total).toBeLessThan(Number(fs.readFileSync(path.join(path.dirname(v1DirOf("cpuacct", id)), "cpuacct.usage"), "utf8")));
    } finally {
      rt(root, ["delete", "--force", id]);
    }
  });

  it("events: a stats line every interval, and an oom event when the OOM killer kills in the container", async () => {
    const id = uniqueId("ev");
    const bundle = withResources(["/bin/probe", "sleep", "100"], { memory: { limit: 32 << 20, swap: 32 << 20 } });
    expect(rtDetached(root, ["run", "-d", "--bundle", bundle, id]).code).toBe(0);
    const { spawn } = await import("node:child_process");
    const ev = spawn(RT, ["--root", root, "events", "--interval", "200ms", id], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    ev.stdout.on("data", (d) => { out += d; });
    try {
      await waitFor(() => out.split("\n").filter((l) => l.includes('"type":"stats"')).length >= 2, 10_000, "two stats lines");
      expect(out).not.toContain('"type":"oom"');
      expect(rt(root, ["exec", id, "/bin/probe", "alloc", "100"]).code).toBe(128 + 9);
      await waitFor(() => out.includes(`{"type":"oom","id":"${id}"}`), 10_000, "the oom event");
      expect(rt(root, ["kill", id, "KILL"]).code).toBe(0);
      // The stream ends with the container.
      await new Promise<void>((resolve) => { if (ev.exitCode !== null) resolve(); else ev.on("exit", () => resolve()); });
      expect(ev.exitCode).toBe(0);
    } finally {
      if (ev.exitCode === null) ev.kill("SIGKILL");
      rt(root, ["delete", "--force", id]);
    }
  });
});
