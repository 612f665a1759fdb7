// Each class of bad input: a message that names the field or argument, a
// non-zero exit, and nothing left behind (no state dir, no cgroup, no process).
import { afterAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import { cleanupRoot, makeBundle, rt, rtDetached, processesInCgroupsNamed, stateRoot, testSpec, tmpDir, uniqueId, unifiedMount } from "../helpers.ts";

const root = stateRoot();
afterAll(() => cleanupRoot(root));

function expectFailureLeavesNothing(args: string[], id: string, message: string | RegExp, env?: NodeJS.ProcessEnv) {
  // Output to files: if create wrongly succeeded, its container would hold a pipe open.
  const r = rtDetached(root, args, env ? { env: { ...process.env, ...env } } : {});
  expect(r.code).not.toBe(0);
  if (typeof message === "string") expect(r.stderr).toContain(message);
  else expect(r.stderr).toMatch(message);
  expect(fs.existsSync(path.join(root, id)), "state dir left behind").toBe(false);
  expect(fs.existsSync(path.join(unifiedMount(), `rt-${id}`)), "cgroup left behind").toBe(false);
  expect(processesInCgroupsNamed(id), "process left behind").toEqual([]);
}

describe("bad input", () => {
  it("an executor that cannot run is named, with the errno, and nothing is left", () => {
    const id = uniqueId();
    const notExecutable = path.join(tmpDir(), "rt-exec");
    fs.writeFileSync(notExecutable, "not a program", { mode: 0o644 });
    expectFailureLeavesNothing(["create", "--bundle", makeBundle(testSpec(["/bin/probe", "true"])), id], id,
      `running the executor ${notExecutable}: spawn ${notExecutable}: permission denied (EACCES)`, { RT_EXEC: notExecutable });
  });

  it("invalid JSON", () => {
    const id = uniqueId();
    expectFailureLeavesNothing(["create", "--bundle", makeBundle("{ not json"), id], id, /config\.json: invalid JSON/);
  });

  it("JSON nested too deeply for the engine is refused as such, with where, not a crash", () => {
    const id = uniqueId();
    const deep = `{"annotations": ${"[".repeat(200_000)}${"]".repeat(200_000)}}`;
    expectFailureLeavesNothing(["create", "--bundle", makeBundle(deep), id], id, "config.json: nests too deeply: more than 64 levels of arrays and objects at line 1, column 80");
  });

  it("schema violation names the JSON path", () => {
    const id = uniqueId();
    const bundle = makeBundle(testSpec(["/bin/probe", "true"], (s) => { (s.process as any).user.uid = "root"; }));
    expectFailureLeavesNothing(["create", "--bundle", bundle, id], id, /process\.user\.uid/);
  });

  it("semantic violation names the field", () => {
    const id = uniqueId();
    const bundle = makeBundle(testSpec(["/bin/probe", "true"], (s) => { s.process!.rlimits = [{ type: "RLIMIT_FOO", soft: 1, hard: 1 }]; }));
    expectFailureLeavesNothing(["create", "--bundle", bundle, id], id, /process\.rlimits\[0\]\.type/);
  });

  it("relative mount destination is refused by name", () => {
    const id = uniqueId();
    const bundle = makeBundle(testSpec(["/bin/probe", "true"], (s) => { s.mounts!.push({ destination: "relative/dir", type: "tmpfs", source: "tmpfs" }); }));
    expectFailureLeavesNothing(["create", "--bundle", bundle, id], id, /mounts\[\d+\]\.destination/);
  });

  it("missing rootfs", () => {
    const id = uniqueId();
    const bundle = makeBundle(testSpec(["/bin/probe", "true"], (s) => { s.root = { path: "no-such-rootfs" }; }));
    expectFailureLeavesNothing(["create", "--bundle", bundle, id], id, /root\.path: .*no-such-rootfs/);
  });

  it("missing bundle directory", () => {
    const id = uniqueId();
    expectFailureLeavesNothing(["create", "--bundle", "/nonexistent/bundle", id], id, /cannot read config\.json/);
  });

  it("bad ids", () => {
    const bundle = makeBundle(testSpec(["/bin/probe", "true"]));
    for (const id of ["../escape", "a/b", ".."]) {
      const r = rt(root, ["create", "--bundle", bundle, id]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("invalid container id");
    }
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it("unknown signal", () => {
    const r = rt(root, ["kill", "some-id", "SIGNOPE"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('unknown signal "SIGNOPE"');
  });

  it("unknown flags, global and per command", () => {
    const g = rt(root, ["--nope", "state", "x"]);
    expect(g.code).not.toBe(0);
    expect(g.stderr).toContain("unknown global option --nope");
    const c = rt(root, ["delete", "--nope", "x"]);
    expect(c.code).not.toBe(0);
    expect(c.stderr).toMatch(/--nope/);
  });

  it("a program that does not exist fails create, naming process.args", () => {
    const id = uniqueId();
    const bundle = makeBundle(testSpec(["/bin/no-such-program"]));
    expectFailureLeavesNothing(["create", "--bundle", bundle, id], id, /process\.args: .*no-such-program/);
  });

  it("a mount the kernel refuses names the mount and the errno", () => {
    const id = uniqueId();
    const bundle = makeBundle(testSpec(["/bin/probe", "true"], (s) => { s.mounts!.push({ destination: "/mnt/x", type: "no-such-fs", source: "none" }); }));
    expectFailureLeavesNothing(["create", "--bundle", bundle, id], id, /mounts\[\d+\] \(\/mnt\/x\): .*mount.*No such device/);
  });

  it("an unknown capability is refused by entry, by create and by validate", () => {
    const id = uniqueId();
    const bundle = makeBundle(testSpec(["/bin/probe", "true"], (s) => { s.process!.capabilities!.bounding = ["CAP_KILL", "CAP_CHOWN", "CAP_SETUID", "CAP_FOO"]; }));
    const message = 'process.capabilities.bounding[3]: unknown capability "CAP_FOO"';
    expectFailureLeavesNothing(["create", "--bundle", bundle, id], id, message);
    const v = rt(root, ["validate", "--bundle", bundle]);
    expect(v.code).not.toBe(0);
    expect(v.stderr).toContain(message);
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it("capabilities the kernel refuses fail create at process.capabilities, naming the capability", () => {
    const id = uniqueId();
    const bundle = makeBundle(testSpec(["/bin/probe", "true"], (s) => { s.process!.capabilities = { bounding: ["CAP_KILL", "CAP_SYS_ADMIN"], effective: ["CAP_SYS_ADMIN"], permitted: ["CAP_KILL"] }; }));
    expectFailureLeavesNothing(["create", "--bundle", bundle, id], id, /process\.capabilities: CAPS: capset .*: effective capability 21 is not in permitted: Operation not permitted/);
  });

  it("rt validate runs the same checks alone and creates nothing", () => {
    const good = makeBundle(testSpec(["/bin/probe", "true"]));
    const ok = rt(root, ["validate", "--bundle", good]);
    expect(ok.code, ok.stderr).toBe(0);
    const bad = makeBundle(testSpec(["/bin/probe", "true"], (s) => { s.process!.cwd = "relative"; }));
    const r = rt(root, ["validate", "--bundle", bad]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("process.cwd");
    expect(fs.readdirSync(root)).toEqual([]);
  });
});

describe("concurrency", () => {
  it("of two concurrent creates of one id, one wins and the other gets a clear error", async () => {
    const { spawn } = await import("node:child_process");
    const { RT } = await import("../helpers.ts");
    const bundle = makeBundle(testSpec(["/bin/probe", "sleep", "30"]));
    const id = uniqueId();
    const once = () => new Promise<{ code: number; stderr: string }>((resolve) => {
      // stderr to a file: the winner's container inherits it and keeps it open.
      const errFile = path.join(tmpDir(), "stderr");
      const errFd = fs.openSync(errFile, "w");
      const p = spawn(RT, ["--root", root, "create", "--bundle", bundle, id], { stdio: ["ignore", "ignore", errFd] });
      fs.closeSync(errFd);
      p.on("exit", (code) => resolve({ code: code ?? -1, stderr: fs.readFileSync(errFile, "utf8") }));
    });
    const results = await Promise.all([once(), once(), once()]);
    const wins = results.filter((r) => r.code === 0);
    expect(wins.length).toBe(1);
    for (const r of results.filter((x) => x.code !== 0)) expect(r.stderr).toContain(`container "${id}" already exists`);
    expect(JSON.parse(rt(root, ["state", id]).stdout).status).toBe("created");
    rt(root, ["delete", "--force", id]);
  });
});
