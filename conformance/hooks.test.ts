// config.md "POSIX-platform Hooks" and runtime.md "Lifecycle" (steps 3-13),
// one test per requirement, through the built rt as an engine drives it.
// Every hook is the test probe (`probe hook OUT TAG [PATH…]`, native/probe.c):
// it appends what it saw — argv[0], env, the state on stdin, its own
// namespaces, the namespaces and root of the init the state names, and
// whether given paths exist where it runs — as one JSON line to a log.
import { afterAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Hook, Spec } from "../src/spec/types.ts";
import { REPO, cleanupRoot, makeBundle, pidAlive, rt, rtDetached, stateOf, stateRoot, testSpec, tmpDir, uniqueId, unifiedMount } from "../test/helpers.ts";

const root = stateRoot();
afterAll(() => cleanupRoot(root));

/** The probe as the runtime namespace sees it (a static binary: also runs before pivot_root, in the init's namespaces). */
const PROBE = path.join(REPO, "native/build/probe");

interface Ns { mnt: string; net: string; pid: string; uts: string; ipc: string; root: string }
interface Entry { tag: string; argv0: string; env: string[]; stdin: string; self: Ns; init: Ns; exists: boolean[]; inInit: boolean[] }

const hook = (log: string, tag: string, paths: string[] = [], extra: Partial<Hook> = {}): Hook =>
  ({ path: PROBE, args: ["probe-hook", "hook", log, tag, ...paths], env: [`HOOK=${tag}`], ...extra });
const failing = (status: number): Hook => ({ path: PROBE, args: ["probe", "exit", String(status)] });

function entries(log: string): Entry[] {
  if (!fs.existsSync(log)) return [];
  return fs.readFileSync(log, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Entry);
}
const tags = (log: string) => entries(log).map((e) => e.tag);
const byTag = (log: string, tag: string) => entries(log).find((e) => e.tag === tag)!;
const nsOf = (pid: number | "self", kind: string) => fs.readlinkSync(`/proc/${pid}/ns/${kind}`);

/** A bundle with these hooks, a host dir at /out (rw) for the program and startContainer, and its log. */
function hookBundle(hooks: (log: string, out: string) => Spec["hooks"], args = ["/bin/probe", "write-then-sleep", "/out/program", "ran", "60"]) {
  const out = tmpDir("rt-hooks-");
  const log = path.join(out, "log");
  const bundle = makeBundle(testSpec(args, (s) => {
    s.mounts!.push({ destination: "/out", source: out, options: ["rbind", "rw"] });
    s.hooks = hooks(log, out);
  }));
  return { bundle, out, log };
}

/** Nothing of container id is left: no state dir, no cgroup, and its init (pid) is gone. */
function expectNothingLeft(id: string, pid?: number) {
  expect(fs.existsSync(path.join(root, id)), "state dir left behind").toBe(false);
  expect(fs.existsSync(path.join(unifiedMount(), `rt-${id}`)), "cgroup left behind").toBe(false);
  if (pid) expect(pidAlive(pid), "init left behind").toBe(false);
}

describe("config.md: hooks at their moments and in their namespaces", () => {
  it("prestart and createRuntime run during create in the runtime namespace, after the container's namespaces exist and before pivot_root; createContainer after them in the container namespace, still before pivot_root, its path resolved in the runtime namespace", () => {
    const { bundle, log } = hookBundle((log) => ({
      prestart: [hook(log, "prestart", [PROBE])],
      createRuntime: [hook(log, "createRuntime", [PROBE])],
      createContainer: [hook(log, "createContainer", [PROBE])],
    }));
    const id = uniqueId("hooks");
    const c = rtDetached(root, ["create", "--bundle", bundle, id]);
    expect(c.code, c.stderr).toBe(0);
    const { pid } = stateOf(root, id);
    expect(tags(log)).toEqual(["prestart", "createRuntime", "createContainer"]);
    for (const tag of ["prestart", "createRuntime"]) {
      const e = byTag(log, tag);
      for (const k of ["mnt", "net", "pid", "uts", "ipc"] as const) expect(e.self[k], `${tag} ${k}`).toBe(nsOf("self", k));
      // The container's namespaces exist already …
      expect(e.init.mnt).toBe(nsOf(pid!, "mnt"));
      expect(e.init.mnt).not.toBe(e.self.mnt);
      expect(e.init.net).not.toBe(e.self.net);
      // … and its root is not pivoted yet: the init still sees the runtime's tree.
      expect(e.inInit).toEqual([true]);
    }
    const cc = byTag(log, "createContainer");
    for (const k of ["mnt", "net", "pid", "uts", "ipc"] as const) expect(cc.self[k], `createContainer ${k}`).toBe(nsOf(pid!, k));
    expect(cc.self.mnt).not.toBe(nsOf("self", "mnt"));
    expect(cc.exists).toEqual([true]); // the runtime's tree is still visible: before pivot_root
    // Once create returned, the root is pivoted: the runtime's tree is gone from the init's view.
    expect(fs.existsSync(`/proc/${pid}/root${PROBE}`)).toBe(false);
    expect(fs.existsSync(`/proc/${pid}/root/bin/probe`)).toBe(true);
    rt(root, ["delete", "--force", id]);
  });

  it("startContainer runs at start in the container namespace, after pivot_root and before the program, its path resolved in the container; poststart after the program, in the runtime namespace, before start returns", () => {
    const { bundle, log, out } = hookBundle((log) => ({
      startContainer: [{ path: "/bin/probe", args: ["probe-hook", "hook", "/out/log", "startContainer", "/bin/probe", PROBE, "/out/program"], env: ["HOOK=startContainer"] }],
      poststart: [hook(log, "poststart")],
    }));
    const id = uniqueId("hooks");
    const c = rtDetached(root, ["create", "--bundle", bundle, id]);
    expect(c.code, c.stderr).toBe(0);
    const { pid } = stateOf(root, id);
    expect(tags(log)).toEqual([]); // nothing before start
    const s = rt(root, ["start", id]);
    expect(s.code, s.stderr).toBe(0);
    expect(tags(log)).toEqual(["startContainer", "poststart"]);
    const sc = byTag(log, "startContainer");
    for (const k of ["mnt", "net", "pid", "uts", "ipc"] as const) expect(sc.self[k], `startContainer ${k}`).toBe(nsOf(pid!, k));
    // In the container's root (its /bin/probe, not the runtime's), before the program wrote its marker.
    expect(sc.exists).toEqual([true, false, false]);
    const ps = byTag(log, "poststart");
    for (const k of ["mnt", "net", "pid"] as const) expect(ps.self[k]).toBe(nsOf("self", k));
    expect(fs.existsSync(path.join(out, "program")) || pidAlive(pid!)).toBe(true);
    rt(root, ["delete", "--force", id]);
  });

  it("poststop runs at delete, after the container is destroyed (state and cgroup gone), in the runtime namespace, before delete returns", () => {
    const id = uniqueId("hooks");
    const { bundle, log } = hookBundle((log) => ({
      poststop: [hook(log, "poststop", [path.join(root, id), path.join(unifiedMount(), `rt-${id}`)])],
    }), ["/bin/probe", "true"]);
    const c = rtDetached(root, ["create", "--bundle", bundle, id]);
    expect(c.code, c.stderr).toBe(0);
    const { pid } = stateOf(root, id);
    expect(rt(root, ["start", id]).code).toBe(0);
    expect(tags(log)).toEqual([]);
    const d = rt(root, ["delete", "--force", id]);
    expect(d.code, d.stderr).toBe(0);
    expect(tags(log)).toEqual(["poststop"]);
    const e = byTag(log, "poststop");
    expect(e.exists).toEqual([false, false]);
    expect(e.self.mnt).toBe(nsOf("self", "mnt"));
    expect(JSON.parse(e.stdin)).toMatchObject({ status: "stopped", id, pid });
  });
});

describe("rt run: create and start in one", () => {
  it("runs every kind of hook in order: startContainer in the container before the program, poststart after it, poststop at the delete that ends run", () => {
    const { bundle, log, out } = hookBundle((log) => ({
      createRuntime: [hook(log, "createRuntime")],
      createContainer: [hook(log, "createContainer")],
      startContainer: [{ path: "/bin/probe", args: ["probe-hook", "hook", "/out/log", "startContainer", "/out/program"], env: ["HOOK=startContainer"] }],
      poststart: [hook(log, "poststart")],
      poststop: [hook(log, "poststop")],
    }), ["/bin/probe", "write", "/out/program", "ran"]);
    const id = uniqueId("hooks");
    const r = rt(root, ["run", "--bundle", bundle, id]);
    expect(r.code, r.stderr).toBe(0);
    expect(tags(log)).toEqual(["createRuntime", "createContainer", "startContainer", "poststart", "poststop"]);
    expect(byTag(log, "startContainer").exists).toEqual([false]);
    expect(fs.readFileSync(path.join(out, "program"), "utf8")).toBe("ran");
    expectNothingLeft(id);
  });

  it("a failing startContainer hook fails run naming it; the program never runs, nothing is left, poststop runs", () => {
    const { bundle, log, out } = hookBundle((log) => ({
      startContainer: [{ path: "/bin/probe", args: ["probe", "exit", "4"] }],
      poststop: [hook(log, "poststop")],
    }), ["/bin/probe", "write", "/out/program", "ran"]);
    const id = uniqueId("hooks");
    const r = rt(root, ["run", "--bundle", bundle, id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("rt: hooks.startContainer[0] (/bin/probe): exited with status 4");
    expect(fs.existsSync(path.join(out, "program"))).toBe(false);
    expect(tags(log)).toEqual(["poststop"]);
    expectNothingLeft(id);
  });
});

describe("config.md: the state on stdin, args, env, order", () => {
  it("each hook gets the state of the container on stdin, with the status of its moment, and its args and env", () => {
    const { bundle, log } = hookBundle((log) => ({
      prestart: [hook(log, "prestart")],
      createRuntime: [hook(log, "createRuntime")],
      createContainer: [hook(log, "createContainer")],
      startContainer: [{ path: "/bin/probe", args: ["probe-hook", "hook", "/out/log", "startContainer"], env: ["HOOK=startContainer"] }],
      poststart: [hook(log, "poststart")],
      poststop: [hook(log, "poststop")],
    }));
    const id = uniqueId("hooks");
    const c = rtDetached(root, ["create", "--bundle", bundle, id]);
    expect(c.code, c.stderr).toBe(0);
    const { pid } = stateOf(root, id);
    expect(rt(root, ["start", id]).code).toBe(0);
    expect(rt(root, ["delete", "--force", id]).code).toBe(0);
    const want: Record<string, string> = {
      prestart: "creating", createRuntime: "creating", createContainer: "creating",
      startContainer: "created", poststart: "running", poststop: "stopped",
    };
    expect(tags(log)).toEqual(Object.keys(want));
    for (const e of entries(log)) {
      expect(JSON.parse(e.stdin), e.tag).toEqual({ ociVersion: "1.3.0", id, status: want[e.tag], pid, bundle, annotations: {} });
      expect([e.argv0, e.env], e.tag).toEqual(["probe-hook", [`HOOK=${e.tag}`]]);
    }
  });

  it("hooks of one kind run in the listed order, each with its args (argv[0] included) and exactly its env", () => {
    const { bundle, log } = hookBundle((log) => ({
      createRuntime: [hook(log, "first", [], { env: ["A=1"] }), hook(log, "second", [], { env: ["B=2", "C=3"] }), hook(log, "third", [], { env: [] })],
    }));
    const id = uniqueId("hooks");
    const c = rtDetached(root, ["create", "--bundle", bundle, id]);
    expect(c.code, c.stderr).toBe(0);
    expect(entries(log).map((e) => [e.tag, e.argv0, e.env])).toEqual([
      ["first", "probe-hook", ["A=1"]], ["second", "probe-hook", ["B=2", "C=3"]], ["third", "probe-hook", []],
    ]);
    rt(root, ["delete", "--force", id]);
  });
});

describe("config.md: timeout", () => {
  it("a runtime-side hook still running at its timeout is killed; create fails naming it and leaves nothing behind", () => {
    const { bundle, log } = hookBundle((log) => ({
      createRuntime: [hook(log, "ok"), { path: PROBE, args: ["probe", "sleep", "37"], timeout: 1 }],
      createContainer: [hook(log, "never")],
    }));
    const id = uniqueId("hooks");
    const c = rtDetached(root, ["create", "--bundle", bundle, id]);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain(`rt: hooks.createRuntime[1] (${PROBE}): timed out after 1 s`);
    expect(tags(log)).toEqual(["ok"]);
    expectNothingLeft(id, JSON.parse(byTag(log, "ok").stdin).pid);
    expect(sleepingHooks("37"), "the hook was not killed").toEqual([]);
  });

  it("a createContainer hook still running at its timeout is killed by the init; create fails naming it", () => {
    const { bundle, log } = hookBundle((log) => ({
      createRuntime: [hook(log, "pid")],
      createContainer: [{ path: PROBE, args: ["probe", "sleep", "38"], timeout: 1 }],
    }));
    const id = uniqueId("hooks");
    const c = rtDetached(root, ["create", "--bundle", bundle, id]);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain(`rt: hooks.createContainer[0] (${PROBE}): timed out after 1 s`);
    expectNothingLeft(id, JSON.parse(byTag(log, "pid").stdin).pid);
    expect(sleepingHooks("38"), "the hook was not killed").toEqual([]);
  });
});

/** Processes running `probe sleep <secs>` (the test's hooks; other tests sleep other lengths). */
function sleepingHooks(secs: string): number[] {
  return fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => {
    try { return fs.readFileSync(`/proc/${p}/cmdline`, "utf8") === `probe\0sleep\0${secs}\0` && pidAlive(Number(p)); } catch { return false; }
  }).map(Number);
}

describe("runtime.md Lifecycle: what a failing hook does", () => {
  for (const kind of ["prestart", "createRuntime", "createContainer"] as const) {
    it(`a failing ${kind} hook: create fails naming it, the container is stopped and destroyed (nothing left), the later hooks do not run, poststop runs`, () => {
      const { bundle, log } = hookBundle((log) => ({
        prestart: [hook(log, "pid"), ...(kind === "prestart" ? [failing(3)] : [])],
        createRuntime: kind === "createRuntime" ? [failing(3)] : [hook(log, "createRuntime")],
        createContainer: kind === "createContainer" ? [failing(3), hook(log, "after")] : [hook(log, "createContainer")],
        poststop: [hook(log, "poststop")],
      }));
      const id = uniqueId("hooks");
      const c = rtDetached(root, ["create", "--bundle", bundle, id]);
      expect(c.code).toBe(1);
      expect(c.stderr).toContain(`rt: hooks.${kind}[${kind === "prestart" ? 1 : 0}] (${PROBE}): exited with status 3`);
      const ran = { prestart: ["pid"], createRuntime: ["pid"], createContainer: ["pid", "createRuntime"] }[kind];
      expect(tags(log)).toEqual([...ran, "poststop"]);
      expectNothingLeft(id, JSON.parse(byTag(log, "pid").stdin).pid);
    });
  }

  it("a failing startContainer hook: start fails naming it, the program never runs, the container is stopped and destroyed, poststop runs", () => {
    const { bundle, log, out } = hookBundle((log) => ({
      startContainer: [{ path: "/bin/probe", args: ["probe", "exit", "4"] }, { path: "/bin/probe", args: ["probe-hook", "hook", "/out/log", "never"] }],
      poststart: [hook(log, "poststart")],
      poststop: [hook(log, "poststop")],
    }), ["/bin/probe", "write", "/out/program", "ran"]);
    const id = uniqueId("hooks");
    const c = rtDetached(root, ["create", "--bundle", bundle, id]);
    expect(c.code, c.stderr).toBe(0);
    const { pid } = stateOf(root, id);
    const s = rt(root, ["start", id]);
    expect(s.code).toBe(1);
    expect(s.stderr).toContain("rt: hooks.startContainer[0] (/bin/probe): exited with status 4");
    expect(tags(log)).toEqual(["poststop"]);
    expect(fs.existsSync(path.join(out, "program")), "the program ran").toBe(false);
    expectNothingLeft(id, pid);
  });

  it("a failing poststart hook: start fails naming it, the container is stopped and destroyed, poststop runs (runtime-spec 1.3: an error, no longer a warning)", () => {
    const { bundle, log } = hookBundle((log) => ({
      poststart: [failing(5), hook(log, "never")],
      poststop: [hook(log, "poststop")],
    }));
    const id = uniqueId("hooks");
    const c = rtDetached(root, ["create", "--bundle", bundle, id]);
    expect(c.code, c.stderr).toBe(0);
    const { pid } = stateOf(root, id);
    const s = rt(root, ["start", id]);
    expect(s.code).toBe(1);
    expect(s.stderr).toContain(`rt: hooks.poststart[0] (${PROBE}): exited with status 5`);
    expect(tags(log)).toEqual(["poststop"]);
    expectNothingLeft(id, pid);
  });

  it("a failing poststop hook is a warning: delete succeeds, the next poststop hook runs", () => {
    const { bundle, log } = hookBundle((log) => ({ poststop: [failing(6), hook(log, "next")] }), ["/bin/probe", "true"]);
    const id = uniqueId("hooks");
    const c = rtDetached(root, ["create", "--bundle", bundle, id]);
    expect(c.code, c.stderr).toBe(0);
    const d = rt(root, ["delete", "--force", id]);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stderr).toContain(`hooks.poststop[0] (${PROBE}): exited with status 6`);
    expect(tags(log)).toEqual(["next"]);
    expectNothingLeft(id);
  });

  it("a hook that cannot be executed fails like one that exits non-zero, named with the errno", () => {
    const { bundle } = hookBundle(() => ({ createRuntime: [{ path: "/no/such/hook" }] }));
    const id = uniqueId("hooks");
    const c = rtDetached(root, ["create", "--bundle", bundle, id]);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/rt: hooks\.createRuntime\[0\] \(\/no\/such\/hook\): spawn \/no\/such\/hook: .*\(ENOENT\)/);
    expectNothingLeft(id);
  });
});
