// Shared by the crash-safety tests: rt run under a child subreaper (so that
// what a killed rt leaves behind can be named), and the leak and truth
// checks that every fault case ends with.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "vitest";
import { REPO, RT, rt, tmpDir, unifiedMount, waitFor } from "./helpers.ts";

const SUBREAPER = path.join(REPO, "test/fixtures/subreaper.py");

export interface Proc { pid: number; start: string }

/** /proc/<pid>/stat: state and start time (field 22), or null if gone. */
export function procStat(pid: number): { state: string; start: string } | null {
  try {
    const st = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
    return { state: f[0], start: f[19] };
  } catch {
    return null;
  }
}

export function alive(p: Proc): boolean {
  const st = procStat(p.pid);
  return st !== null && st.start === p.start && st.state !== "Z" && st.state !== "X";
}

export function exeOf(pid: number): string {
  try { return fs.readlinkSync(`/proc/${pid}/exe`); } catch { return ""; }
}

/** The caller's own unified cgroup: rt nests a default container cgroup ("rt-<id>") there. */
function ownCgroup(): string {
  const line = fs.readFileSync("/proc/self/cgroup", "utf8").split("\n").find((l) => l.startsWith("0::"));
  return line ? line.slice(3) : "/";
}

/** The root mount of every v1 hierarchy (devices and the others rt joins). */
function v1Mounts(): string[] {
  const out: string[] = [];
  for (const line of fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const sep = line.indexOf(" - ");
    if (sep < 0) continue;
    const [fstype] = line.slice(sep + 3).split(" ");
    const f = line.split(" ");
    if (fstype === "cgroup" && f[3] === "/") out.push(f[4]);
  }
  return out;
}

/** Containers given an absolute linux.cgroupsPath (every level of it new): id → that path. */
const placed = new Map<string, string>();

/** Tells the checks that container id's cgroup is at cgroupsPath (absolute, made by rt from the top). */
export function placeCgroup(id: string, cgroupsPath: string): void {
  placed.set(id, cgroupsPath);
}

/** The container's cgroup, relative to a hierarchy's root. */
function relOf(id: string): string {
  return placed.get(id) ?? path.join(ownCgroup(), `rt-${id}`);
}

/** The container's cgroup dirs (unified, and each v1 hierarchy mounted): with a placed path, every level of it. */
export function cgroupDirs(id: string): string[] {
  const rel = relOf(id);
  const levels = placed.has(id) ? rel.split("/").filter(Boolean).map((_, i, a) => "/" + a.slice(0, i + 1).join("/")) : [rel];
  const v1 = v1Mounts();
  return levels.flatMap((l) => [path.join(unifiedMount(), l), ...v1.map((m) => path.join(m, l))]);
}

/** Live processes whose unified cgroup is the container's (the init, its children, an executor that joined). */
export function cgroupMembers(id: string): number[] {
  const rel = relOf(id);
  const out: number[] = [];
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    let text = "";
    try { text = fs.readFileSync(`/proc/${d}/cgroup`, "utf8"); } catch { continue; }
    if (!text.split("\n").some((l) => l === `0::${rel}` || l.startsWith(`0::${rel}/`))) continue;
    const st = procStat(Number(d));
    if (st && st.state !== "Z" && st.state !== "X") out.push(Number(d));
  }
  return out;
}

export interface Reaped { code: number; stderr: string; left: Proc[] }

/**
 * Runs `rt --root root args…` under the subreaper with env added. With
 * whileStopped, waits for rt to stop itself (RT_TEST_CRASH_KILL=stop), calls
 * it, and lets rt go on.
 */
export async function reaped(root: string, args: string[], env: Record<string, string>, whileStopped?: () => void): Promise<Reaped> {
  const dir = tmpDir("rt-crash-");
  const res = path.join(dir, "result");
  const outFd = fs.openSync(path.join(dir, "stdout"), "w");
  const errFd = fs.openSync(path.join(dir, "stderr"), "w");
  const child = spawn("python3", [SUBREAPER, res, RT, "--root", root, ...args], { stdio: ["ignore", outFd, errFd], env: { ...process.env, ...env } });
  fs.closeSync(outFd);
  fs.closeSync(errFd);
  let exited = false;
  const done = new Promise<void>((resolve) => child.on("exit", () => { exited = true; resolve(); }));
  if (whileStopped) {
    const rtPid = () => Number(fs.existsSync(res + ".pid") ? fs.readFileSync(res + ".pid", "utf8") : 0);
    await waitFor(() => exited || (rtPid() > 0 && procStat(rtPid())?.state === "T"), 15_000, "rt to stop at its step");
    if (!exited) {
      try { whileStopped(); } finally { try { process.kill(rtPid(), "SIGCONT"); } catch { /* killed meanwhile */ } }
    }
  }
  await done;
  const out = JSON.parse(fs.readFileSync(res, "utf8")) as { code: number; left: [number, string][] };
  const stderr = fs.readFileSync(path.join(dir, "stderr"), "utf8");
  fs.rmSync(dir, { recursive: true, force: true });
  return { code: out.code, stderr, left: out.left.map(([pid, start]) => ({ pid, start })) };
}

/** What `rt state` says must be what is: checked against the processes and the cgroup. */
export function expectStateTruth(root: string, id: string, procs: Proc[]): string {
  const r = rt(root, ["state", id]);
  const live = [...procs.filter(alive).map((p) => p.pid), ...cgroupMembers(id)];
  if (!fs.existsSync(path.join(root, id))) {
    expect(r.code, "state of a container with no state dir").not.toBe(0);
    expect(r.stderr).toMatch(/does not exist/);
    // What may still be dying is for settledLeftovers to wait out.
    return "absent";
  }
  expect(r.code, r.stderr).toBe(0);
  const st = JSON.parse(r.stdout) as { status: string; pid?: number };
  if (st.status === "stopped") expect(live, "stopped, yet processes live").toEqual([]);
  else if (st.status === "creating") {
    expect(live.length, "creating after its rt died, yet nothing lives").toBeGreaterThan(0);
    expect(r.stderr).toMatch(new RegExp(`^rt: warning: container "${id}": its create was interrupted \\(rt pid \\d+ is gone\\): rt delete --force ${id} removes what is left\n$`));
  }
  else {
    expect(["created", "running"]).toContain(st.status);
    expect(live, `${st.status}: its init lives`).toContain(st.pid);
    if (st.status === "created") expect(exeOf(st.pid!)).toMatch(/^\/memfd:rt-exec/);
    else expect(exeOf(st.pid!)).not.toMatch(/^\/memfd:rt-exec/);
  }
  return st.status;
}

/** Nothing of the container is left: no state dir or claim, no cgroup dir, no process. */
export function leftovers(root: string, id: string, procs: Proc[]): string[] {
  const out: string[] = [];
  if (fs.existsSync(path.join(root, id))) out.push(`state dir ${path.join(root, id)}`);
  for (const n of fs.existsSync(root) ? fs.readdirSync(root) : []) if (n.startsWith(".claim.")) out.push(`claim ${n}`);
  for (const d of cgroupDirs(id)) if (fs.existsSync(d)) out.push(`cgroup ${d}`);
  for (const p of procs) if (alive(p)) out.push(`process ${p.pid} (${exeOf(p.pid)})`);
  for (const pid of cgroupMembers(id)) out.push(`process ${pid} in the cgroup`);
  return out;
}

/**
 * leftovers() once processes that were already dying have gone (a SIGKILLed
 * init, an executor that exits when rt's end of the socket closes): up to 2 s.
 */
export async function settledLeftovers(root: string, id: string, procs: Proc[]): Promise<string[]> {
  const end = Date.now() + 2000;
  let left = leftovers(root, id, procs);
  while (left.length && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 20));
    left = leftovers(root, id, procs);
  }
  return left;
}

/** The record's pid and start time, if state.json is there and names one. */
export function recordedInit(root: string, id: string): Proc[] {
  try {
    const rec = JSON.parse(fs.readFileSync(path.join(root, id, "state.json"), "utf8"));
    return rec.pid ? [{ pid: rec.pid, start: rec.pidStartTime }] : [];
  } catch {
    return [];
  }
}
