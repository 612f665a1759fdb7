// A private network namespace for one test, so tests that move network
// devices never touch the host's: a `sleep` started by `unshare --net` holds
// it, commands run in it through nsenter, and dropping it (killing the
// holder) frees it with every link made in it.
import { spawn, spawnSync, type ChildProcess, type SpawnSyncOptions, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { RT, tmpDir } from "./helpers.ts";

export class TestNetns {
  private constructor(readonly holder: ChildProcess, readonly path: string) {}

  /** Starts the holder and waits until it is in its own network namespace. */
  static async make(): Promise<TestNetns> {
    const own = fs.readlinkSync("/proc/self/ns/net");
    const holder = spawn("unshare", ["--net", "--", "sleep", "600"], { stdio: "ignore" });
    const path = `/proc/${holder.pid}/ns/net`;
    const end = Date.now() + 5_000;
    for (;;) {
      let ns = own;
      try {
        ns = fs.readlinkSync(path);
      } catch { /* not there yet */ }
      if (ns !== own) break;
      if (holder.exitCode !== null || Date.now() > end) {
        holder.kill("SIGKILL");
        throw new Error("unshare --net did not make a network namespace");
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    return new TestNetns(holder, path);
  }

  /** Runs argv inside the namespace (nsenter --net). */
  run(argv: string[], opts: SpawnSyncOptions = {}): SpawnSyncReturns<string> {
    return spawnSync("nsenter", [`--net=${this.path}`, "--", ...argv], { encoding: "utf8", timeout: 20_000, ...opts }) as SpawnSyncReturns<string>;
  }

  /** `ip …` inside the namespace; throws with ip's message on failure. */
  ip(...args: string[]): string {
    const r = this.run(["ip", ...args]);
    if (r.status !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr || r.error}`);
    return r.stdout;
  }

  /** The namespace's links by name (from `ip -j link`). */
  links(): Map<string, IpLink> {
    return new Map((JSON.parse(this.ip("-j", "link", "show")) as IpLink[]).map((l) => [l.ifname, l]));
  }

  /** Frees the namespace: every device in it goes (a veth with its peer). */
  async drop(): Promise<void> {
    if (this.holder.exitCode !== null || this.holder.signalCode !== null) return;
    const gone = new Promise((r) => this.holder.once("exit", r));
    this.holder.kill("SIGKILL");
    await gone;
  }
}

export interface IpLink {
  ifindex: number;
  ifname: string;
  flags: string[];
  link_netnsid?: number;
  addr_info?: { family: string; local: string; prefixlen: number; scope: string; dynamic?: boolean; metric?: number }[];
}

/** Links of the network namespace at path (`ip -j addr`), e.g. /proc/<init>/ns/net. */
export function linksAt(path: string): Map<string, IpLink> {
  const r = spawnSync("nsenter", [`--net=${path}`, "--", "ip", "-j", "addr", "show"], { encoding: "utf8", timeout: 10_000 });
  if (r.status !== 0) throw new Error(`ip addr in ${path}: ${r.stderr}`);
  return new Map((JSON.parse(r.stdout) as IpLink[]).map((l) => [l.ifname, l]));
}

/** Addresses of a link as "local/prefixlen" strings. */
export const addrsOf = (l: IpLink | undefined): string[] => (l?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);

/**
 * dist/rt inside the namespace, output to files (a created container holds
 * rt's stdout open, as rtDetached in helpers.ts explains).
 */
export function rtIn(ns: TestNetns, root: string, args: string[]): { code: number; stderr: string; out: string } {
  const dir = tmpDir("rt-out-");
  const out = path.join(dir, "stdout");
  const outFd = fs.openSync(out, "w");
  const errFd = fs.openSync(path.join(dir, "stderr"), "w");
  try {
    const r = spawnSync("nsenter", [`--net=${ns.path}`, "--", RT, "--root", root, ...args], { stdio: ["ignore", outFd, errFd], timeout: 20_000 });
    if (r.error) throw r.error;
    return { code: r.status ?? -1, stderr: fs.readFileSync(path.join(dir, "stderr"), "utf8"), out };
  } finally {
    fs.closeSync(outFd);
    fs.closeSync(errFd);
  }
}
