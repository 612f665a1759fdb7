// podman 4.3 (Debian 12) drives rt, beside runc in the same run (issue 12).
// podman has no daemon: each call gets `--runtime <rt|runc>`, cgroupfs, and
// storage, run and tmp dirs of its own under a temporary directory.
//
// The flows run with containers.conf `pids_limit = 0` (no pids section at
// all, where podman's default writes 2048): a leftover of the days rt refused
// cgroup limits, kept so the flows do not depend on them; the limit tests
// run with the limits given on the command line.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RT } from "../helpers.ts";
import { RUNTIMES, expectFrozenThenThawed, v1CgroupFile, need, ok, removeTree, rootfsTarball, sh, statusField, tmpDir, tmuxSession, waitUntil, type Result } from "./engines.ts";

const PODMAN = need("podman");
const dir = tmpDir("rt-e12-podman-");
const IMAGE = "localhost/rt-e12:latest";
const env = { ...process.env, CONTAINERS_CONF: path.join(dir, "containers.conf") };
const global = ["--root", path.join(dir, "root"), "--runroot", path.join(dir, "runroot"), "--tmpdir", path.join(dir, "tmp"), "--cgroup-manager=cgroupfs"];
const podman = (args: string[]): Result => sh(PODMAN, [...global, ...args], { env });
/** The run/create options every flow gets (the brief's podman line), for one runtime. */
const opts = (runtime: string) => ["--runtime", runtime, "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"];

beforeAll(() => {
  fs.writeFileSync(env.CONTAINERS_CONF, "[containers]\npids_limit = 0\n[engine]\nevents_logger = \"file\"\n");
  ok(podman(["import", rootfsTarball(dir), IMAGE]), "podman import");
}, 60_000);

afterAll(() => {
  podman(["rm", "--all", "--force", "--time", "0"]);
  podman(["rmi", "--all", "--force"]);
  removeTree(dir);
}, 60_000);

describe.each(RUNTIMES)("podman --runtime %s", (name, runtime) => {
  const run = (args: string[], cmd: string[]) => podman(["run", "--rm", ...opts(runtime), ...args, IMAGE, ...cmd]);
  const detached = (cmd: string[], args: string[] = []) => ok(podman(["run", "-d", ...opts(runtime), ...args, IMAGE, ...cmd]), "podman run -d").trim();
  const isRt = runtime === RT;

  it("run --rm: -e reaches the process and its exit status is podman's", () => {
    const r = run(["-e", "FOO=bar"], ["/bin/sh", "-c", "echo $FOO; exit 3"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("bar\n");
    expect(r.code).toBe(3);
  });

  it("run -d, logs, stop, start, rm", async () => {
    const id = detached(["/bin/sh", "-c", "echo hello; exec sleep 600"]);
    const logs = () => podman(["logs", id]).stdout;
    await waitUntil(() => logs() === "hello\n", "the first output in podman logs");
    ok(podman(["stop", "--time", "1", id]), "podman stop");
    expect(podman(["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", id]).stdout.trim()).toBe("exited 137");
    ok(podman(["start", id]), "podman start");
    await waitUntil(() => logs() === "hello\nhello\n", "the second run's output");
    expect(podman(["inspect", "--format", "{{.State.Status}}", id]).stdout.trim()).toBe("running");
    ok(podman(["rm", "--force", "--time", "0", id]), "podman rm");
    expect(podman(["ps", "--all", "--quiet", "--no-trunc"]).stdout).not.toContain(id);
  });

  it("exec: -e, --env-file, -u, -w, -d and exit codes", async () => {
    const id = detached(["sleep", "600"]);
    const envFile = path.join(dir, `env-${name}`);
    fs.writeFileSync(envFile, "FROM_FILE=2\n");
    const r = podman(["exec", "-e", "A=1", "--env-file", envFile, "-u", "1000:1000", "-w", "/tmp", id, "/bin/sh", "-c", "echo $A $FROM_FILE; id -u; id -g; pwd; exit 5"]);
    expect(r.stdout).toBe("1 2\n1000\n1000\n/tmp\n");
    expect(r.code).toBe(5);
    ok(podman(["exec", "-d", id, "/bin/sh", "-c", "echo detached > /tmp/d"]), "podman exec -d");
    await waitUntil(() => podman(["exec", id, "cat", "/tmp/d"]).stdout === "detached\n", "the detached exec's file");
    expect(podman(["exec", id, "/bin/nothing"]).code).toBe(127);
    podman(["rm", "--force", "--time", "0", id]);
  });

  it("top lists the container's processes; kill delivers the signal", async () => {
    const id = detached(["sleep", "600"]);
    const top = ok(podman(["top", id, "pid", "args"]), "podman top");
    expect(top).toMatch(/^\s*1\s+sleep 600\s*$/m);
    ok(podman(["kill", "--signal", "KILL", id]), "podman kill");
    expect(ok(podman(["wait", id]), "podman wait").trim()).toBe("137");
    podman(["rm", "--force", id]);
  });

  it("run -it: an interactive shell through tmux (send-keys, capture-pane), its exit status", async () => {
    const t = tmuxSession(`CONTAINERS_CONF=${env.CONTAINERS_CONF} ${PODMAN} ${global.join(" ")} run -it --rm ${opts(runtime).join(" ")} -e PS1='in$ ' ${IMAGE} /bin/sh`);
    try {
      await t.until(/^in\$/m, "the container's prompt");
      t.keys("tty; echo $((6*7))", "Enter");
      const s = await t.until(/^42$/m, "the shell's answer");
      expect(s).toMatch(/^\/dev\/pts\/\d+$/m);
      t.keys("exit 7", "Enter");
      await t.until(/EXIT=7/, "podman's exit status");
    } finally { t.kill(); }
  });

  // CRIU 3.17 cannot initialise on this kernel (its vDSO check fails), for runc as for rt.
  it("container checkpoint: not on this host, for either runtime (criu dump fails); the container goes on running", () => {
    const id = detached(["sleep", "600"]);
    const r = podman(["container", "checkpoint", id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(isRt ? /rt: checkpoint: criu dump failed \(status 1\): .*vdso/ : /criu failed: type DUMP/);
    expect(podman(["inspect", "--format", "{{.State.Status}}", id]).stdout.trim()).toBe("running");
    podman(["rm", "--force", "--time", "0", id]);
  });

  it("exec -it: an interactive shell in the running container through tmux, its exit status", async () => {
    const id = detached(["sleep", "600"]);
    const t = tmuxSession(`CONTAINERS_CONF=${env.CONTAINERS_CONF} ${PODMAN} ${global.join(" ")} exec -it -e PS1='ex$ ' ${id} /bin/sh`);
    try {
      await t.until(/^ex\$/m, "the exec'd shell's prompt");
      t.keys("tty; echo $((6*7)) $$", "Enter");
      const s = await t.until(/^42 \d+\s*$/m, "the shell's answer");
      expect(s).toMatch(/^\/dev\/pts\/\d+\s*$/m);
      t.keys("exit 9", "Enter");
      await t.until(/EXIT=9/, "the exec's exit status");
    } finally { t.kill(); podman(["rm", "--force", id]); }
  });

  it("--cap-drop ALL --cap-add NET_RAW: only CAP_NET_RAW (bit 13) is left", () => {
    const s = ok(run(["--cap-drop", "ALL", "--cap-add", "NET_RAW"], ["cat", "/proc/self/status"]), "podman run");
    for (const k of ["CapPrm", "CapEff", "CapBnd"]) expect(statusField(s, k)).toBe("0000000000002000");
    expect(statusField(s, "CapInh")).toBe("0000000000000000");
  });

  it("podman's default seccomp profile is in force; seccomp=unconfined has none", () => {
    expect(statusField(ok(run([], ["cat", "/proc/self/status"]), "default"), "Seccomp")).toBe("2");
    expect(statusField(ok(run(["--security-opt", "seccomp=unconfined"], ["cat", "/proc/self/status"]), "unconfined"), "Seccomp")).toBe("0");
  });

  it("--privileged: every capability the host's bounding set has, no seccomp, the host's devices", () => {
    const host = fs.readFileSync("/proc/self/status", "utf8");
    const s = ok(run(["--privileged"], ["/bin/sh", "-c", "cat /proc/self/status; ls /dev"]), "podman run --privileged");
    expect(statusField(s, "CapEff")).toBe(statusField(host, "CapBnd"));
    expect(statusField(s, "Seccomp")).toBe("0");
    expect(s).toMatch(/^loop0$/m);
  });

  it("--read-only --read-only-tmpfs=false with -v bind mounts rw and ro", () => {
    const vol = fs.mkdtempSync(path.join(dir, "vol-"));
    const r = run(["--read-only", "--read-only-tmpfs=false", "-v", `${vol}:/rw`, "-v", `${vol}:/ro:ro`],
      ["/bin/sh", "-c", "exec 2>&1; touch /x; echo w > /rw/f; echo w > /ro/g; cat /ro/f"]);
    expect(r.stdout).toBe("touch: /x: Read-only file system\n/bin/sh: can't create /ro/g: Read-only file system\nw\n");
    expect(fs.readFileSync(path.join(vol, "f"), "utf8")).toBe("w\n");
  });

  it("--tmpfs with notmpcopyup: a tmpfs the container can write", () => {
    const r = ok(run(["--tmpfs", "/scratch:notmpcopyup"], ["/bin/sh", "-c", "echo s > /scratch/s && cat /scratch/s; grep ' /scratch ' /proc/mounts"]), "podman run --tmpfs");
    expect(r).toMatch(/^s\ntmpfs \/scratch tmpfs rw,nosuid,nodev/);
  });

  it("--tmpfs and --read-only's tmpfs (tmpcopyup): the tmpfs starts with the image's directory", () => {
    const r = ok(run(["--tmpfs", "/etc"], ["/bin/sh", "-c", "grep ' /etc ' /proc/mounts | cut -d' ' -f1-3; head -1 /etc/passwd; echo w > /etc/w && cat /etc/w"]), "podman run --tmpfs /etc");
    expect(r).toMatch(/^tmpfs \/etc tmpfs\nroot:.*\nw\n$/);
    const ro = ok(run(["--read-only"], ["/bin/sh", "-c", "grep -c ' tmpfs ' /proc/mounts; echo t > /tmp/t && cat /tmp/t"]), "podman run --read-only");
    expect(ro).toMatch(/^\d+\nt\n$/);
  });

  it("--device /dev/zero:/dev/myzero", () => {
    expect(ok(run(["--device", "/dev/zero:/dev/myzero"], ["/bin/sh", "-c", "head -c 3 /dev/myzero | od -An -tx1; stat -c %t:%T /dev/myzero"]), "podman run --device")).toBe(" 00 00 00\n1:5\n");
  });

  it("--user 1000:1000", () => {
    expect(ok(run(["--user", "1000:1000"], ["/bin/sh", "-c", "id -u; id -g"]), "podman run --user")).toBe("1000\n1000\n");
  });

  it("--uidmap/--gidmap with --cgroupns=private: a user namespace of that mapping", () => {
    const r = ok(run(["--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536", "--cgroupns=private"], ["/bin/sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u"]), "podman run --uidmap");
    expect(r.split("\n").map((l) => l.trim().split(/\s+/).join(" "))).toEqual(["0 100000 65536", "0 100000 65536", "0", ""]);
  });

  it("--uidmap with the host's cgroup namespace: runs, in a user namespace of that mapping", () => {
    const r = ok(run(["--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536"], ["/bin/sh", "-c", "cat /proc/self/uid_map; ls /sys/fs/cgroup | grep -c ."]), "podman run --uidmap");
    const [map, entries] = r.trim().split("\n");
    expect(map.trim().split(/\s+/).join(" ")).toBe("0 100000 65536");
    expect(Number(entries), "a cgroup filesystem at /sys/fs/cgroup").toBeGreaterThan(0);
  });

  it("--userns=auto: no subordinate ids for the `containers` user on this host, podman fails before any runtime runs", () => {
    const r = run(["--userns=auto"], ["true"]);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/no subuid ranges found for user \\?"containers\\?"/);
  });

  // Limits, read back on the host in the container's v1 cgroups (rt mounts
  // cgroup2 at the container's /sys/fs/cgroup, runc v1's layout: the host's
  // view is the one both share), then felt inside the container.
  const pidOf = (id: string) => Number(podman(["inspect", "--format", "{{.State.Pid}}", id]).stdout.trim());
  const limited = (args: string[], check: (pid: number) => void) => {
    const id = detached(["sleep", "600"], args);
    try { check(pidOf(id)); } finally { podman(["rm", "--force", "--time", "0", id]); }
  };

  it("-m 64m: memory.limit_in_bytes 64 MiB; 16 MiB can be had, 100 MiB is OOM-killed", () => {
    limited(["-m", "64m"], (pid) => expect(v1CgroupFile(pid, "memory", "memory.limit_in_bytes")).toBe(String(64 << 20)));
    expect(ok(run(["-m", "64m"], ["probe", "alloc", "16"]), "16 MiB under -m 64m")).toBe("allocated\n");
    const r = run(["-m", "64m"], ["probe", "alloc", "100"]);
    expect(r.code, r.stderr).toBe(137);
    expect(r.stdout).toBe("");
  });

  // podman writes a mount of type "cgroup" (v1) at /sys/fs/cgroup on this host.
  // runc builds v1's layout there (a tmpfs, each hierarchy at the container's
  // cgroup); rt reads the type as cgroup2 and mounts the unified hierarchy
  // only, so the v1 files that hold the limits are not in the container's view.
  it(isRt ? "-m 64m inside the container: rt's /sys/fs/cgroup is cgroup2 only (type cgroup read as cgroup2), no v1 memory files to read the limit from" : "-m 64m inside the container: /sys/fs/cgroup/memory/memory.limit_in_bytes is the container's 64 MiB", () => {
    const r = run(["-m", "64m"], ["/bin/sh", "-c", "grep ' /sys/fs/cgroup ' /proc/self/mountinfo | sed 's/.* - //' | cut -d' ' -f1; cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || echo none"]);
    expect(r.stdout).toBe(isRt ? "cgroup2\nnone\n" : `tmpfs\n${64 << 20}\n`);
  });

  it("--pids-limit 100: pids.max 100; the container's init forks 99 children, no more", () => {
    limited(["--pids-limit", "100"], (pid) => expect(v1CgroupFile(pid, "pids", "pids.max")).toBe("100"));
    expect(ok(run(["--pids-limit", "100"], ["probe", "forks", "150"]), "probe forks")).toBe("99\n");
  });

  it("--pids-limit=-1 (written as pids.limit 0): runs, with no limit (pids.max max)", () => {
    limited(["--pids-limit=-1"], (pid) => expect(v1CgroupFile(pid, "pids", "pids.max")).toBe("max"));
    expect(ok(run(["--pids-limit=-1"], ["probe", "forks", "150"]), "probe forks")).toBe("150\n");
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
      const status = () => podman(["inspect", "--format", "{{.State.Status}}", id]).stdout.trim();
      await expectFrozenThenThawed(pidOf(id), "/tmp/n", () => {
        ok(podman(["pause", id]), "podman pause");
        expect(status()).toBe("paused");
      }, () => {
        ok(podman(["unpause", id]), "podman unpause");
        expect(status()).toBe("running");
      });
    } finally { podman(["rm", "--force", "--time", "0", id]); }
  });
});

// Registered by name, as the README's Engines section says: with rt in runtime_supports_json,
// conmon has rt write its errors as JSON (--log-format json) and podman shows
// rt's one line as is; without, podman relays rt's raw stderr, prefixed again.
describe("podman with rt registered in containers.conf", () => {
  const conf = (json: boolean) => {
    const f = path.join(dir, `registered-${json}.conf`);
    fs.writeFileSync(f, ["[containers]", "pids_limit = 0", "[engine]", 'runtime = "rt"', 'events_logger = "file"',
      `runtime_supports_json = ["crun", "runc"${json ? ', "rt"' : ""}]`, "[engine.runtimes]", `rt = ["${RT}"]`, ""].join("\n"));
    return { ...process.env, CONTAINERS_CONF: f };
  };
  const base = ["run", "--rm", "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"];

  it("[engine] runtime = \"rt\" with [engine.runtimes]: podman runs rt by name", () => {
    const env = conf(true);
    expect(sh(PODMAN, [...global, "info", "--format", "{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}}"], { env }).stdout.trim()).toBe(`rt ${RT}`);
    const r = sh(PODMAN, [...global, ...base, IMAGE, "/bin/sh", "-c", "echo ran; exit 4"], { env });
    expect(r.stdout).toBe("ran\n");
    expect(r.code).toBe(4);
  });

  // Provoked with a field rt still refuses and podman passes through (here, where podman itself refuses an
  // AppArmor profile on a host without AppArmor): a blkio weight for a device, linux.resources.blockIO.
  it("runtime_supports_json: rt's error reaches the user once, from its JSON log; without it, as raw stderr", () => {
    const why = "config.json: linux.resources.blockIO: cgroup resource limits: not implemented yet";
    const withJson = sh(PODMAN, [...global, ...base, "--blkio-weight-device", "/dev/null:100", IMAGE, "true"], { env: conf(true) });
    expect(withJson.stderr).toBe(`Error: OCI runtime error: rt: ${why}\n`);
    expect(withJson.code).toBe(126);
    const raw = sh(PODMAN, [...global, ...base, "--blkio-weight-device", "/dev/null:100", IMAGE, "true"], { env: conf(false) });
    expect(raw.stderr).toBe(`Error: OCI runtime error: rt: rt: ${why}\n`);
  });
});
