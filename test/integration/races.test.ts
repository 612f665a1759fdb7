// Races (issue 9): rt processes against each other on one container id, and
// hundreds of containers at once, each followed by a leak check (state dirs,
// cgroups in the unified and the v1 devices hierarchies, processes, mounts).
// Each test prints what it ran and what was left behind.
import { afterAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { RT, cleanupRoot, makeBundle, rt, stateRoot, testSpec, tmpDir, uniqueId, unifiedMount } from "../helpers.ts";

const root = stateRoot();
afterAll(() => cleanupRoot(root));

interface Outcome { code: number; stderr: string; signal?: string | null }

/** rt as a child process, concurrently with others; output to files (a container keeps its stdio). */
function rtAsync(args: string[]): Promise<Outcome> {
  const dir = tmpDir("rt-race-out-");
  const errFile = path.join(dir, "stderr");
  const out = fs.openSync(path.join(dir, "stdout"), "w");
  const err = fs.openSync(errFile, "w");
  return new Promise((resolve) => {
    const p = spawn(RT, ["--root", root, ...args], { stdio: ["ignore", out, err] });
    fs.closeSync(out);
    fs.closeSync(err);
    p.on("exit", (code, signal) => {
      const stderr = fs.readFileSync(errFile, "utf8");
      fs.rmSync(dir, { recursive: true, force: true });
      resolve({ code: code ?? 128 + (signal ? 9 : 0), stderr, signal });
    });
  });
}

/** Runs jobs with at most `width` at a time. */
async function pool<T>(jobs: (() => Promise<T>)[], width: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  }));
  return results;
}

/** A failure is fine in a race, but only as one line naming the container, never an internal error. */
function expectCleanFailure(r: Outcome, what: string) {
  if (r.code === 0) return;
  // `delete --force` of a container still being created kills the creating rt
  // (src/container/delete.ts), so that it cannot go on making cgroups after
  // the delete is done: that create has no answer to give. What it left is
  // what the leak check below looks for.
  if (what.startsWith("create ") && r.signal === "SIGKILL") return;
  expect(r.stderr, what).toMatch(/^rt: [^\n]+\n$/);
  expect(r.stderr, what).not.toMatch(/internal error|    at /);
}

const DEVICES_V1 = "/sys/fs/cgroup/devices";

/** Everything of these ids that could be left on the host. */
function leftovers(ids: string[]): string[] {
  const left: string[] = [];
  const names = new Set(ids.map((id) => `rt-${id}`));
  for (const id of ids) {
    if (fs.existsSync(path.join(root, id))) left.push(`state dir ${id}`);
    if (fs.existsSync(path.join(unifiedMount(), `rt-${id}`))) left.push(`unified cgroup rt-${id}`);
    if (fs.existsSync(path.join(DEVICES_V1, `rt-${id}`))) left.push(`devices cgroup rt-${id}`);
  }
  for (const p of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    let cg = "";
    try { cg = fs.readFileSync(`/proc/${p}/cgroup`, "utf8"); } catch { continue; }
    const line = cg.split("\n").find((l) => names.has(path.basename(l.slice(l.indexOf(":", l.indexOf(":") + 1) + 1))));
    if (line) left.push(`process ${p} in ${line}`);
  }
  const mounts = fs.readFileSync("/proc/self/mountinfo", "utf8");
  for (const id of ids) if (mounts.includes(id)) left.push(`mount naming ${id}`);
  if (mounts.includes(root)) left.push(`mount under ${root}`);
  return left;
}

const sleeper = () => makeBundle(testSpec(["/bin/probe", "sleep", "100"]));

describe("races", () => {
  it("concurrent creates of one id: exactly one wins, the others are refused by name, nothing leaks", async () => {
    const ROUNDS = 10, WIDTH = 6;
    const bundle = sleeper();
    const ids: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const id = uniqueId("c");
      ids.push(id);
      const results = await Promise.all(Array.from({ length: WIDTH }, () => rtAsync(["create", "--bundle", bundle, id])));
      expect(results.filter((r) => r.code === 0).length, results.map((r) => r.stderr).join("")).toBe(1);
      for (const r of results.filter((x) => x.code !== 0)) expect(r.stderr).toBe(`rt: container "${id}" already exists\n`);
      expect(JSON.parse(rt(root, ["state", id]).stdout).status).toBe("created");
      // The leak check sees a live container: each kind of trace it looks for.
      if (round === 0) expect(leftovers([id]).map((l) => l.split(" ")[0] + " " + l.split(" ")[1]).sort()).toEqual(["devices cgroup", "process " + JSON.parse(rt(root, ["state", id]).stdout).pid, "state dir", "unified cgroup"].sort());
      expect(rt(root, ["delete", "--force", id]).code).toBe(0);
    }
    const left = leftovers(ids);
    console.log(`same-id creates: ${ROUNDS} rounds of ${WIDTH}, ${ROUNDS} winners, ${left.length} left behind`);
    expect(left).toEqual([]);
  }, 120_000);

  it("create, start, kill, state, delete and delete --force against each other on one container: clean answers, nothing leaks", async () => {
    const ROUNDS = 40;
    const bundle = sleeper();
    const ids: string[] = [];
    let ops = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const id = uniqueId("k");
      ids.push(id);
      // Even rounds race a created container; odd ones its create as well.
      if (round % 2 === 0) {
        const c = await rtAsync(["create", "--bundle", bundle, id]);
        expect(c.code, c.stderr).toBe(0);
      }
      // A different interleaving each round: the order they are spawned in turns.
      const cmds = [...(round % 2 ? [["create", "--bundle", bundle, id]] : []), ["start", id], ["kill", id, "KILL"], ["state", id], ["delete", id], ["delete", "--force", id], ["kill", "--all", id, "TERM"], ["state", id]];
      const turned = cmds.map((_, i) => cmds[(i + round) % cmds.length]);
      const results = await Promise.all(turned.map((a) => rtAsync(a)));
      ops += results.length;
      results.forEach((r, i) => expectCleanFailure(r, turned[i].join(" ")));
      // The delete --force that ran wins in the end: the container is gone, or
      // (if it ran before a start) a second one removes it.
      const after = rt(root, ["delete", "--force", id]);
      expectCleanFailure(after, "final delete --force");
      expect(fs.existsSync(path.join(root, id))).toBe(false);
    }
    // Processes exit asynchronously after SIGKILL: their cgroup is what rt removed.
    const left = leftovers(ids);
    console.log(`lifecycle races: ${ROUNDS} containers, ${ops} concurrent commands, ${left.length} left behind`);
    expect(left).toEqual([]);
  }, 120_000);

  it("300 containers created, started, listed and deleted in parallel: all of them, nothing leaks", async () => {
    const N = 300, WIDTH = 12;
    const bundle = sleeper();
    const ids = Array.from({ length: N }, () => uniqueId("p"));
    const created = await pool(ids.map((id) => () => rtAsync(["create", "--bundle", bundle, id])), WIDTH);
    created.forEach((r, i) => expect(r.code, `${ids[i]}: ${r.stderr}`).toBe(0));
    const started = await pool(ids.map((id) => () => rtAsync(["start", id])), WIDTH);
    started.forEach((r, i) => expect(r.code, `${ids[i]}: ${r.stderr}`).toBe(0));
    const list = JSON.parse(rt(root, ["list", "--format", "json"]).stdout) as { id: string; status: string }[];
    const mine = list.filter((s) => ids.includes(s.id));
    expect(mine.length).toBe(N);
    expect(mine.every((s) => s.status === "running")).toBe(true);
    const deleted = await pool(ids.map((id) => () => rtAsync(["delete", "--force", id])), WIDTH);
    deleted.forEach((r, i) => expect(r.code, `${ids[i]}: ${r.stderr}`).toBe(0));
    const left = leftovers(ids);
    console.log(`parallel: ${N} containers (${WIDTH} rt processes at a time), ${left.length} left behind`);
    expect(left).toEqual([]);
  }, 120_000);
});
