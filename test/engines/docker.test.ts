// Docker (Debian's docker.io 20.10) drives rt, beside runc in the same run
// (issue 12). The suite starts its own dockerd — with the containerd it
// manages — from a daemon.json of its own: rt registered as a runtime, no
// iptables, no bridge, data-root, exec-root, pidfile and a unix socket under
// a temporary directory, and a cgroup parent of its own; it stops it by its
// pid and removes everything afterwards.
//
// Not here: per-container user namespaces (Docker has only the daemon-wide
// userns-remap), so `--uidmap`/`--userns` are podman's and containerd's rows.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RT, pidAlive, uniqueId } from "../helpers.ts";
import { Daemon, RUNTIMES, expectFrozenThenThawed, v1CgroupFile, need, ok, removeTree, rootfsTarball, sh, statusField, tmpDir, tmuxSession, waitUntil, type Result } from "./engines.ts";

const DOCKERD = need("dockerd");
// Debian's client; /usr/local/bin may hold a newer docker first in PATH.
const DOCKER = need("/usr/bin/docker");
const dir = tmpDir("rt-e12-docker-");
const sock = path.join(dir, "docker.sock");
const IMAGE = "rt-e12:latest";
const CGROUP_PARENT = `/${uniqueId("rt-e12-docker")}`;
const docker = (args: string[]): Result => sh(DOCKER, ["-H", `unix://${sock}`, ...args]);
let daemon: Daemon | undefined;

async function startDaemon(): Promise<void> {
  daemon = new Daemon("dockerd", DOCKERD, ["--config-file", path.join(dir, "daemon.json")], path.join(dir, "dockerd.log"));
  await daemon.ready(() => docker(["version", "--format", "{{.Server.Version}}"]).code === 0);
}

beforeAll(async () => {
  const config = {
    runtimes: { rt: { path: RT }, "runc-ref": { path: RUNTIMES[1][1] } },
    iptables: false, ip6tables: false, bridge: "none",
    "data-root": path.join(dir, "data"), "exec-root": path.join(dir, "exec"), pidfile: path.join(dir, "docker.pid"),
    hosts: [`unix://${sock}`], "cgroup-parent": CGROUP_PARENT, "log-level": "warn", "live-restore": true,
  };
  fs.writeFileSync(path.join(dir, "daemon.json"), JSON.stringify(config, null, 2));
  await startDaemon();
  ok(docker(["import", rootfsTarball(dir), IMAGE]), "docker import");
}, 60_000);

afterAll(async () => {
  if (daemon?.alive()) {
    const ids = docker(["ps", "--all", "--quiet"]).stdout.split("\n").filter(Boolean);
    if (ids.length) docker(["rm", "--force", ...ids]);
    docker(["rmi", "--force", IMAGE]);
  }
  await daemon?.stop();
  removeTree(dir);
  // the cgroup parent dockerd made in each hierarchy (empty once its containers are gone)
  for (const h of fs.readdirSync("/sys/fs/cgroup")) try { fs.rmdirSync(path.join("/sys/fs/cgroup", h, CGROUP_PARENT)); } catch { /* not in this one */ }
}, 60_000);

// Docker's runtime names: "rt" is rt; runc is registered again as "runc-ref" so
// both go through the same daemon.json path, by their binaries' paths.
describe.each(RUNTIMES)("docker --runtime %s", (name) => {
  const runtime = name === "rt" ? "rt" : "runc-ref";
  const isRt = name === "rt";
  const opts = ["--runtime", runtime, "--network", "none"];
  const run = (args: string[], cmd: string[]) => docker(["run", "--rm", ...opts, ...args, IMAGE, ...cmd]);
  const detached = (cmd: string[], args: string[] = []) => ok(docker(["run", "-d", ...opts, ...args, IMAGE, ...cmd]), "docker run -d").trim();

  it("run --rm: -e reaches the process and its exit status is docker's", () => {
    const r = run(["-e", "FOO=bar"], ["/bin/sh", "-c", "echo $FOO; exit 3"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("bar\n");
    expect(r.code).toBe(3);
  });

  it("run -d, logs, stop, start, rm", async () => {
    const id = detached(["/bin/sh", "-c", "echo hello; exec sleep 600"]);
    const logs = () => docker(["logs", id]).stdout;
    await waitUntil(() => logs() === "hello\n", "the first output in docker logs");
    ok(docker(["stop", "--time", "1", id]), "docker stop");
    expect(docker(["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", id]).stdout.trim()).toBe("exited 137");
    ok(docker(["start", id]), "docker start");
    await waitUntil(() => logs() === "hello\nhello\n", "the second run's output");
    expect(docker(["inspect", "--format", "{{.State.Status}}", id]).stdout.trim()).toBe("running");
    ok(docker(["rm", "--force", id]), "docker rm");
    expect(docker(["ps", "--all", "--quiet", "--no-trunc"]).stdout).not.toContain(id);
  });

  it("exec: -e, --env-file, -u, -w, -d and exit codes", async () => {
    const id = detached(["sleep", "600"]);
    const envFile = path.join(dir, `env-${name}`);
    fs.writeFileSync(envFile, "FROM_FILE=2\n");
    const r = docker(["exec", "-e", "A=1", "--env-file", envFile, "-u", "1000:1000", "-w", "/tmp", id, "/bin/sh", "-c", "echo $A $FROM_FILE; id -u; id -g; pwd; exit 5"]);
    expect(r.stdout).toBe("1 2\n1000\n1000\n/tmp\n");
    expect(r.code).toBe(5);
    ok(docker(["exec", "-d", id, "/bin/sh", "-c", "echo detached > /tmp/d"]), "docker exec -d");
    await waitUntil(() => docker(["exec", id, "cat", "/tmp/d"]).stdout === "detached\n", "the detached exec's file");
    expect(docker(["exec", id, "/bin/nothing"]).code).toBe(126);
    docker(["rm", "--force", id]);
  });

  it("top lists the container's processes; kill delivers the signal", () => {
    const id = detached(["sleep", "600"]);
    expect(ok(docker(["top", id, "-o", "pid,args"]), "docker top")).toMatch(/^\s*\d+\s+sleep 600\s*$/m);
    ok(docker(["kill", "--signal", "KILL", id]), "docker kill");
    expect(ok(docker(["wait", id]), "docker wait").trim()).toBe("137");
    docker(["rm", "--force", id]);
  });

  it("run -it: an interactive shell through tmux (send-keys, capture-pane), its exit status", async () => {
    const t = tmuxSession(`${DOCKER} -H unix://${sock} run -it --rm ${opts.join(" ")} -e PS1='in$ ' ${IMAGE} /bin/sh`);
    try {
      await t.until(/^in\$/m, "the container's prompt");
      t.keys("tty; echo $((6*7))", "Enter");
      const s = await t.until(/^42\s*$/m, "the shell's answer");
      expect(s).toMatch(/^\/dev\/pts\/\d+\s*$/m);
      t.keys("exit 7", "Enter");
      await t.until(/EXIT=7/, "docker's exit status");
    } finally { t.kill(); }
  });

  it("run -it, Ctrl-P Ctrl-Q detaches, attach comes back to the same shell", async () => {
    const cname = uniqueId(`e12-${name}`);
    const t = tmuxSession(`${DOCKER} -H unix://${sock} run -it --name ${cname} ${opts.join(" ")} -e PS1='in$ ' ${IMAGE} /bin/sh`);
    const a = { t: undefined as ReturnType<typeof tmuxSession> | undefined };
    try {
      await t.until(/^in\$/m, "the container's prompt");
      t.keys("X=kept", "Enter");
      t.keys("C-p", "C-q");
      await t.until(/EXIT=0/, "docker run to detach"); // the pane may show a cursor report before it
      expect(docker(["inspect", "--format", "{{.State.Status}}", cname]).stdout.trim()).toBe("running");
      a.t = tmuxSession(`${DOCKER} -H unix://${sock} attach ${cname}`);
      await new Promise((r) => setTimeout(r, 300));
      a.t.keys("echo $X $((6*7))", "Enter");
      await a.t.until(/^kept 42\s*$/m, "the same shell's answer");
      a.t.keys("exit 3", "Enter");
      await a.t.until(/EXIT=3/, "attach to end with the shell's status");
    } finally { t.kill(); a.t?.kill(); docker(["rm", "--force", cname]); }
  });

  it("--restart on-failure:2: the container is started again twice, then left exited", async () => {
    const id = detached(["/bin/sh", "-c", "echo run; exit 1"], ["--restart", "on-failure:2"]);
    const state = () => docker(["inspect", "--format", "{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}", id]).stdout.trim();
    await waitUntil(() => state() === "2 exited 1", `two restarts (now: ${state()})`);
    expect(docker(["logs", id]).stdout).toBe("run\nrun\nrun\n");
    docker(["rm", "--force", id]);
  });

  it("healthchecks: a passing check makes the container healthy, a failing one unhealthy (both through exec)", async () => {
    const health = (id: string) => docker(["inspect", "--format", "{{.State.Health.Status}}", id]).stdout.trim();
    const good = detached(["sleep", "600"], ["--health-cmd", "test -e /bin/sh", "--health-interval", "1s", "--health-retries", "1"]);
    const bad = detached(["sleep", "600"], ["--health-cmd", "exit 1", "--health-interval", "1s", "--health-retries", "1"]);
    await waitUntil(() => health(good) === "healthy" && health(bad) === "unhealthy", `the checks (now: ${health(good)}, ${health(bad)})`);
    docker(["rm", "--force", good, bad]);
  });

  // On this hybrid host the shim reads stats from the v1 hierarchies (memory,
  // pids) of the container's pid; both runtimes place the container there.
  it("stats --no-stream: the container's own pids and memory", () => {
    const id = detached(["sleep", "600"]);
    try {
      const out = ok(docker(["stats", "--no-stream", "--format", "{{.PIDs}} {{.MemUsage}}", id]), "docker stats");
      const [pids, mem] = out.split(" ");
      expect(pids).toBe("1");
      expect(mem).toMatch(/^\d+(\.\d+)?KiB$/);
    } finally { docker(["rm", "--force", id]); }
  });

  it("live-restore: dockerd restarted while a container runs; it survives and is still managed", async () => {
    const id = detached(["sleep", "600"]);
    const pid = Number(docker(["inspect", "--format", "{{.State.Pid}}", id]).stdout.trim());
    expect(pidAlive(pid)).toBe(true);
    await daemon!.stop();
    expect(pidAlive(pid)).toBe(true);
    await startDaemon();
    expect(docker(["inspect", "--format", "{{.State.Status}} {{.State.Pid}}", id]).stdout.trim()).toBe(`running ${pid}`);
    expect(ok(docker(["exec", id, "echo", "managed"]), "docker exec after the restart")).toBe("managed\n");
    ok(docker(["stop", "--time", "1", id]), "docker stop after the restart");
    expect(pidAlive(pid)).toBe(false);
    docker(["rm", "--force", id]);
  }, 90_000);

  it("exec -it: an interactive shell in the running container through tmux, its exit status", async () => {
    const id = detached(["sleep", "600"]);
    const t = tmuxSession(`${DOCKER} -H unix://${sock} exec -it -e PS1='ex$ ' ${id} /bin/sh`);
    try {
      await t.until(/^ex\$/m, "the exec'd shell's prompt");
      t.keys("tty; echo $((6*7)) $$", "Enter");
      const s = await t.until(/^42 \d+\s*$/m, "the shell's answer");
      expect(s).toMatch(/^\/dev\/pts\/\d+\s*$/m);
      t.keys("exit 9", "Enter");
      await t.until(/EXIT=9/, "the exec's exit status");
    } finally { t.kill(); docker(["rm", "--force", id]); }
  });

  it("--cap-drop ALL --cap-add NET_RAW: only CAP_NET_RAW (bit 13) is left", () => {
    const s = ok(run(["--cap-drop", "ALL", "--cap-add", "NET_RAW"], ["cat", "/proc/self/status"]), "docker run");
    for (const k of ["CapPrm", "CapEff", "CapBnd"]) expect(statusField(s, k)).toBe("0000000000002000");
  });

  it("Docker's default seccomp profile is in force; seccomp=unconfined has none", () => {
    expect(statusField(ok(run([], ["cat", "/proc/self/status"]), "default"), "Seccomp")).toBe("2");
    expect(statusField(ok(run(["--security-opt", "seccomp=unconfined"], ["cat", "/proc/self/status"]), "unconfined"), "Seccomp")).toBe("0");
  });

  // Docker 20.10 asks for all 38 capabilities it knows; this host's bounding
  // set lacks CAP_SYS_RESOURCE (24), so capset fails, for runc as for rt.
  it("--privileged: not on this host, for either runtime (the bounding set lacks CAP_SYS_RESOURCE)", () => {
    expect(statusField(fs.readFileSync("/proc/self/status", "utf8"), "CapBnd")).toBe("000001fffeffffff");
    const r = run(["--privileged"], ["true"]);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(isRt ? /process\.capabilities: CAPS: capset .*permitted capability 24 is not in the init's permitted set/ : /unable to apply caps: operation not permitted/);
  });

  it("--read-only, -v bind mounts rw and ro, --tmpfs", () => {
    const vol = fs.mkdtempSync(path.join(dir, "vol-"));
    const r = run(["--read-only", "-v", `${vol}:/rw`, "-v", `${vol}:/ro:ro`, "--tmpfs", "/scratch"],
      ["/bin/sh", "-c", "exec 2>&1; touch /x; echo w > /rw/f; echo w > /ro/g; cat /ro/f; echo s > /scratch/s && cat /scratch/s; grep ' /scratch ' /proc/mounts"]);
    expect(r.stdout).toMatch(/^touch: \/x: Read-only file system\n\/bin\/sh: can't create \/ro\/g: Read-only file system\nw\ns\ntmpfs \/scratch tmpfs rw,nosuid,nodev,noexec/);
    expect(fs.readFileSync(path.join(vol, "f"), "utf8")).toBe("w\n");
  });

  it("--device /dev/zero:/dev/myzero", () => {
    expect(ok(run(["--device", "/dev/zero:/dev/myzero"], ["/bin/sh", "-c", "head -c 3 /dev/myzero | od -An -tx1; stat -c %t:%T /dev/myzero"]), "docker run --device")).toBe(" 00 00 00\n1:5\n");
  });

  it("--user 1000:1000", () => {
    expect(ok(run(["--user", "1000:1000"], ["/bin/sh", "-c", "id -u; id -g"]), "docker run --user")).toBe("1000\n1000\n");
  });

  // Limits, read back on the host in the container's v1 cgroups, then felt inside it.
  const pidOf = (id: string) => Number(docker(["inspect", "--format", "{{.State.Pid}}", id]).stdout.trim());
  const limited = (args: string[], check: (pid: number) => void) => {
    const id = detached(["sleep", "600"], args);
    try { check(pidOf(id)); } finally { docker(["rm", "--force", id]); }
  };

  it("-m 64m: memory.limit_in_bytes 64 MiB; 16 MiB can be had, 100 MiB is OOM-killed", () => {
    limited(["-m", "64m"], (pid) => expect(v1CgroupFile(pid, "memory", "memory.limit_in_bytes")).toBe(String(64 << 20)));
    expect(ok(run(["-m", "64m"], ["probe", "alloc", "16"]), "16 MiB under -m 64m")).toBe("allocated\n");
    const r = run(["-m", "64m"], ["probe", "alloc", "100"]);
    expect(r.code, r.stderr).toBe(137);
    expect(r.stdout).toBe("");
  });

  it("--pids-limit 100: pids.max 100; the container's init forks 99 children, no more", () => {
    limited(["--pids-limit", "100"], (pid) => expect(v1CgroupFile(pid, "pids", "pids.max")).toBe("100"));
    expect(ok(run(["--pids-limit", "100"], ["probe", "forks", "150"]), "probe forks")).toBe("99\n");
  });

  it("--cpus 0.5: cpu.cfs_quota_us 50000 per cpu.cfs_period_us 100000", () => {
    limited(["--cpus", "0.5"], (pid) => {
      expect(v1CgroupFile(pid, "cpu", "cpu.cfs_quota_us")).toBe("50000");
      expect(v1CgroupFile(pid, "cpu", "cpu.cfs_period_us")).toBe("100000");
    });
  });

  it("pause/unpause: the container's processes are frozen (freezer FROZEN, a counter stops), then go on", async () => {
    const id = detached(["probe", "count", "/tmp/n"]);
    try {
      const status = () => docker(["inspect", "--format", "{{.State.Status}}", id]).stdout.trim();
      await expectFrozenThenThawed(pidOf(id), "/tmp/n", () => {
        ok(docker(["pause", id]), "docker pause");
        expect(status()).toBe("paused");
      }, () => {
        ok(docker(["unpause", id]), "docker unpause");
        expect(status()).toBe("running");
      });
    } finally { docker(["rm", "--force", id]); }
  });
});
