// Real engines driving rt (issue 12): each engine gets its own daemon (if it
// has one), storage and sockets under a temporary directory, started in the
// background and stopped by pid, so the host's engines (if any) are never
// touched. Images are the test rootfs (busybox + the static probe) as a
// tarball. Every flow runs through rt and through runc in the same run.
import { spawn, spawnSync, type SpawnSyncOptions } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "vitest";
import { REPO, RT, ROOTFS, tmpDir, uniqueId, waitFor } from "../helpers.ts";

export interface Result { code: number; stdout: string; stderr: string }

export function sh(bin: string, args: string[], opts: SpawnSyncOptions = {}): Result {
  const r = spawnSync(bin, args, { encoding: "utf8", timeout: 60_000, ...opts });
  if (r.error) throw new Error(`${bin} ${args.join(" ")}: ${r.error.message}`);
  return { code: r.status ?? -1, stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? "") };
}

/** An engine command that must succeed: its stdout, or a one-line failure with its stderr. */
export function ok(r: Result, what: string): string {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

const which = (cmd: string) => sh("sh", ["-c", `command -v ${cmd}`]).stdout.trim();
export const RUNC = which("runc");
/** The two runtimes every flow runs on: rt under test, runc as the reference. */
export const RUNTIMES: [string, string][] = [["rt", RT], ["runc", RUNC]];

/** Fails (never skips) when an engine binary is missing: scripts/test-deps.mjs installs them. */
export function need(bin: string): string {
  const p = fs.existsSync(bin) ? bin : which(bin);
  if (!p) throw new Error(`${bin} is not installed: npm test's pretest (scripts/test-deps.mjs) installs it from Debian`);
  return p;
}

/** The rootfs as a tarball, for `podman import` / `docker import`. */
export function rootfsTarball(dir: string): string {
  const tar = path.join(dir, "rootfs.tar");
  ok(sh("tar", ["-C", ROOTFS, "-cf", tar, "."]), "tar of build/rootfs");
  return tar;
}

/** Lazily unmounts whatever an engine left mounted under dir (deepest first), then removes dir. */
export function removeTree(dir: string): void {
  const mounts = fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n")
    .map((l) => l.split(" ")[4]).filter((m) => m && (m === dir || m.startsWith(dir + "/")))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) sh("umount", ["-l", m]);
  fs.rmSync(dir, { recursive: true, force: true });
}

const REAPER = path.join(REPO, "test/fixtures/reaper.py");

/**
 * A daemon started in the background with output to a log file, under
 * test/fixtures/reaper.py (which reaps the shims it leaves, even after the
 * daemon is gone); stopped by its own pid.
 */
export class Daemon {
  private readonly pidFile: string;
  private daemonPid = 0;
  constructor(readonly name: string, bin: string, args: string[], readonly log: string) {
    this.pidFile = `${log}.pid`;
    fs.rmSync(this.pidFile, { force: true });
    const fd = fs.openSync(log, "a");
    const child = spawn("python3", [REAPER, this.pidFile, bin, ...args], { stdio: ["ignore", fd, fd], detached: true });
    fs.closeSync(fd);
    child.unref();
    child.on("exit", () => { /* reaped by node: no zombie under a PID 1 that does not reap */ });
  }
  /** The daemon's pid (the reaper writes it once it has forked). */
  get pid(): number {
    if (!this.daemonPid && fs.existsSync(this.pidFile)) this.daemonPid = Number(fs.readFileSync(this.pidFile, "utf8"));
    return this.daemonPid;
  }
  alive(): boolean {
    if (!this.pid) return true; // not forked yet
    try {
      const st = fs.readFileSync(`/proc/${this.pid}/stat`, "utf8");
      return st.slice(st.lastIndexOf(")") + 2)[0] !== "Z";
    } catch { return false; }
  }
  async ready(cond: () => boolean): Promise<void> {
    await waitFor(() => { if (!this.alive()) throw new Error(`${this.name} exited: ${this.tail()}`); return this.pid > 0 && cond(); }, 30_000, `${this.name} to answer; log: ${this.tail()}`);
  }
  tail(): string { try { return fs.readFileSync(this.log, "utf8").trim().split("\n").slice(-5).join(" | "); } catch { return ""; } }
  /** SIGTERM, then SIGKILL if it is still there after 20 s. */
  async stop(): Promise<void> {
    if (!this.pid || !this.alive()) return;
    process.kill(this.pid, "SIGTERM");
    try { await waitFor(() => !this.alive(), 20_000, `${this.name} to stop`); } catch {
      process.kill(this.pid, "SIGKILL");
      await waitFor(() => !this.alive(), 5_000, `${this.name} to die`);
    }
  }
}

/** A line of /proc/self/status (as the container prints it): `Seccomp:\t2` → "2". */
export function statusField(text: string, key: string): string | undefined {
  return new RegExp(`^${key}:\\s*(.*)$`, "m").exec(text)?.[1];
}

/**
 * A v1 controller's file for a process, read on the host in the cgroup that
 * /proc/<pid>/cgroup names (rt and runc both place the container in every
 * mounted v1 hierarchy on this hybrid host).
 */
export function v1CgroupFile(pid: number | string, controller: string, file: string): string {
  const line = fs.readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n").find((l) => l.split(":")[1]?.split(",").includes(controller));
  if (!line) throw new Error(`pid ${pid} is in no v1 ${controller} cgroup`);
  return fs.readFileSync(path.join("/sys/fs/cgroup", controller, line.split(":").slice(2).join(":"), file), "utf8").trim();
}

/**
 * Pause and resume through the engine, seen from outside: the container runs
 * `probe count <counter>` (a number written every 10 ms), read on the host
 * through /proc/<pid>/root. Paused, the v1 freezer says FROZEN and the number
 * stays put; resumed, THAWED and it goes on.
 */
export async function expectFrozenThenThawed(pid: number, counter: string, pause: () => void, resume: () => void): Promise<void> {
  const read = () => { try { return Number(fs.readFileSync(`/proc/${pid}/root${counter}`, "utf8")); } catch { return 0; } };
  await waitUntil(() => read() > 0, "the counter to start");
  pause();
  expect(v1CgroupFile(pid, "freezer", "freezer.state")).toBe("FROZEN");
  const at = read();
  await new Promise((r) => setTimeout(r, 300));
  expect(read(), "the counter while paused").toBe(at);
  resume();
  expect(v1CgroupFile(pid, "freezer", "freezer.state")).toBe("THAWED");
  await waitUntil(() => read() > at, "the counter to go on after the resume");
}

// -- tmux, for the interactive flows (run -it) ------------------------------

export interface Tmux { screen: () => string; keys: (...k: string[]) => void; until: (re: RegExp, what: string) => Promise<string>; kill: () => void }

/** A tmux session running `cmd` in sh; after it ends the pane shows EXIT=<status> and stays. */
export function tmuxSession(cmd: string): Tmux {
  const name = uniqueId("e12-tmux");
  const tmux = (...args: string[]) => ok(sh("tmux", args), `tmux ${args[0]}`);
  tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "30", "sh", "-c", `${cmd}; echo "EXIT=$?"; sleep 600`);
  const screen = () => tmux("capture-pane", "-p", "-t", name);
  return {
    screen,
    keys: (...k) => void tmux("send-keys", "-t", name, ...k),
    until: async (re, what) => { await waitFor(() => re.test(screen()), 20_000, `${what}; screen:\n${screen()}`); return screen(); },
    kill: () => void sh("tmux", ["kill-session", "-t", name]),
  };
}

/** Polls an engine's view (every 100 ms, engine calls are slow) until cond() holds, or throws after 20 s. */
export async function waitUntil(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 20_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export { tmpDir };
