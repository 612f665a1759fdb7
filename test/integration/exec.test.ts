// rt exec into real containers: what the exec'd process has, read from
// inside, compared with what the container's init has (namespace inodes,
// cgroups, capabilities and the seccomp/no_new_privs lines, user, env);
// exit statuses and signals; stopped and paused containers; the
// /proc/<pid>/exe overwrite of CVE-2019-5736 and the fd leak of
// CVE-2024-21626.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Spec } from "../../src/spec/types.ts";
import { Runtime } from "../../src/index.ts";
import { REPO, RT, cleanupRoot, makeBundle, rt, rtDetached, stateOf, stateRoot, testSpec, tmpDir, unifiedMount, uniqueId, waitFor } from "../helpers.ts";

const root = stateRoot();
afterAll(() => cleanupRoot(root));

/** A running container whose init sleeps; returns its id and init pid. */
function startContainer(edit?: (s: Spec) => void): { id: string; pid: number } {
  const id = uniqueId("x");
  const bundle = makeBundle(testSpec(["/bin/probe", "sleep", "1000"], edit));
  const r = rtDetached(root, ["run", "--detach", "--bundle", bundle, id]);
  expect(r.code, r.stderr).toBe(0);
  return { id, pid: stateOf(root, id).pid! };
}

function exec(id: string, args: string[], opts: Parameters<typeof rt>[2] = {}) {
  return rt(root, ["exec", id, ...args], opts);
}

function execOk(id: string, args: string[]): string {
  const r = exec(id, args);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

/** A /proc/<pid>/status's lines that carry the process's confinement. */
function confinement(status: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of status.matchAll(/^(Cap(?:Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp|Seccomp_filters|Uid|Gid|Groups):\t(.*)$/gm)) out[m[1]] = m[2];
  expect(Object.keys(out)).toContain("CapEff");
  return out;
}

const nsOf = (pid: number) => Object.fromEntries(fs.readdirSync(`/proc/${pid}/ns`).map((n) => [n, fs.readlinkSync(`/proc/${pid}/ns/${n}`)]));
const hostCgroups = (pid: number) => fs.readFileSync(`/proc/${pid}/cgroup`, "utf8");

describe("exec: what the process shares with the init", () => {
  let c: { id: string; pid: number };
  let userns: { id: string; pid: number };
  beforeAll(() => {
    c = startContainer();
    // Every namespace type, user and time included (rt made them at create).
    userns = startContainer((s) => {
      s.linux!.namespaces!.push({ type: "user" }, { type: "time" });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
      s.linux!.timeOffsets = { boottime: { secs: 86400 } };
    });
  });

  it("joins every namespace of the init: the same inodes, seen from inside, user and time included", () => {
    for (const x of [c, userns]) {
      const report = JSON.parse(execOk(x.id, ["/bin/probe", "report"]));
      expect(report.ns).toEqual(nsOf(x.pid));
      // and none of rt's own where the container has its own
      const mine = nsOf(process.pid);
      for (const t of ["mnt", "pid", "net", "ipc", "uts", "cgroup"]) expect(report.ns[t]).not.toBe(mine[t]);
    }
    const u = JSON.parse(execOk(userns.id, ["/bin/probe", "report"]));
    expect(u.ns.user).not.toBe(nsOf(process.pid).user);
    expect(u.ns.time).not.toBe(nsOf(process.pid).time);
    // The time namespace's offset applies: /proc/uptime (boot time) is a day ahead of rt's.
    const mono = Number(execOk(userns.id, ["/bin/probe", "cat", "/proc/uptime"]).split(" ")[0]);
    expect(mono).toBeGreaterThan(86400);
  });

  it("is in the init's cgroup in every hierarchy (unified and v1 devices), inside and from the host", async () => {
    // From inside: its own /proc/self/cgroup equals the init's (pid 1 there).
    expect(execOk(c.id, ["/bin/probe", "cat", "/proc/self/cgroup"])).toBe(execOk(c.id, ["/bin/probe", "cat", "/proc/1/cgroup"]));
    // From the host: the same lines as the init's, the container's own cgroup (not rt's).
    const dir = tmpDir();
    const r = rtDetached(root, ["exec", "--detach", "--pid-file", path.join(dir, "pid"), c.id, "/bin/probe", "sleep", "1000"]);
    expect(r.code, r.stderr).toBe(0);
    const pid = Number(fs.readFileSync(path.join(dir, "pid"), "utf8"));
    try {
      const lines = hostCgroups(pid);
      expect(lines).toBe(hostCgroups(c.pid));
      expect(lines).toMatch(new RegExp(`^0::/.*${c.id}$`, "m"));
      expect(lines).toMatch(new RegExp(`^\\d+:devices:/.*${c.id}$`, "m"));
      expect(lines).not.toBe(hostCgroups(process.pid));
    } finally {
      process.kill(pid, "SIGKILL");
    }
  });

  it("has the init's capabilities, no_new_privs, seccomp state, user and groups", () => {
    for (const x of [c, userns]) {
      const mine = confinement(execOk(x.id, ["/bin/probe", "cat", "/proc/self/status"]));
      const init = confinement(execOk(x.id, ["/bin/probe", "cat", "/proc/1/status"]));
      expect(mine).toEqual(init);
    }
    // rt spec's set, not rt's full one.
    const mine = confinement(execOk(c.id, ["/bin/probe", "cat", "/proc/self/status"]));
    expect(mine.CapEff).toBe(confinement(fs.readFileSync(`/proc/${c.pid}/status`, "utf8")).CapEff);
    expect(mine.CapBnd).not.toBe(confinement(fs.readFileSync("/proc/self/status", "utf8")).CapBnd);
  });

  it("has the container's environment, rlimits, umask and cwd by default", () => {
    const report = JSON.parse(execOk(c.id, ["/bin/probe", "report"]));
    const initEnv = fs.readFileSync(`/proc/${c.pid}/environ`, "utf8").split("\0").filter(Boolean);
    expect(report.env).toEqual(initEnv);
    const initLimits = fs.readFileSync(`/proc/${c.pid}/limits`, "utf8");
    expect(initLimits).toMatch(/Max open files\s+1024\s+1024/);
    expect(report.rlimits.RLIMIT_NOFILE).toEqual([1024, 1024]);
    expect(report.cwd).toBe("/");
  });

  it("gets the config's process attributes: execCPUAffinity.final once in the cgroup, ioPriority", () => {
    const x = startContainer((s) => {
      s.process!.execCPUAffinity = { initial: "0", final: "1" };
      s.process!.ioPriority = { class: "IOPRIO_CLASS_IDLE", priority: 0 };
    });
    const status = execOk(x.id, ["/bin/probe", "cat", "/proc/self/status"]);
    expect(status).toMatch(/^Cpus_allowed_list:\t1$/m);
    expect(JSON.parse(execOk(x.id, ["/bin/probe", "report"])).ioprio).toBe((3 << 13) | 0); // IOPRIO_CLASS_IDLE
  });

  it("exiting never stops the container", () => {
    expect(exec(c.id, ["/bin/probe", "exit", "3"]).code).toBe(3);
    expect(stateOf(root, c.id).status).toBe("running");
    expect(fs.existsSync(`/proc/${c.pid}`)).toBe(true);
  });
});

describe("exec: exit status and signals", () => {
  let c: { id: string; pid: number };
  beforeAll(() => { c = startContainer(); });

  it("rt's exit status is the process's", () => {
    expect(exec(c.id, ["/bin/probe", "exit", "0"]).code).toBe(0);
    expect(exec(c.id, ["/bin/probe", "exit", "42"]).code).toBe(42);
    expect(exec(c.id, ["/bin/probe", "exit", "255"]).code).toBe(255);
  });

  it("a program that cannot run is an error naming process.args, and exec exits non-zero", () => {
    const r = exec(c.id, ["/no/such/program"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/process\.args: .*\/no\/such\/program.*No such file/);
  });

  it("killed by a signal: 128+n", async () => {
    const dir = tmpDir();
    const pidFile = path.join(dir, "pid");
    const child = spawn(RT, ["--root", root, "exec", "--pid-file", pidFile, c.id, "/bin/probe", "sleep", "1000"], { stdio: "ignore" });
    const done = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await waitFor(() => fs.existsSync(pidFile), 10_000, "pid file");
    process.kill(Number(fs.readFileSync(pidFile, "utf8")), "SIGKILL");
    expect(await done).toBe(128 + 9);
  });

  it("signals sent to rt are forwarded to the process", async () => {
    const dir = tmpDir();
    const pidFile = path.join(dir, "pid");
    // signal-exit exits 42 on SIGTERM: the signal reached it and was handled there.
    const child = spawn(RT, ["--root", root, "exec", "--pid-file", pidFile, c.id, "/bin/probe", "signal-exit"], { stdio: "ignore" });
    const done = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await waitFor(() => fs.existsSync(pidFile), 10_000, "pid file");
    const pid = Number(fs.readFileSync(pidFile, "utf8"));
    // The handler is installed once the program runs: wait for its SigCgt to show SIGTERM.
    await waitFor(() => (BigInt("0x" + (/^SigCgt:\t([0-9a-f]+)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? "0")) & (1n << 14n)) !== 0n, 10_000, "handler");
    child.kill("SIGTERM");
    expect(await done).toBe(42);
    expect(stateOf(root, c.id).status).toBe("running");
  });
});

describe("exec: the library and created containers", () => {
  it("Runtime.exec runs the process and its exited promise gives the exit status", async () => {
    const c = startContainer();
    const lib = new Runtime({ root });
    const execd = await lib.exec(c.id, { args: ["/bin/probe", "exit", "9"] });
    expect(execd.pid).toBeGreaterThan(0);
    expect(await execd.exited).toBe(9);
    expect(lib.state(c.id).status).toBe("running");
  });

  it("a created (not yet started) container can be exec'd into, as runc allows, and stays created", () => {
    const id = uniqueId("x");
    const r = rtDetached(root, ["create", "--bundle", makeBundle(testSpec(["/bin/probe", "sleep", "1000"])), id]);
    expect(r.code, r.stderr).toBe(0);
    const out = execOk(id, ["/bin/probe", "echo", "in created"]);
    expect(out).toBe("in created\n");
    expect(stateOf(root, id).status).toBe("created");
  });
});

describe("exec: containers it refuses", () => {
  it("a stopped container is a clear error", async () => {
    const id = uniqueId("x");
    const bundle = makeBundle(testSpec(["/bin/probe", "true"]));
    expect(rtDetached(root, ["run", "--detach", "--bundle", bundle, id]).code).toBe(0);
    await waitFor(() => stateOf(root, id).status === "stopped", 10_000, "stopped");
    const r = exec(id, ["/bin/probe", "true"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe(`rt: cannot exec in container "${id}": it is stopped`);
  });

  it("a container that does not exist is a clear error", () => {
    const r = exec("x-none", ["/bin/probe", "true"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`container "x-none" does not exist`);
  });

  it("a container frozen by the v1 freezer (FROZEN) is refused too", async () => {
    const c = startContainer();
    const dir = path.join("/sys/fs/cgroup/freezer", `rt-test-${c.id}`);
    fs.mkdirSync(dir);
    try {
      fs.writeFileSync(path.join(dir, "cgroup.procs"), String(c.pid));
      fs.writeFileSync(path.join(dir, "freezer.state"), "FROZEN");
      await waitFor(() => fs.readFileSync(path.join(dir, "freezer.state"), "utf8").trim() === "FROZEN", 10_000, "FROZEN");
      const r = exec(c.id, ["/bin/probe", "true"]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`cannot exec in container "${c.id}": it is paused`);
      fs.writeFileSync(path.join(dir, "freezer.state"), "THAWED");
      expect(exec(c.id, ["/bin/probe", "true"]).code).toBe(0);
    } finally {
      fs.writeFileSync(path.join(dir, "freezer.state"), "THAWED");
      fs.writeFileSync("/sys/fs/cgroup/freezer/cgroup.procs", String(c.pid));
      fs.rmdirSync(dir);
    }
  });

  it("a paused (frozen) container is refused unless --ignore-paused, which runs the process once it thaws", async () => {
    const c = startContainer();
    const freeze = path.join(fs.readFileSync(`/proc/${c.pid}/cgroup`, "utf8").match(/^0::(.*)$/m)![1]);
    const file = path.join(unifiedMount(), freeze, "cgroup.freeze");
    fs.writeFileSync(file, "1");
    try {
      const r = exec(c.id, ["/bin/probe", "true"]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`cannot exec in container "${c.id}": it is paused (--ignore-paused to exec anyway)`);
      const dir = tmpDir();
      const out = path.join(dir, "out");
      const child = spawn(RT, ["--root", root, "exec", "--ignore-paused", c.id, "/bin/probe", "echo", "thawed"], { stdio: ["ignore", fs.openSync(out, "w"), "inherit"] });
      const done = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      // The process is in the cgroup, frozen with it.
      const procs = path.join(path.dirname(file), "cgroup.procs");
      await waitFor(() => fs.readFileSync(procs, "utf8").trim().split("\n").length === 2, 10_000, "exec'd process in the frozen cgroup");
      expect(fs.readFileSync(out, "utf8")).toBe("");
      fs.writeFileSync(file, "0");
      expect(await done).toBe(0);
      expect(fs.readFileSync(out, "utf8")).toBe("thawed\n");
    } finally {
      fs.writeFileSync(file, "0");
    }
  });
});

describe("exec: what cannot reach the host", () => {
  it("CVE-2019-5736: /proc/<parent>/exe is the sealed rt-exec memfd and cannot be opened for writing, even with CAP_SYS_PTRACE and CAP_DAC_OVERRIDE", () => {
    // Without a pid namespace the exec'd process sees its parent, rt-exec.
    const c = startContainer((s) => { s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== "pid"); });
    const exe = path.join(REPO, "dist/rt-exec");
    const before = createHash("sha256").update(fs.readFileSync(exe)).digest("hex");

    const r = rt(root, ["exec", "--cap", "CAP_SYS_PTRACE", "--cap", "CAP_DAC_OVERRIDE", "--cap", "CAP_FOWNER", c.id, "/bin/probe", "write-parent-exe"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^exe \/memfd:rt-exec \(deleted\)$/m);
    expect(r.stdout).toMatch(/^open ETXTBSY 26$/m);
    expect(createHash("sha256").update(fs.readFileSync(exe)).digest("hex")).toBe(before);
  });

  it("CVE-2016-9962: while it joins, the process cannot be ptraced from the container, even by its root with CAP_SYS_PTRACE", async () => {
    // A user namespace: the container's root has CAP_SYS_PTRACE over the
    // joining process's credentials (they are in that namespace once joined).
    const c = startContainer((s) => {
      s.linux!.namespaces!.push({ type: "user" });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 300000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 300000, size: 65536 }];
      for (const set of ["bounding", "effective", "permitted"] as const) s.process!.capabilities![set]!.push("CAP_SYS_PTRACE");
    });
    // Hold the exec'd process before its execve: it joins a frozen sub-cgroup.
    const hold = path.join(unifiedMount(), fs.readFileSync(`/proc/${c.pid}/cgroup`, "utf8").match(/^0::(.*)$/m)![1], "hold");
    fs.mkdirSync(hold);
    fs.writeFileSync(path.join(hold, "cgroup.freeze"), "1");
    const child = spawn(RT, ["--root", root, "exec", "--cgroup", "unified:hold", c.id, "/bin/probe", "true"], { stdio: "ignore" });
    const done = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await waitFor(() => fs.readFileSync(path.join(hold, "cgroup.procs"), "utf8").trim() !== "", 10_000, "held process");
      const held = Number(fs.readFileSync(path.join(hold, "cgroup.procs"), "utf8").trim());
      expect(fs.readlinkSync(`/proc/${held}/exe`)).toMatch(/^\/memfd:rt-exec/);
      const nsPid = /^NSpid:\t\d+\t(\d+)$/m.exec(fs.readFileSync(`/proc/${held}/status`, "utf8"))![1];
      const r = rt(root, ["exec", c.id, "/bin/probe", "ptrace", nsPid]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe("EPERM 1\n");
      // …while a process of the container that is dumpable can be (the probe reaches what it may).
      expect(rt(root, ["exec", c.id, "/bin/probe", "ptrace", "1"]).stdout).toBe("ok\n");
    } finally {
      fs.writeFileSync(path.join(hold, "cgroup.freeze"), "0");
    }
    expect(await done).toBe(0);
    fs.rmdirSync(hold);
  });

  it("CVE-2024-21626: no fd of rt reaches the process, only stdio and --preserve-fds ones", () => {
    const c = startContainer();
    // rt is started with fds 3 and 4 open (pipes): none may leak.
    const leaky = spawnSync(RT, ["--root", root, "exec", c.id, "/bin/probe", "ls-fds"], { stdio: ["ignore", "pipe", "pipe", "pipe", "pipe"], encoding: "utf8" });
    expect(leaky.status, String(leaky.stderr)).toBe(0);
    expect(JSON.parse(String(leaky.stdout))).toEqual([0, 1, 2]);
    const kept = spawnSync(RT, ["--root", root, "exec", "--preserve-fds", "1", c.id, "/bin/probe", "ls-fds"], { stdio: ["ignore", "pipe", "pipe", "pipe", "pipe"], encoding: "utf8" });
    expect(kept.status, String(kept.stderr)).toBe(0);
    expect(JSON.parse(String(kept.stdout))).toEqual([0, 1, 2, 3]);
  });

  it("the cwd is resolved inside the container's root, whatever rt's own cwd", () => {
    const c = startContainer();
    // rt runs in a host directory the container does not have.
    const hostDir = tmpDir("rt-exec-cwd-");
    const r = rt(root, ["exec", c.id, "/bin/probe", "report"], { cwd: hostDir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).cwd).toBe("/");
    expect(JSON.parse(execOk(c.id, ["--cwd", "/etc", "/bin/probe", "report"])).cwd).toBe("/etc");
    // A path that exists on the host only is not found in the container.
    const bad = exec(c.id, ["--cwd", hostDir, "/bin/probe", "true"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/process\.cwd: .*No such file or directory/);
  });
});
