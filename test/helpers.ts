// Shared by the integration and conformance tests: the built rt executable,
// throw-away bundles on the test rootfs, a private state root per test file.
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { Spec } from "../src/spec/types.ts";
import { defaultSpec } from "../src/linux/default-spec.ts";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const RT = path.join(REPO, "dist/rt");
export const ROOTFS = path.join(REPO, "build/rootfs");
export const HAS_BUSYBOX = fs.existsSync(path.join(ROOTFS, "bin/busybox"));

export interface RtResult {
  code: number;
  stdout: string;
  stderr: string;
}

let counter = 0;
/** A container id unique across parallel test files. */
export function uniqueId(prefix = "t"): string {
  return `${prefix}-${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 6)}`;
}

export function tmpDir(prefix = "rt-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A private --root for one test file, so parallel files never see each other's containers. */
export function stateRoot(): string {
  return tmpDir("rt-root-");
}

/** Runs rt with the given args; stdout/stderr captured unless overridden (e.g. a file fd for create). */
export function rt(root: string, args: string[], opts: SpawnSyncOptions = {}): RtResult {
  const r = spawnSync(RT, ["--root", root, ...args], { encoding: "utf8", timeout: 20_000, ...opts });
  if (r.error) throw r.error;
  return { code: r.status ?? 128 + (r.signal ? os.constants.signals[r.signal] : 0), stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? "") };
}

/** The minimal config that runs `args` on the test rootfs, with overrides applied. */
export function testSpec(args: string[], edit?: (s: Spec) => void): Spec {
  const s = defaultSpec(args);
  s.root = { path: ROOTFS, readonly: true };
  s.process!.env = ["PATH=/bin", "HOME=/root"];
  edit?.(s);
  return s;
}

/** Writes a bundle dir whose config.json is `spec` (or raw text). */
export function makeBundle(spec: Spec | string): string {
  const dir = tmpDir("rt-bundle-");
  fs.writeFileSync(path.join(dir, "config.json"), typeof spec === "string" ? spec : JSON.stringify(spec, null, 2));
  return dir;
}

/** Waits until cond() holds (polling), or throws after timeoutMs. */
export async function waitFor(cond: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function stateOf(root: string, id: string): { status: string; pid?: number; id: string; bundle: string; ociVersion: string; annotations?: Record<string, string> } {
  const r = rt(root, ["state", id]);
  if (r.code !== 0) throw new Error(`rt state ${id} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Removes whatever a test left, so a failing test does not leak containers. */
export function cleanupRoot(root: string): void {
  for (const id of fs.existsSync(root) ? fs.readdirSync(root) : []) rt(root, ["delete", "--force", id]);
  fs.rmSync(root, { recursive: true, force: true });
}

export function pidAlive(pid: number): boolean {
  try {
    const st = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = st.slice(st.lastIndexOf(")") + 2).split(" ")[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** The unified cgroup mount, as rt finds it. */
export function unifiedMount(): string {
  const mi = fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n");
  const mounts = mi.filter((l) => l.includes(" - cgroup2 ")).map((l) => l.split(" ")[4]);
  return ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"].find((m) => mounts.includes(m)) ?? mounts[0];
}

/**
 * Runs an rt command whose container outlives it (create, run --detach): the
 * container inherits rt's stdout and stderr, so they must be files — a pipe
 * would stay open, and the caller would wait, until the container exits.
 */
// The output dirs of detached runs: read by tests after rt returns, removed
// when the test file's process exits (the containers are gone by then).
const outDirs: string[] = [];
process.on("exit", () => { for (const d of outDirs) fs.rmSync(d, { recursive: true, force: true }); });

export function rtDetached(root: string, args: string[], opts: SpawnSyncOptions = {}): RtResult & { out: string } {
  const dir = tmpDir("rt-out-");
  outDirs.push(dir);
  const out = path.join(dir, "stdout");
  const outFd = fs.openSync(out, "w");
  const errFd = fs.openSync(path.join(dir, "stderr"), "w");
  try {
    const r = spawnSync(RT, ["--root", root, ...args], { stdio: ["ignore", outFd, errFd], timeout: 20_000, ...opts });
    if (r.error) throw r.error;
    return { code: r.status ?? -1, stdout: "", stderr: fs.readFileSync(path.join(dir, "stderr"), "utf8"), out };
  } finally {
    fs.closeSync(outFd);
    fs.closeSync(errFd);
  }
}

/** `rt create` with output going to files. Returns the result and the stdout file. */
export function createWithOutput(root: string, id: string, bundle: string, extra: string[] = []): { result: RtResult; out: string } {
  const r = rtDetached(root, ["create", "--bundle", bundle, ...extra, id]);
  return { result: r, out: r.out };
}

/** Processes in any cgroup whose path holds rt-<id> (a container's default cgroup name). */
export function processesInCgroupsNamed(id: string): number[] {
  const pids: number[] = [];
  for (const p of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (fs.readFileSync(`/proc/${p}/cgroup`, "utf8").includes(`rt-${id}`)) pids.push(Number(p));
    } catch { /* exited */ }
  }
  return pids;
}
