// The OCI lifecycle (runtime-spec runtime.md "Operations" and "Lifecycle") and
// the runtime command-line interface (runtime-tools docs/command-line-interface.md),
// one test per requirement, driving the built rt executable as an engine does.
import { afterAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { RT, rtDetached, cleanupRoot, createWithOutput, makeBundle, pidAlive, rt, stateOf, stateRoot, testSpec, tmpDir, uniqueId, unifiedMount, waitFor } from "../test/helpers.ts";

const root = stateRoot();
afterAll(() => cleanupRoot(root));

/** A bundle whose program writes a marker file into a host dir mounted at /out, then sleeps or exits. */
function markerBundle(then: "sleep" | "exit" = "sleep") {
  const out = tmpDir("rt-marker-");
  const args = then === "sleep" ? ["/bin/probe", "write-then-sleep", "/out/marker", "ran", "60"] : ["/bin/probe", "write", "/out/marker", "ran"];
  const bundle = makeBundle(testSpec(args, (s) => { s.mounts!.push({ destination: "/out", source: out, options: ["rbind", "rw"] }); }));
  return { bundle, marker: path.join(out, "marker") };
}

/**
 * Creates a container with rt's stdio (and extra fds) as given, as an engine
 * would, starts it, and returns what it wrote once it has written a line.
 */
async function createStartAndRead(
  args: string[],
  opts: { stdin?: number; extraFds?: number; env?: Record<string, string>; args?: string[]; wait?: "stdout" | "stderr" } = {},
): Promise<{ stdout: string; stderr: string }> {
  const dir = tmpDir();
  const files = { stdout: path.join(dir, "stdout"), stderr: path.join(dir, "stderr") };
  const outFd = fs.openSync(files.stdout, "w");
  const errFd = fs.openSync(files.stderr, "w");
  const extra = Array.from({ length: opts.extraFds ?? 0 }, (_, i) => fs.openSync(path.join(dir, `extra${i}`), "w"));
  const id = uniqueId();
  const bundle = makeBundle(testSpec(args));
  const r = spawnSync(RT, ["--root", root, "create", ...(opts.args ?? []), "--bundle", bundle, id], {
    stdio: [opts.stdin ?? "ignore", outFd, errFd, ...extra],
    env: { ...process.env, ...opts.env },
  });
  for (const fd of [outFd, errFd, ...extra]) fs.closeSync(fd);
  expect(r.status, fs.readFileSync(files.stderr, "utf8")).toBe(0);
  // Nothing of the program's may appear before start.
  expect(fs.readFileSync(files.stdout, "utf8") + fs.readFileSync(files.stderr, "utf8")).toBe("");
  expect(rt(root, ["start", id]).code).toBe(0);
  const watched = files[opts.wait ?? "stdout"];
  await waitFor(() => fs.readFileSync(watched, "utf8").includes("\n"), 5000, "output");
  rt(root, ["delete", "--force", id]);
  return { stdout: fs.readFileSync(files.stdout, "utf8"), stderr: fs.readFileSync(files.stderr, "utf8") };
}

describe("runtime.md: state", () => {
  it("state MUST generate an error if the container does not exist", () => {
    const r = rt(root, ["state", "no-such-container"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('container "no-such-container" does not exist');
  });

  it("state returns ociVersion, id, status, pid and the absolute bundle path", () => {
    const { bundle } = markerBundle();
    const id = uniqueId();
    expect(createWithOutput(root, id, bundle).result.code).toBe(0);
    const s = stateOf(root, id);
    expect(s).toMatchObject({ ociVersion: "1.3.0", id, status: "created", bundle });
    expect(path.isAbsolute(s.bundle)).toBe(true);
    expect(s.pid).toBeGreaterThan(0);
    expect(pidAlive(s.pid!)).toBe(true);
    rt(root, ["delete", "--force", id]);
  });

  it("annotations from config.json appear in the state", () => {
    const bundle = makeBundle(testSpec(["/bin/probe", "sleep", "60"], (s) => { s.annotations = { "org.example.key": "value" }; }));
    const id = uniqueId();
    expect(createWithOutput(root, id, bundle).result.code).toBe(0);
    expect(stateOf(root, id).annotations).toEqual({ "org.example.key": "value" });
    rt(root, ["delete", "--force", id]);
  });
});

describe("runtime.md: create", () => {
  it("create MUST generate an error if the ID provided is not unique", () => {
    const { bundle } = markerBundle();
    const id = uniqueId();
    expect(createWithOutput(root, id, bundle).result.code).toBe(0);
    const again = createWithOutput(root, id, bundle).result;
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain(`container "${id}" already exists`);
    expect(stateOf(root, id).status).toBe("created");
    rt(root, ["delete", "--force", id]);
  });

  it("create MUST NOT run the user-specified program; status is created", () => {
    const { bundle, marker } = markerBundle();
    const id = uniqueId();
    expect(createWithOutput(root, id, bundle).result.code).toBe(0);
    expect(stateOf(root, id).status).toBe("created");
    expect(fs.existsSync(marker)).toBe(false);
    rt(root, ["delete", "--force", id]);
  });

  it("changes to config.json after create MUST NOT affect the container", async () => {
    const { bundle, marker } = markerBundle();
    const id = uniqueId();
    expect(createWithOutput(root, id, bundle).result.code).toBe(0);
    const cfg = JSON.parse(fs.readFileSync(path.join(bundle, "config.json"), "utf8"));
    cfg.process.args = ["/bin/probe", "write", "/out/marker", "changed"];
    fs.writeFileSync(path.join(bundle, "config.json"), JSON.stringify(cfg));
    expect(rt(root, ["start", id]).code).toBe(0);
    await waitFor(() => fs.existsSync(marker) && fs.readFileSync(marker, "utf8") !== "", 5000, "marker");
    expect(fs.readFileSync(marker, "utf8")).toBe("ran");
    rt(root, ["delete", "--force", id]);
  });
});

describe("runtime.md: start", () => {
  it("start MUST run the user-specified program; status becomes running", async () => {
    const { bundle, marker } = markerBundle();
    const id = uniqueId();
    expect(createWithOutput(root, id, bundle).result.code).toBe(0);
    expect(rt(root, ["start", id]).code).toBe(0);
    await waitFor(() => fs.existsSync(marker), 5000, "marker");
    expect(stateOf(root, id).status).toBe("running");
    rt(root, ["delete", "--force", id]);
  });

  it("start MUST generate an error if the container is not created", () => {
    const { bundle } = markerBundle();
    const id = uniqueId();
    expect(createWithOutput(root, id, bundle).result.code).toBe(0);
    expect(rt(root, ["start", id]).code).toBe(0);
    const again = rt(root, ["start", id]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/it is running, not created/);
    rt(root, ["delete", "--force", id]);
  });

  it("when the process exits the status is stopped", async () => {
    const { bundle } = markerBundle("exit");
    const id = uniqueId();
    expect(createWithOutput(root, id, bundle).result.code).toBe(0);
    expect(rt(root, ["start", id]).code).toBe(0);
    await waitFor(() => stateOf(root, id).status === "stopped", 5000, "stopped");
    rt(root, ["delete", id]);
  });
});

describe("runtime.md: kill", () => {
  it("kill sends the signal to the container process", async () => {
    const bundle = makeBundle(testSpec(["/bin/probe", "signal-exit"]));
    const id = uniqueId();
    expect(createWithOutput(root, id, bundle).result.code).toBe(0);
    expect(rt(root, ["start", id]).code).toBe(0);
    await waitFor(() => stateOf(root, id).status === "running", 5000);
    // probe installs its SIGTERM handler right after exec; give it a moment.
    await new Promise((r) => setTimeout(r, 100));
    expect(rt(root, ["kill", id]).code).toBe(0); // default SIGTERM
    await waitFor(() => stateOf(root, id).status === "stopped", 5000, "stopped after TERM");
    rt(root, ["delete", id]);
  });

  it("kill MUST generate an error if the container is neither created nor running", async () => {
    const { bundle } = markerBundle("exit");
    const id = uniqueId();
    expect(createWithOutput(root, id, bundle).result.code).toBe(0);
    expect(rt(root, ["start", id]).code).toBe(0);
    await waitFor(() => stateOf(root, id).status === "stopped", 5000);
    const r = rt(root, ["kill", id, "KILL"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("it is stopped");
    rt(root, ["delete", id]);
  });

  it("kill of a created container with KILL stops it", async () => {
    const { bundle } = markerBundle();
    const id = uniqueId();
    expect(createWithOutput(root, id, bundle).result.code).toBe(0);
    expect(rt(root, ["kill", "--signal", "KILL", id]).code).toBe(0);
    await waitFor(() => stateOf(root, id).status === "stopped", 5000);
    rt(root, ["delete", id]);
  });
});

describe("runtime.md: delete", () => {
  it("delete MUST generate an error if the container is not stopped", () => {
    const { bundle } = markerBundle();
    const id = uniqueId();
    expect(createWithOutput(root, id, bundle).result.code).toBe(0);
    expect(rt(root, ["start", id]).code).toBe(0);
    const r = rt(root, ["delete", id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("not stopped");
    expect(stateOf(root, id).status).toBe("running");
    rt(root, ["delete", "--force", id]);
  });

  it("delete MUST delete the resources created during create, and the id can be reused", async () => {
    const { bundle } = markerBundle("exit");
    const id = uniqueId();
    expect(createWithOutput(root, id, bundle).result.code).toBe(0);
    const cg = path.join(unifiedMount(), `rt-${id}`);
    expect(fs.existsSync(cg)).toBe(true);
    expect(rt(root, ["start", id]).code).toBe(0);
    await waitFor(() => stateOf(root, id).status === "stopped", 5000);
    expect(rt(root, ["delete", id]).code).toBe(0);
    expect(fs.existsSync(path.join(root, id))).toBe(false);
    expect(fs.existsSync(cg)).toBe(false);
    expect(rt(root, ["state", id]).code).not.toBe(0);
    expect(createWithOutput(root, id, bundle).result.code).toBe(0);
    rt(root, ["delete", "--force", id]);
  });
});

describe("command-line interface", () => {
  it("an unrecognized command exits non-zero", () => {
    const r = rt(root, ["frobnicate"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('unknown command "frobnicate"');
  });

  it("an unknown option exits non-zero with a usage hint", () => {
    const r = rt(root, ["create", "--bogus", "x"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--bogus/);
    expect(r.stderr).toMatch(/usage: rt create/);
  });

  it("create: --bundle defaults to the current working directory", () => {
    const { bundle } = markerBundle();
    const id = uniqueId();
    const r = rtDetached(root, ["create", id], { cwd: bundle });
    expect(r.code, r.stderr).toBe(0);
    expect(stateOf(root, id).bundle).toBe(bundle);
    rt(root, ["delete", "--force", id]);
  });

  it("create: --pid-file receives the container's host pid", () => {
    const { bundle } = markerBundle();
    const id = uniqueId();
    const pidFile = path.join(tmpDir(), "pid");
    expect(createWithOutput(root, id, bundle, ["--pid-file", pidFile]).result.code).toBe(0);
    expect(Number(fs.readFileSync(pidFile, "utf8"))).toBe(stateOf(root, id).pid);
    rt(root, ["delete", "--force", id]);
  });

  it("create: stdout and stderr pass through to the container process", async () => {
    const out = await createStartAndRead(["/bin/probe", "echo", "hello from the container"]);
    expect(out.stdout).toBe("hello from the container\n");
    // probe's perror() for a missing file goes to its stderr, which is rt's.
    const err = await createStartAndRead(["/bin/probe", "cat", "/no-such-file"], { wait: "stderr" });
    expect(err.stderr).toBe("/no-such-file: No such file or directory\n");
  });

  it("create: stdin passes through without being read", async () => {
    const input = path.join(tmpDir(), "in");
    fs.writeFileSync(input, "input line\n");
    const inFd = fs.openSync(input, "r");
    try {
      expect((await createStartAndRead(["/bin/probe", "cat", "/dev/stdin"], { stdin: inFd })).stdout).toBe("input line\n");
    } finally {
      fs.closeSync(inFd);
    }
  });

  it("create: LISTEN_FDS=2 passes fds 3 and 4 to the container", async () => {
    const { stdout } = await createStartAndRead(["/bin/probe", "report"], { extraFds: 2, env: { LISTEN_FDS: "2" } });
    const report = JSON.parse(stdout);
    expect(report.fds).toEqual([0, 1, 2, 3, 4]);
    expect(report.env).toContain("LISTEN_FDS=2");
  });

  it("kill accepts signal names with or without SIG, numbers, and rejects unknown ones", () => {
    const { bundle } = markerBundle();
    const id = uniqueId();
    expect(createWithOutput(root, id, bundle).result.code).toBe(0);
    const bad = rt(root, ["kill", id, "SIGFOO"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('unknown signal "SIGFOO"');
    expect(rt(root, ["kill", id, "0x"]).code).not.toBe(0);
    expect(rt(root, ["kill", id, "9"]).code).toBe(0);
    rt(root, ["delete", "--force", id]);
  });

  it("create: --preserve-fds N passes fds 3 … 2+N", async () => {
    const { stdout } = await createStartAndRead(["/bin/probe", "report"], { extraFds: 1, args: ["--preserve-fds", "1"] });
    expect(JSON.parse(stdout).fds).toEqual([0, 1, 2, 3]);
  });

  it("--log with --log-format json records errors as JSON lines", () => {
    const log = path.join(tmpDir(), "rt.log");
    const r = rt(root, ["--log", log, "--log-format", "json", "state", "missing-one"]);
    expect(r.code).not.toBe(0);
    const line = JSON.parse(fs.readFileSync(log, "utf8").trim().split("\n").pop()!);
    expect(line).toMatchObject({ level: "error", msg: 'container "missing-one" does not exist' });
    expect(Date.parse(line.time)).not.toBeNaN();
    const bad = rt(root, ["--log-format", "yaml", "state", "x"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("--log-format: must be text or json");
  });

  it("--systemd-cgroup is accepted as a global option by commands it does not change (engines pass it), and refused by name by create (no systemd driver)", () => {
    const r = rt(root, ["--systemd-cgroup", "state", "no-such-one"]);
    expect(r.stderr).toContain('container "no-such-one" does not exist');
    expect(r.stderr).not.toContain("unknown global option");
    const id = uniqueId();
    const c = rt(root, ["--systemd-cgroup", "create", "--bundle", makeBundle(testSpec(["/bin/probe", "true"])), id]);
    expect(c.code).toBe(1);
    expect(c.stderr).toBe("rt: --systemd-cgroup: the systemd cgroup driver is not implemented yet (rt manages cgroups itself: use the engine's cgroupfs driver)\n");
    expect(fs.existsSync(path.join(root, id))).toBe(false);
  });

  it("--version prints the rt and spec versions", () => {
    const r = rt(root, ["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^rt version \d+\.\d+\.\d+\nspec: 1\.3\.0\n$/);
  });
});
