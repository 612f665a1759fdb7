// Read-backs for ledger rows (README "Spec coverage") that no other test
// showed: each field is set and then seen where it takes effect, inside the
// container or in the host's cgroup tree.
import { afterAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Spec } from "../../src/spec/types.ts";
import { REPO, cleanupRoot, makeBundle, rt, rtDetached, stateOf, stateRoot, testSpec, tmpDir, uniqueId, unifiedMount, waitFor } from "../helpers.ts";

const root = stateRoot();
afterAll(() => cleanupRoot(root));

function run(args: string[], edit?: (s: Spec) => void): string {
  const r = rt(root, ["run", "--bundle", makeBundle(testSpec(args, edit)), uniqueId("cov")]);
  if (r.code !== 0) throw new Error(`rt run failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** Runs `probe report` on a terminal from a console socket (as an engine does) and returns the report. */
async function reportOnTerminal(edit: (s: Spec) => void): Promise<any> {
  const dir = tmpDir();
  const sock = path.join(dir, "console.sock");
  const out = path.join(dir, "out");
  const server = spawn("python3", [path.join(REPO, "test/fixtures/console-server.py"), sock, out], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve) => server.stdout!.once("data", () => resolve()));
  const exited = new Promise<void>((resolve) => server.on("exit", () => resolve()));
  const id = uniqueId("cov");
  const r = rtDetached(root, ["create", "--console-socket", sock, "--bundle", makeBundle(testSpec(["/bin/probe", "report"], (s) => { s.process!.terminal = true; edit(s); })), id]);
  if (r.code !== 0) { server.kill(); throw new Error(`rt create failed (${r.code}): ${r.stderr}`); }
  expect(rt(root, ["start", id]).code).toBe(0);
  await exited;
  await waitFor(() => stateOf(root, id).status === "stopped", 5000);
  rt(root, ["delete", id]);
  const text = fs.readFileSync(out, "utf8");
  return JSON.parse(text.slice(text.indexOf("{")));
}

describe("fields read back where they take effect", () => {
  it("process.consoleSize sets the terminal's rows and columns", async () => {
    expect((await reportOnTerminal((s) => { s.process!.consoleSize = { height: 37, width: 101 }; })).winsize).toEqual([37, 101]);
    expect((await reportOnTerminal(() => {})).winsize).toEqual([0, 0]);
  });

  it("process.consoleSize beyond a terminal's 16 bits is refused by name; without a terminal it is ignored, as the spec says", () => {
    const big = makeBundle(testSpec(["/bin/probe", "true"], (s) => { s.process!.terminal = true; s.process!.consoleSize = { height: 24, width: 70000 }; }));
    const r = rt(root, ["validate", "--bundle", big]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("process.consoleSize.width: at most 65535");
    expect(JSON.parse(run(["/bin/probe", "report"], (s) => { s.process!.consoleSize = { height: 24, width: 70000 }; })).winsize).toBeNull();
  });

  it("makes linux.devices nodes with their type, numbers, mode and owner", () => {
    const stat = (p: string, edit: (s: Spec) => void) => JSON.parse(run(["/bin/probe", "stat", p], edit));
    const dev = (d: NonNullable<NonNullable<Spec["linux"]>["devices"]>[number]) => (s: Spec) => { s.linux!.devices = [d]; };
    const c = stat("/dev/rt-null", dev({ path: "/dev/rt-null", type: "c", major: 1, minor: 3, fileMode: 0o640, uid: 1000, gid: 1001 }));
    expect(c).toEqual({ uid: 1000, gid: 1001, mode: fs.constants.S_IFCHR | 0o640, rdev_major: 1, rdev_minor: 3 });
    const b = stat("/dev/rt-loop", dev({ path: "/dev/rt-loop", type: "b", major: 7, minor: 200, fileMode: 0o600 }));
    expect(b).toEqual({ uid: 0, gid: 0, mode: fs.constants.S_IFBLK | 0o600, rdev_major: 7, rdev_minor: 200 });
    const u = stat("/dev/rt-u", dev({ path: "/dev/rt-u", type: "u", major: 1, minor: 5, fileMode: 0o666 }));
    expect(u.mode).toBe(fs.constants.S_IFCHR | 0o666);
    const p = stat("/dev/rt-fifo", dev({ path: "/dev/rt-fifo", type: "p", fileMode: 0o620 }));
    expect(p.mode).toBe(fs.constants.S_IFIFO | 0o620);
  });

  it("places the init in linux.cgroupsPath, and delete removes that cgroup", () => {
    const id = uniqueId("cov");
    const rel = `rt-ledger-${id}`;
    const dir = path.join(unifiedMount(), rel);
    const r = rtDetached(root, ["create", "--bundle", makeBundle(testSpec(["/bin/probe", "sleep", "30"], (s) => { s.linux!.cgroupsPath = `/${rel}`; })), id]);
    expect(r.code, r.stderr).toBe(0);
    try {
      expect(fs.readFileSync(path.join(dir, "cgroup.procs"), "utf8").trim()).toBe(String(stateOf(root, id).pid));
    } finally {
      expect(rt(root, ["delete", "--force", id]).code).toBe(0);
    }
    expect(fs.existsSync(dir)).toBe(false);
  });

  it("runs in a new time namespace when linux.namespaces lists one", () => {
    const r = JSON.parse(run(["/bin/probe", "report"], (s) => { s.linux!.namespaces!.push({ type: "time" }); }));
    expect(r.ns.time).not.toBe(fs.readlinkSync("/proc/self/ns/time"));
    expect(JSON.parse(run(["/bin/probe", "report"])).ns.time).toBe(fs.readlinkSync("/proc/self/ns/time"));
  });
});
