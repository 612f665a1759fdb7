// A lost or damaged record, symlinks in and under the state root, a joined
// cgroup that holds processes rt never started, an exec fifo replaced by a
// file: rt tells the truth, removes what is the container's with
// delete --force, and never signals anything else.
import { afterAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { cleanupRoot, createWithOutput, makeBundle, rt, stateOf, stateRoot, testSpec, tmpDir, uniqueId, unifiedMount, waitFor } from "../helpers.ts";
import { alive, cgroupDirs, exeOf, leftovers, procStat, recordedInit, type Proc } from "../crash-harness.ts";

const root = stateRoot();
const bundle = makeBundle(testSpec(["/bin/probe", "sleep", "100"]));
let damagedCases = 0;
afterAll(() => {
  cleanupRoot(root);
  console.log(`state-damage: ${damagedCases} damaged records cleared by delete --force, nothing left behind`);
});

function created(): { id: string; init: Proc[] } {
  const id = uniqueId("r1x");
  const r = createWithOutput(root, id, bundle).result;
  expect(r.code, r.stderr).toBe(0);
  return { id, init: recordedInit(root, id) };
}

/** rmdir that waits for a cgroup's last processes to be gone. */
async function rmCgroup(dir: string): Promise<void> {
  await waitFor(() => {
    try { fs.rmdirSync(dir); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === "ENOENT"; }
  }, 5000, `rmdir ${dir}`);
}

/** Moves the outsider back to the top cgroup and kills it. */
function endForeign(p: Proc | null): void {
  if (!p) return;
  try { fs.writeFileSync(path.join(unifiedMount(), "cgroup.procs"), String(p.pid)); } catch { /* gone */ }
  try { process.kill(p.pid, "SIGKILL"); } catch { /* gone */ }
}

/** A process that is not the container's, placed in cgroup dir; ended by the caller (endForeign). */
function foreignIn(dir: string): Proc {
  const child = spawn("sleep", ["100"], { stdio: "ignore", detached: true });
  child.unref();
  fs.writeFileSync(path.join(dir, "cgroup.procs"), String(child.pid));
  return { pid: child.pid!, start: procStat(child.pid!)!.start };
}

describe("a lost or damaged state.json", () => {
  const damage: [string, (file: string, rec: Record<string, unknown>) => void][] = [
    ["truncated", (f) => fs.truncateSync(f, 17)],
    ["invalid JSON", (f) => fs.writeFileSync(f, "{not json")],
    ["removed", (f) => fs.unlinkSync(f)],
    ["null", (f) => fs.writeFileSync(f, "null")],
    ["{}", (f) => fs.writeFileSync(f, "{}")],
    ["mistyped (pid a string)", (f, rec) => fs.writeFileSync(f, JSON.stringify({ ...rec, pid: "1" }))],
    ["mistyped (cgroupCreated not a list)", (f, rec) => fs.writeFileSync(f, JSON.stringify({ ...rec, cgroupCreated: "x" }))],
    ["another container's id", (f, rec) => fs.writeFileSync(f, JSON.stringify({ ...rec, id: "someone-else" }))],
    ["a symlink to a valid record", (f) => { const copy = path.join(tmpDir(), "state.json"); fs.copyFileSync(f, copy); fs.rmSync(f); fs.symlinkSync(copy, f); }],
  ];
  for (const [what, spoil] of damage) {
    it(`${what}: state, kill, start and plain delete fail naming the damage; list shows it and the rest; delete --force leaves nothing`, () => {
      const healthy = created();
      const { id, init } = created();
      const file = path.join(root, id, "state.json");
      spoil(file, JSON.parse(fs.readFileSync(file, "utf8")));
      for (const args of [["state", id], ["kill", id, "TERM"], ["start", id], ["delete", id]]) {
        const r = rt(root, args);
        expect(r.code, args.join(" ")).toBe(1);
        expect(r.stderr, args.join(" ")).toMatch(new RegExp(`^rt: .*"${id}".*damaged.*\\n$`));
      }
      const list = rt(root, ["list", "--format", "json"]);
      expect(list.code, list.stderr).toBe(0);
      const entries = JSON.parse(list.stdout) as { id: string; status: string; error?: string }[];
      expect(entries.find((e) => e.id === id)).toMatchObject({ status: "damaged", error: expect.any(String) });
      expect(entries.find((e) => e.id === healthy.id)).toMatchObject({ status: "created", pid: healthy.init[0].pid });
      expect(rt(root, ["list"]).stdout).toMatch(new RegExp(`^${id}\\s+-\\s+damaged\\s`, "m"));
      expect(alive(init[0]), "nothing was signalled yet").toBe(true);
      const del = rt(root, ["delete", "--force", id]);
      expect(del.code, del.stderr).toBe(0);
      damagedCases++;
      expect(leftovers(root, id, init)).toEqual([]);
      expect(alive(healthy.init[0]), "the other container is untouched").toBe(true);
      expect(rt(root, ["delete", "--force", healthy.id]).code).toBe(0);
    });
  }

  it("state.json and the anchor both lost: delete --force removes the state dir and says what it could not find", async () => {
    const { id, init } = created();
    fs.unlinkSync(path.join(root, id, "state.json"));
    fs.unlinkSync(path.join(root, id, "cgroups.json"));
    const del = rt(root, ["delete", "--force", id]);
    expect(del.code, del.stderr).toBe(0);
    expect(del.stderr).toMatch(/no record of its cgroups is left/);
    expect(fs.existsSync(path.join(root, id))).toBe(false);
    // Unreachable for rt now: the test removes it.
    process.kill(init[0].pid, "SIGKILL");
    for (const d of cgroupDirs(id)) await rmCgroup(d);
  });
});

describe("the state root and symlinks", () => {
  it("a symlinked --root is refused by every command alike, and nothing is made through it", () => {
    const real = stateRoot();
    const link = path.join(tmpDir(), "root-link");
    fs.symlinkSync(real, link);
    const id = uniqueId("r1l");
    const cmds = [["create", "--bundle", bundle, id], ["state", id], ["kill", id, "KILL"], ["start", id], ["delete", "--force", id], ["list"]];
    for (const args of cmds) {
      const r = rt(link, args);
      expect(r.code, args[0]).toBe(1);
      expect(r.stderr, args[0]).toBe(`rt: state root ${link} is a symlink: give the directory itself (rt never follows the state root through a symlink)\n`);
    }
    expect(fs.readdirSync(real)).toEqual([]);
    for (const d of cgroupDirs(id)) expect(fs.existsSync(d)).toBe(false);
  });

  it("a symlink in a parent of --root is refused by every command alike", () => {
    const base = tmpDir();
    fs.mkdirSync(path.join(base, "real"));
    fs.symlinkSync(path.join(base, "real"), path.join(base, "via"));
    const viaRoot = path.join(base, "via", "root");
    fs.mkdirSync(viaRoot);
    const id = uniqueId("r1l");
    for (const args of [["create", "--bundle", bundle, id], ["state", id], ["delete", "--force", id], ["list"]]) {
      const r = rt(viaRoot, args);
      expect(r.code, args[0]).toBe(1);
      expect(r.stderr, args[0]).toBe(`rt: state root ${viaRoot} is reached through a symlink (it is ${path.join(base, "real", "root")}): give that path (rt never follows the state root through a symlink)\n`);
    }
    expect(fs.readdirSync(path.join(base, "real", "root"))).toEqual([]);
  });

  it("a state dir that is a symlink to another container's: delete --force unlinks it and kills nothing", () => {
    const other = created();
    const id = uniqueId("r1l");
    fs.symlinkSync(path.join(root, other.id), path.join(root, id));
    expect(rt(root, ["state", id]).stderr).toMatch(/is a symlink, not a state directory/);
    expect(rt(root, ["kill", id, "KILL"]).code).toBe(1);
    const del = rt(root, ["delete", "--force", id]);
    expect(del.code, del.stderr).toBe(0);
    expect(fs.existsSync(path.join(root, id))).toBe(false);
    expect(alive(other.init[0])).toBe(true);
    expect(stateOf(root, other.id).status).toBe("created");
    expect(rt(root, ["delete", "--force", other.id]).code).toBe(0);
  });
});

describe("processes rt never started are never signalled", () => {
  it("a cgroupsPath naming a populated cgroup is refused at create, and its processes live on", async () => {
    const name = uniqueId("r1-pop");
    const dir = path.join(unifiedMount(), name);
    fs.mkdirSync(dir);
    const foreign = foreignIn(dir);
    try {
      const id = uniqueId("r1p");
      const r = createWithOutput(root, id, makeBundle(testSpec(["/bin/probe", "sleep", "100"], (s) => { s.linux!.cgroupsPath = `/${name}`; }))).result;
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`rt: linux.cgroupsPath: ${dir} already holds processes (${foreign.pid}): rt joins only an empty or a new cgroup\n`);
      expect(alive(foreign)).toBe(true);
      expect(fs.existsSync(path.join(root, id))).toBe(false);
    } finally {
      endForeign(foreign);
      await rmCgroup(dir);
    }
  });

  for (const how of ["delete", "delete --force", "failed create"] as const) {
    it(`a joined (existing) cgroup: ${how} kills the container's init, never a process that joined the cgroup from outside`, async () => {
      const name = uniqueId("r1-join");
      const dir = path.join(unifiedMount(), name);
      fs.mkdirSync(dir);
      let foreign: Proc | null = null;
      try {
        const id = uniqueId("r1p");
        // A failed create: the program does not exist, found only at WAIT_START, after the init joined the cgroup.
        const args = how === "failed create" ? ["/no/such/program"] : ["/bin/probe", "sleep", "100"];
        const b = makeBundle(testSpec(args, (s) => { s.linux!.cgroupsPath = `/${name}`; }));
        if (how === "failed create") {
          // The outsider joins while create runs: stopped after the init's pid is recorded.
          const { reaped } = await import("../crash-harness.ts");
          const r = await reaped(root, ["create", "--bundle", b, id], { RT_TEST_CRASH_AT: "create:pid-recorded", RT_TEST_CRASH_KILL: "stop" }, () => { foreign = foreignIn(dir); });
          expect(r.code).toBe(1);
          expect(r.stderr).toMatch(/^rt: process.args: exec \/no\/such\/program: No such file or directory\n$/);
          expect(fs.existsSync(path.join(root, id))).toBe(false);
          expect(r.left.filter(alive)).toEqual([]);
        } else {
          expect(createWithOutput(root, id, b).result.code).toBe(0);
          const init = recordedInit(root, id);
          foreign = foreignIn(dir);
          if (how === "delete") {
            process.kill(init[0].pid, "SIGKILL");
            await waitFor(() => stateOf(root, id).status === "stopped", 5000, "stopped");
          }
          const del = rt(root, how === "delete" ? ["delete", id] : ["delete", "--force", id]);
          expect(del.code, del.stderr).toBe(0);
          expect(alive(init[0])).toBe(false);
          expect(fs.existsSync(dir), "a cgroup rt did not make stays").toBe(true);
        }
        expect(foreign && alive(foreign), "the outsider lives").toBe(true);
      } finally {
        endForeign(foreign);
        await rmCgroup(dir);
      }
    });
  }
});

it("kill --all in a joined (existing) cgroup signals the init only, with a warning, never an outsider there", async () => {
  const name = uniqueId("r1-join");
  const dir = path.join(unifiedMount(), name);
  fs.mkdirSync(dir);
  let foreign: Proc | null = null;
  try {
    const id = uniqueId("r1p");
    expect(createWithOutput(root, id, makeBundle(testSpec(["/bin/probe", "sleep", "100"], (s) => { s.linux!.cgroupsPath = `/${name}`; }))).result.code).toBe(0);
    const init = recordedInit(root, id);
    foreign = foreignIn(dir);
    const r = rt(root, ["kill", "--all", id, "KILL"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: kill --all: .* was not created by rt .*only the container's init is signalled/);
    await waitFor(() => !alive(init[0]), 5000, "the init to die");
    expect(alive(foreign)).toBe(true);
    expect(rt(root, ["delete", id]).code).toBe(0);
  } finally {
    endForeign(foreign);
    await rmCgroup(dir);
  }
});

it("a parent cgroup rt made for one container and shared by a second: deleting the first leaves it to the second, without failing", async () => {
  const top = uniqueId("r1-share");
  const [a, b] = [uniqueId("r1p"), uniqueId("r1p")];
  for (const [id, leaf] of [[a, "a"], [b, "b"]]) {
    expect(createWithOutput(root, id, makeBundle(testSpec(["/bin/probe", "sleep", "100"], (s) => { s.linux!.cgroupsPath = `/${top}/${leaf}`; }))).result.code).toBe(0);
  }
  const initB = recordedInit(root, b);
  const del = rt(root, ["delete", "--force", a]);
  expect(del.code, del.stderr).toBe(0);
  expect(fs.existsSync(path.join(unifiedMount(), top, "a"))).toBe(false);
  expect(fs.existsSync(path.join(unifiedMount(), top, "b"))).toBe(true);
  expect(alive(initB[0])).toBe(true);
  expect(rt(root, ["delete", "--force", b]).code).toBe(0);
  expect(fs.existsSync(path.join(unifiedMount(), top, "b"))).toBe(false);
  // Made by a's create, busy at a's delete, not b's to remove: the test does.
  for (const m of [unifiedMount(), "/sys/fs/cgroup/devices"]) await rmCgroup(path.join(m, top));
});

describe("the exec fifo", () => {
  it("replaced by a regular file: start fails naming it, state stays created, the program never runs", () => {
    const { id, init } = created();
    const fifo = path.join(root, id, "exec.fifo");
    fs.rmSync(fifo);
    fs.writeFileSync(fifo, "");
    const r = rt(root, ["start", id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`rt: cannot start container "${id}": ${fifo} is not the exec fifo any more (not a named pipe): the init cannot be reached\n`);
    expect(stateOf(root, id).status).toBe("created");
    expect(exeOf(init[0].pid)).toMatch(/^\/memfd:rt-exec/);
    expect(rt(root, ["delete", "--force", id]).code).toBe(0);
    expect(leftovers(root, id, init)).toEqual([]);
  });

  it("start records the release (exec.fifo renamed exec.fifo.started): state says running at once, before the program's execve", () => {
    for (let i = 0; i < 10; i++) {
      const { id } = created();
      expect(rt(root, ["start", id]).code).toBe(0);
      expect(fs.existsSync(path.join(root, id, "exec.fifo.started"))).toBe(true);
      expect(stateOf(root, id).status).toBe("running");
      expect(rt(root, ["delete", "--force", id]).code).toBe(0);
    }
  });

  it("removed: state still says created while the init waits (it is read from the init, not the path)", () => {
    const { id, init } = created();
    fs.rmSync(path.join(root, id, "exec.fifo"));
    expect(stateOf(root, id).status).toBe("created");
    expect(rt(root, ["start", id]).code).toBe(1);
    expect(rt(root, ["delete", "--force", id]).code).toBe(0);
    expect(leftovers(root, id, init)).toEqual([]);
  });
});
