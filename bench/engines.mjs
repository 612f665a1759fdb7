// The engine-level figure (issue 12): what a user of podman or Docker waits
// for, through rt against the same through runc, in one run. The engines' own
// work (storage, conmon or the shim, the daemon's API) is in every sample and
// dominates it; the ratio is what rt's speed is worth to that user.
// podman runs with a storage of its own; dockerd is started with a daemon.json
// of its own (as test/engines/docker.test.ts does) and stopped by its pid.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const has = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
function timed(bin, args, env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(bin, args, { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8", env });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${bin} ${args.join(" ")} failed (${r.status}): ${r.stderr.trim()}`);
  return ms;
}
/** Alternates rt and runc, after a warm-up of each; medians and the ratio. */
function compare(runs, fn) {
  fn("rt"); fn("runc");
  const s = { rt: [], runc: [] };
  for (let i = 0; i < runs; i++) for (const k of ["rt", "runc"]) s[k].push(fn(k));
  return { rt: median(s.rt), runc: median(s.runc), ratio: median(s.rt) / median(s.runc) };
}

/** Rows for bench/run.mjs's table, keyed by name; engines missing here are reported as skipped in `notes`. */
export async function engineBench(repo, rtBin, runcBin, runs) {
  const results = {};
  const notes = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rt-bench-engines-"));
  const tar = path.join(tmp, "rootfs.tar");
  spawnSync("tar", ["-C", path.join(repo, "build/rootfs"), "-cf", tar, "."]);
  const bins = { rt: rtBin, runc: runcBin };
  try {
    if (has("podman")) {
      // pids_limit 0: podman's default pids limit is refused by rt until cgroup limits land
      const env = { ...process.env, CONTAINERS_CONF: path.join(tmp, "containers.conf") };
      fs.writeFileSync(env.CONTAINERS_CONF, "[containers]\npids_limit = 0\n[engine]\nevents_logger = \"file\"\n");
      const g = ["--root", path.join(tmp, "podman"), "--runroot", path.join(tmp, "podman-run"), "--tmpdir", path.join(tmp, "podman-tmp"), "--cgroup-manager=cgroupfs"];
      timed("podman", [...g, "import", tar, "localhost/rt-bench"], env);
      results["podman run --rm true (engine level)"] = compare(runs, (k) => timed("podman", [...g, "run", "--rm", "--runtime", bins[k], "--network", "none",
        "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "localhost/rt-bench", "/bin/probe", "true"], env));
      spawnSync("podman", [...g, "rm", "--all", "--force"], { env });
      spawnSync("podman", [...g, "rmi", "--all", "--force"], { env });
    } else notes.push("podman is not installed: no podman figure");
    if (has("dockerd") && fs.existsSync("/usr/bin/docker")) Object.assign(results, await dockerBench(repo, tmp, tar, bins, runs));
    else notes.push("dockerd (docker.io) is not installed: no docker figures");
  } finally {
    for (const m of fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4]).filter((m) => m?.startsWith(tmp + "/")).sort((a, b) => b.length - a.length)) spawnSync("umount", ["-l", m]);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return { results, notes };
}

async function dockerBench(repo, tmp, tar, bins, runs) {
  const sock = path.join(tmp, "docker.sock");
  const cfg = path.join(tmp, "daemon.json");
  fs.writeFileSync(cfg, JSON.stringify({
    runtimes: { rt: { path: bins.rt }, "runc-ref": { path: bins.runc } }, iptables: false, ip6tables: false, bridge: "none",
    "data-root": path.join(tmp, "docker"), "exec-root": path.join(tmp, "docker-exec"), pidfile: path.join(tmp, "docker.pid"), hosts: [`unix://${sock}`],
  }));
  const log = fs.openSync(path.join(tmp, "dockerd.log"), "w");
  // under the tests' reaper: the shims dockerd's containerd starts are reaped, not left to PID 1
  const pidFile = path.join(tmp, "dockerd.pid");
  const d = spawn("python3", [path.join(repo, "test/fixtures/reaper.py"), pidFile, "dockerd", "--config-file", cfg], { stdio: ["ignore", log, log], detached: true });
  d.unref();
  d.on("exit", () => {});
  const docker = (args) => spawnSync("/usr/bin/docker", ["-H", `unix://${sock}`, ...args], { encoding: "utf8" });
  try {
    const end = Date.now() + 30_000;
    while (docker(["version"]).status !== 0) {
      if (Date.now() > end) throw new Error(`dockerd did not answer: ${fs.readFileSync(path.join(tmp, "dockerd.log"), "utf8").slice(-500)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    if (docker(["import", tar, "rt-bench"]).status !== 0) throw new Error("docker import failed");
    const name = { rt: "rt", runc: "runc-ref" };
    const h = ["-H", `unix://${sock}`];
    const out = {};
    out["docker run --rm true (engine level)"] = compare(runs, (k) => timed("/usr/bin/docker", [...h, "run", "--rm", "--runtime", name[k], "--network", "none", "rt-bench", "/bin/probe", "true"]));
    const ids = {};
    for (const k of ["rt", "runc"]) ids[k] = docker(["run", "-d", "--runtime", name[k], "--network", "none", "rt-bench", "/bin/probe", "sleep", "600"]).stdout.trim();
    out["docker exec true (engine level)"] = compare(runs, (k) => timed("/usr/bin/docker", [...h, "exec", ids[k], "/bin/probe", "true"]));
    docker(["rm", "--force", ids.rt, ids.runc]);
    docker(["rmi", "--force", "rt-bench"]);
    return out;
  } finally {
    // the reaper passes SIGTERM to dockerd; wait for dockerd itself (the reaper stays until its shims are reaped)
    process.kill(d.pid, "SIGTERM");
    const dpid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, "utf8")) : 0;
    const end = Date.now() + 20_000;
    while (dpid && fs.existsSync(`/proc/${dpid}`) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  }
}
