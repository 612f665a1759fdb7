// Fault injection at every named step of create, start and delete
// (src/container/crash-point.ts): rt killed there (kill -9), or the init or
// the executor killed there, or the state root's filesystem filled there so
// that rt's next write fails with ENOSPC. After each, `rt state` must tell
// the truth and `rt delete --force` must leave nothing: no state dir, no
// cgroup dir (unified or any v1 hierarchy), no process. The cases run are counted.
import { afterAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { CRASH_STEPS } from "../../src/container/crash-point.ts";
import { cleanupRoot, createWithOutput, makeBundle, rt, stateOf, stateRoot, testSpec, tmpDir, uniqueId, waitFor } from "../helpers.ts";
import { alive, expectStateTruth, placeCgroup, reaped, recordedInit, settledLeftovers, type Proc } from "../crash-harness.ts";

const root = stateRoot();
const bundle = makeBundle(testSpec(["/bin/probe", "sleep", "100"]));
const counts = { "kill -9 rt": 0, "kill -9 init": 0, "kill -9 executor": 0, ENOSPC: 0, "delete --force racing create": 0 };
afterAll(() => {
  cleanupRoot(root);
  console.log(`crash-safety: ${Object.entries(counts).map(([k, v]) => `${v} × ${k}`).join(", ")}; ${Object.values(counts).reduce((a, b) => a + b, 0)} fault cases, nothing left behind`);
});

/** The end of every case: state is true, delete --force succeeds (when there is a container) and leaves nothing. */
async function expectCleanAfter(id: string, procs: Proc[], r: { code: number; stderr: string }): Promise<string> {
  const all = [...procs, ...recordedInit(root, id)];
  const status = expectStateTruth(root, id, all);
  const del = rt(root, ["delete", "--force", id]);
  if (status !== "absent") expect(del.code, del.stderr).toBe(0);
  expect(await settledLeftovers(root, id, all), `after ${JSON.stringify(r)}`).toEqual([]);
  return status;
}

// Each create case runs twice: with rt's default cgroup (rt-<id> under the
// caller's), and with an absolute linux.cgroupsPath two levels deep, both new.
const placements = ["default cgroup", "nested cgroupsPath"] as const;
function bundleFor(id: string, where: (typeof placements)[number]): string {
  if (where === "default cgroup") return bundle;
  const p = `/r1-nest-${id}/c`;
  placeCgroup(id, p);
  return makeBundle(testSpec(["/bin/probe", "sleep", "100"], (s) => { s.linux!.cgroupsPath = p; }));
}

describe("kill -9 of rt, the init or the executor at every step of create", () => {
  const pidSteps = new Set(["pid-reported", "pid-recorded", "ready", "record-final"]);
  for (const where of placements) {
    for (const step of CRASH_STEPS.create) {
      it(`rt killed at create:${step} (${where}): state is true, delete --force leaves nothing`, async () => {
        const id = uniqueId("r1c");
        const r = await reaped(root, ["create", "--bundle", bundleFor(id, where), id], { RT_TEST_CRASH_AT: `create:${step}` });
        expect(r.code, r.stderr).toBe(-9);
        counts["kill -9 rt"]++;
        expect(fs.existsSync(path.join(root, id)), "the claim is atomic: a dir from the first step on").toBe(true);
        await expectCleanAfter(id, r.left, r);
      });
      if (!pidSteps.has(step)) continue;
      for (const who of ["init", "executor"] as const) {
        it(`the ${who} killed at create:${step} (${where}): create fails or the container is stopped, and nothing is left`, async () => {
          const id = uniqueId("r1c");
          const r = await reaped(root, ["create", "--bundle", bundleFor(id, where), id], { RT_TEST_CRASH_AT: `create:${step}`, RT_TEST_CRASH_KILL: who });
          counts[`kill -9 ${who}`]++;
          if (r.code !== 0) {
            expect(r.code, r.stderr).toBe(1);
            expect(r.stderr.trim().split("\n"), "one-line error").toHaveLength(1);
            expect(fs.existsSync(path.join(root, id)), "a failed create leaves no state dir").toBe(false);
          }
          const status = await expectCleanAfter(id, r.left, r);
          if (r.code === 0) expect(["stopped", "created"]).toContain(status);
        });
      }
    }
  }
});

describe("delete --force while a create is under way", () => {
  for (const step of CRASH_STEPS.create.slice(0, -1)) {
    it(`at create:${step}: delete --force ends the create (its rt included) and leaves nothing`, async () => {
      const id = uniqueId("r1r");
      let del = { code: -1, stderr: "" };
      const r = await reaped(root, ["create", "--bundle", bundle, id], { RT_TEST_CRASH_AT: `create:${step}`, RT_TEST_CRASH_KILL: "stop" }, () => {
        expect(rt(root, ["state", id]).stdout).toMatch(/"status": "creating"/);
        del = rt(root, ["delete", "--force", id]);
      });
      counts["delete --force racing create"]++;
      expect(del.code, del.stderr).toBe(0);
      expect(r.code, "the creating rt was killed").toBe(-9);
      expect(await settledLeftovers(root, id, [...r.left])).toEqual([]);
    });
  }
});

describe("kill -9 at every step of start and delete", () => {
  for (const step of CRASH_STEPS.start) {
    it(`rt killed at start:${step}: state is true, delete --force leaves nothing`, async () => {
      const id = uniqueId("r1s");
      expect(createWithOutput(root, id, bundle).result.code).toBe(0);
      const init = recordedInit(root, id);
      const r = await reaped(root, ["start", id], { RT_TEST_CRASH_AT: `start:${step}` });
      expect(r.code, r.stderr).toBe(-9);
      counts["kill -9 rt"]++;
      // Before the fifo write the init still waits; after it, it runs (once
      // it has reached execve), whatever the fifo's path says.
      if (step === "fifo-written") await waitFor(() => stateOf(root, id).status === "running", 5000, "running");
      expect(expectStateTruth(root, id, init)).toBe(step === "checked" ? "created" : "running");
      await expectCleanAfter(id, init, r);
    });
  }

  for (const step of CRASH_STEPS.start) {
    it(`the init killed at start:${step}: start fails or the program was let go, state says stopped, delete --force leaves nothing`, async () => {
      const id = uniqueId("r1s");
      expect(createWithOutput(root, id, bundle).result.code).toBe(0);
      const init = recordedInit(root, id);
      const r = await reaped(root, ["start", id], { RT_TEST_CRASH_AT: `start:${step}`, RT_TEST_CRASH_KILL: "init" });
      counts["kill -9 init"]++;
      // Killed before the write, nobody reads the fifo any more (ENXIO); after it, start has done its part.
      if (step === "checked") {
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/^rt: cannot start container ".*": .*\(ENXIO\)\n$/);
      } else expect(r.code, r.stderr).toBe(0);
      await waitFor(() => !alive(init[0]), 5000, "the init to die");
      expect(expectStateTruth(root, id, init)).toBe("stopped");
      await expectCleanAfter(id, init, r);
    });
  }

  it("the init killed before start: start fails, state says stopped, delete --force leaves nothing", async () => {
    const id = uniqueId("r1s");
    expect(createWithOutput(root, id, bundle).result.code).toBe(0);
    const init = recordedInit(root, id);
    process.kill(init[0].pid, "SIGKILL");
    await waitFor(() => !alive(init[0]), 5000, "the init to die");
    counts["kill -9 init"]++;
    expect(rt(root, ["start", id]).code).not.toBe(0);
    expect(expectStateTruth(root, id, init)).toBe("stopped");
    await expectCleanAfter(id, init, { code: 0, stderr: "" });
  });

  for (const started of [false, true]) {
    for (const step of CRASH_STEPS.delete) {
      it(`rt killed at delete:${step} of a ${started ? "running" : "created"} container: state is true, a second delete --force leaves nothing`, async () => {
        const id = uniqueId("r1d");
        expect(createWithOutput(root, id, bundle).result.code).toBe(0);
        if (started) expect(rt(root, ["start", id]).code).toBe(0);
        const init = recordedInit(root, id);
        const r = await reaped(root, ["delete", "--force", id], { RT_TEST_CRASH_AT: `delete:${step}` });
        expect(r.code, r.stderr).toBe(-9);
        counts["kill -9 rt"]++;
        const status = await expectCleanAfter(id, init, r);
        if (step !== "read") expect(status).toBe("stopped");
      });
    }
    it(`the init killed as delete --force of a ${started ? "running" : "created"} container has read its record: delete succeeds and leaves nothing`, async () => {
      const id = uniqueId("r1d");
      expect(createWithOutput(root, id, bundle).result.code).toBe(0);
      if (started) expect(rt(root, ["start", id]).code).toBe(0);
      const init = recordedInit(root, id);
      const r = await reaped(root, ["delete", "--force", id], { RT_TEST_CRASH_AT: "delete:read", RT_TEST_CRASH_KILL: "init" });
      counts["kill -9 init"]++;
      expect(r.code, r.stderr).toBe(0);
      expect(await settledLeftovers(root, id, init)).toEqual([]);
    });
  }
});

describe("a full state root (ENOSPC) at every write of create", () => {
  let mnt = "";
  let fsRoot = "";
  const mountSmall = () => {
    mnt = tmpDir("rt-r1-tmpfs-");
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", mnt]);
    fsRoot = path.join(mnt, "root");
  };
  const fill = () => {
    const fd = fs.openSync(path.join(mnt, "filler"), "w");
    const chunk = Buffer.alloc(4096, 1);
    try { for (;;) fs.writeSync(fd, chunk); } catch (e) { expect((e as NodeJS.ErrnoException).code).toBe("ENOSPC"); } finally { fs.closeSync(fd); }
  };
  const unfill = () => fs.rmSync(path.join(mnt, "filler"), { force: true });
  afterAll(() => {
    if (!mnt) return;
    cleanupRoot(fsRoot);
    execFileSync("umount", [mnt]);
    fs.rmdirSync(mnt);
  });

  it("a root already full: create fails naming state.json's write and ENOSPC, and leaves nothing", async () => {
    mountSmall();
    fs.mkdirSync(fsRoot, { mode: 0o700 });
    fill();
    const id = uniqueId("r1n");
    try {
      const r = await reaped(fsRoot, ["create", "--bundle", bundle, id], {});
      counts.ENOSPC++;
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^rt: .*state\.json.*\(ENOSPC\)\n$/);
      expect(await settledLeftovers(fsRoot, id, r.left)).toEqual([]);
    } finally { unfill(); }
  });

  // Stopped at each step, the disk is filled under rt: its next write of the record fails.
  for (const step of ["claimed", "cgroup-made", "v1-devices-made", "v1-made", "pid-reported", "ready"]) {
    it(`the root fills at create:${step}: the next write fails with ENOSPC, create undoes everything`, async () => {
      const id = uniqueId("r1n");
      try {
        const r = await reaped(fsRoot, ["create", "--bundle", bundle, id], { RT_TEST_CRASH_AT: `create:${step}`, RT_TEST_CRASH_KILL: "stop" }, fill);
        counts.ENOSPC++;
        expect(r.code, r.stderr).toBe(1);
        expect(r.stderr).toMatch(/^rt: .*state\.json.*\(ENOSPC\)\n$/);
        expect(await settledLeftovers(fsRoot, id, r.left)).toEqual([]);
      } finally { unfill(); }
    });
  }
});

it("every fault case ran", () => {
  expect(counts["kill -9 rt"]).toBe(2 * CRASH_STEPS.create.length + CRASH_STEPS.start.length + 2 * CRASH_STEPS.delete.length);
  expect(counts["kill -9 init"]).toBe(2 * 4 + CRASH_STEPS.start.length + 1 + 2);
  expect(counts["kill -9 executor"]).toBe(2 * 4);
  expect(counts.ENOSPC).toBe(7);
  expect(counts["delete --force racing create"]).toBe(CRASH_STEPS.create.length - 1);
});
