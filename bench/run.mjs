// Times rt and runc side by side, in one run, on the same bundle and prints
// medians and rt/runc ratios, then the same through podman and docker (bench/engines.mjs). Usage: npm run bench [-- --runs N]
// Results also go to bench/results/latest.json for later comparison.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const RT = path.join(repo, "dist/rt");
const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 30;
const runc = spawnSync("sh", ["-c", "command -v runc"], { encoding: "utf8" }).stdout.trim();
if (!runc) {
  console.error("bench: runc is not installed (npm run bench installs it with apt-get as root)");
  process.exit(1);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rt-bench-"));
const bundle = path.join(tmp, "bundle");
fs.mkdirSync(bundle);
const config = {
  ociVersion: "1.0.2",
  process: { terminal: false, user: { uid: 0, gid: 0 }, args: ["/bin/probe", "true"], env: ["PATH=/bin"], cwd: "/" },
  root: { path: path.join(repo, "build/rootfs"), readonly: true },
  hostname: "bench",
  mounts: [
    { destination: "/proc", type: "proc", source: "proc" },
    { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
  ],
  linux: { namespaces: [{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }, { type: "network" }] },
};
fs.writeFileSync(path.join(bundle, "config.json"), JSON.stringify(config));
const sleeperBundle = path.join(tmp, "sleeper");
fs.mkdirSync(sleeperBundle);
fs.writeFileSync(path.join(sleeperBundle, "config.json"), JSON.stringify({ ...config, process: { ...config.process, args: ["/bin/probe", "sleep", "600"] } }));

const runtimes = { rt: { bin: RT, root: path.join(tmp, "rt-root") }, runc: { bin: runc, root: path.join(tmp, "runc-root") } };

// stderr goes to a file: a detached container inherits it, and a pipe would
// keep spawnSync waiting until the container exits.
const errFile = path.join(tmp, "stderr");
function time(bin, args) {
  const errFd = fs.openSync(errFile, "w");
  const t0 = process.hrtime.bigint();
  const r = spawnSync(bin, args, { stdio: ["ignore", "ignore", errFd] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  fs.closeSync(errFd);
  if (r.status !== 0) throw new Error(`${bin} ${args.join(" ")} failed (${r.status}): ${fs.readFileSync(errFile, "utf8")}`);
  return ms;
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

let seq = 0;
const stateOf = (rtm, id) => JSON.parse(spawnSync(rtm.bin, ["--root", rtm.root, "state", id], { encoding: "utf8" }).stdout || "{}").status;
const sleepMs = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** create → start → wait for exit (polling state, as a CLI caller must) → delete. */
function cliCycle(rtm) {
  const id = `c${++seq}`;
  const t0 = process.hrtime.bigint();
  run(rtm.bin, ["--root", rtm.root, "create", "--bundle", bundle, id]);
  run(rtm.bin, ["--root", rtm.root, "start", id]);
  while (stateOf(rtm, id) !== "stopped") sleepMs(1);
  run(rtm.bin, ["--root", rtm.root, "delete", id]);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function run(bin, args) {
  const errFd = fs.openSync(errFile, "w");
  const r = spawnSync(bin, args, { stdio: ["ignore", "ignore", errFd] });
  fs.closeSync(errFd);
  if (r.status !== 0) throw new Error(`${bin} ${args.join(" ")} failed (${r.status}): ${fs.readFileSync(errFile, "utf8")}`);
}

const cases = {
  "--version": (rtm) => time(rtm.bin, ["--version"]),
  "state (running container)": (rtm) => time(rtm.bin, ["--root", rtm.root, "state", "sleeper"]),
  // what healthchecks and CRI probes cost: a process exec'd into the running sleeper
  "exec /bin/true (running container)": (rtm) => time(rtm.bin, ["--root", rtm.root, "exec", "sleeper", "/bin/probe", "true"]),
  "run /bin/true": (rtm) => time(rtm.bin, ["--root", rtm.root, "run", "--bundle", bundle, `b${++seq}`]),
  "engine cycle create→start→wait→delete": cliCycle,
  "ps --format json (running container)": (rtm) => time(rtm.bin, ["--root", rtm.root, "ps", "--format", "json", "sleeper"]),
  "ps (table: the host's ps -ef, filtered)": (rtm) => time(rtm.bin, ["--root", rtm.root, "ps", "sleeper"]),
  "features": (rtm) => time(rtm.bin, ["features"]),
  "delete --force of a container that is gone": (rtm) => time(rtm.bin, ["--root", rtm.root, "delete", "--force", "gone"]),
  // freeze and thaw the running sleeper (each waits until the kernel has done it)
  "update --pids-limit (running container)": (rtm) => time(rtm.bin, ["--root", rtm.root, "update", "--pids-limit", String(1000 + (seq++ % 2)), "sleeper"]),
  "pause + resume (running container)": (rtm) => time(rtm.bin, ["--root", rtm.root, "pause", "sleeper"]) + time(rtm.bin, ["--root", rtm.root, "resume", "sleeper"]),
  // one stats line of the running sleeper (cpu, memory, pids), as monitoring polls it
  "events --stats (running container)": (rtm) => time(rtm.bin, ["--root", rtm.root, "events", "--stats", "sleeper"]),
  "list (one container)": (rtm) => time(rtm.bin, ["--root", rtm.root, "list"]),
};

// A running container for `state` and `exec`.
for (const rtm of Object.values(runtimes)) run(rtm.bin, ["--root", rtm.root, "run", "--detach", "--bundle", sleeperBundle, "sleeper"]);

const results = {};
for (const [name, fn] of Object.entries(cases)) {
  const samples = { rt: [], runc: [] };
  for (const rtm of Object.values(runtimes)) fn(rtm); // warm-up
  for (let i = 0; i < RUNS; i++) for (const [k, rtm] of Object.entries(runtimes)) samples[k].push(fn(rtm));
  results[name] = { rt: median(samples.rt), runc: median(samples.runc), ratio: median(samples.rt) / median(samples.runc) };
}
for (const rtm of Object.values(runtimes)) spawnSync(rtm.bin, ["--root", rtm.root, "delete", "--force", "sleeper"]);
// --- the library API, in-process under Node, against runc's CLI cycle ---
{
  const { Runtime } = await import(path.join(repo, "dist/lib/index.js"));
  const lib = new Runtime({ root: path.join(tmp, "lib-root") });
  const libCycle = async () => {
    const id = `l${++seq}`;
    const t0 = process.hrtime.bigint();
    await lib.create(id, { bundle, watch: true });
    lib.start(id);
    await lib.wait(id);
    lib.delete(id);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  await libCycle();
  const samples = [];
  for (let i = 0; i < RUNS; i++) samples.push(await libCycle());
  const runcCycle = results["engine cycle create→start→wait→delete"].runc;
  results["engine cycle, rt library API vs runc CLI"] = { rt: median(samples), runc: runcCycle, ratio: median(samples) / runcCycle };
}

// --- 50 containers created and started concurrently, then deleted ---
const spawnAsync = (bin, args) => new Promise((resolve, reject) => {
  const p = spawn(bin, args, { stdio: "ignore" });
  p.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${bin} ${args.join(" ")} exited ${code}`))));
});
async function concurrent(rtm, n) {
  const ids = Array.from({ length: n }, () => `p${++seq}`);
  const base = ["--root", rtm.root];
  const t0 = process.hrtime.bigint();
  await Promise.all(ids.map((id) => spawnAsync(rtm.bin, [...base, "create", "--bundle", bundle, id])));
  await Promise.all(ids.map((id) => spawnAsync(rtm.bin, [...base, "start", id])));
  for (const id of ids) while (stateOf(rtm, id) !== "stopped") sleepMs(1);
  await Promise.all(ids.map((id) => spawnAsync(rtm.bin, [...base, "delete", id])));
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
let leaks = [];
{
  const N = 50;
  const mountsBefore = hostMounts();
  const c = { rt: await concurrent(runtimes.rt, N), runc: await concurrent(runtimes.runc, N) };
  results[`${N} concurrent create+start, then delete (total)`] = { ...c, ratio: c.rt / c.runc };
  // Nothing of rt's 50 may outlive their delete: state, cgroups, processes, mounts.
  const state = fs.readdirSync(runtimes.rt.root).filter((d) => d !== "sleeper");
  const cgroups = cgroupLeftovers();
  const procs = processesInContainerCgroups();
  const mounts = hostMounts().filter((m) => !mountsBefore.includes(m));
  leaks = [["state dirs", state], ["cgroups", cgroups], ["processes", procs], ["host mounts", mounts]].filter(([, l]) => l.length);
}

function unifiedMountPoint() {
  const mi = fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(" - cgroup2 ")).map((l) => l.split(" ")[4]);
  return ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"].find((m) => mi.includes(m));
}
function cgroupLeftovers() {
  const mount = unifiedMountPoint();
  return mount ? fs.readdirSync(mount).filter((d) => /^rt-p\d+$/.test(d)) : [];
}
function processesInContainerCgroups() {
  return fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => {
    try { return /\/rt-p\d+(\/|$)/m.test(fs.readFileSync(`/proc/${p}/cgroup`, "utf8")); } catch { return false; }
  });
}
function hostMounts() {
  return fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter(Boolean).map((l) => l.split(" ").slice(3, 5).join(" "));
}

// What Node's spawnSync itself costs per invocation (it is in every figure above, rt's and runc's alike).
const spawnOverhead = median(Array.from({ length: RUNS }, () => time("/bin/true", [])));

// --- peak RSS of `create` (GNU time's maximum resident set size) ---
if (fs.existsSync("/usr/bin/time")) {
  const rss = {};
  for (const [k, rtm] of Object.entries(runtimes)) {
    const id = `m${++seq}`;
    const rssFile = path.join(tmp, "rss");
    // -o: a pipe on stderr would stay open in the created container.
    spawnSync("/usr/bin/time", ["-o", rssFile, "-f", "%M", rtm.bin, "--root", rtm.root, "create", "--bundle", sleeperBundle, id], { stdio: "ignore" });
    rss[k] = Number(fs.readFileSync(rssFile, "utf8").trim().split("\n").pop()) / 1024;
    spawnSync(rtm.bin, ["--root", rtm.root, "delete", "--force", id]);
  }
  results["peak RSS of create (MiB)"] = { rt: rss.rt, runc: rss.runc, ratio: rss.rt / rss.runc };
}

// --- the engine-level figure: podman and docker through rt vs through runc (bench/engines.mjs) ---
const ENGINE_RUNS = Math.min(RUNS, 10);
const engines = await (await import("./engines.mjs")).engineBench(repo, RT, runc, ENGINE_RUNS);
Object.assign(results, engines.results);

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, Linux ${os.release()}, node ${process.version}`;
console.log(`rt vs runc (${spawnSync(runc, ["--version"], { encoding: "utf8" }).stdout.split("\n")[0]}), median of ${RUNS} runs each, ${machine}\n`);
console.log("| command | rt | runc | rt/runc |");
console.log("|---|---:|---:|---:|");
for (const [name, r] of Object.entries(results)) {
  const unit = name.includes("MiB") ? "" : " ms";
  console.log(`| ${name} | ${r.rt.toFixed(1)}${unit} | ${r.runc.toFixed(1)}${unit} | ${r.ratio.toFixed(2)} |`);
}
console.log(`\nThe engine-level rows are medians of ${ENGINE_RUNS} runs each; the engine's own work is in both columns.${engines.notes.map((n) => `\n${n}`).join("")}`);
console.log(`Each time includes ${spawnOverhead.toFixed(1)} ms of spawning from Node (the median for /bin/true).`);
console.log(leaks.length ? `LEAK after the concurrent run: ${leaks.map(([k, l]) => `${k}: ${l.join(", ")}`).join("; ")}` : "Leak check after the concurrent run: no state, cgroup, process or host mount of rt's left.");
fs.mkdirSync(path.join(repo, "bench/results"), { recursive: true });
fs.writeFileSync(path.join(repo, "bench/results/latest.json"), JSON.stringify({ date: new Date().toISOString(), machine, runs: RUNS, spawnOverheadMs: spawnOverhead, leaks: Object.fromEntries(leaks), results }, null, 2));
fs.rmSync(tmp, { recursive: true, force: true });
if (leaks.length) process.exit(1);
