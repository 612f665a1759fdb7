// The hook runner (src/hooks/run.ts) under the Node host, the state it
// passes (src/hooks/state.ts), and where the plan puts the hooks the init
// runs or waits for (src/linux/hooks.ts).
import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import "../../src/sys/host-node.ts";
import { HookError, runHooks } from "../../src/hooks/run.ts";
import { hookState, hookStateAround } from "../../src/hooks/state.ts";
import { buildPlan, type PlanInput } from "../../src/linux/plan.ts";
import { Op } from "../../src/process/wire.ts";
import { defaultSpec } from "../../src/linux/default-spec.ts";
import type { Hook, Spec } from "../../src/spec/types.ts";

const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), "rt-hooks-unit-"));
/** A shell hook that appends "<tag> <argv0> <A> <stdin>" to log. */
const sh = (log: string, tag: string, extra: Partial<Hook> = {}): Hook => ({
  path: "/bin/sh",
  args: ["hook-sh", "-c", `printf '%s %s %s %s\\n' "${tag}" "$(tr '\\0' '\\n' < /proc/$$/cmdline | head -n1)" "$A" "$(cat)" >> "${log}"`],
  env: ["A=a-" + tag],
  ...extra,
});
const fail = (status: number): Hook => ({ path: "/bin/sh", args: ["sh", "-c", `exit ${status}`] });

describe("hook runner", () => {
  it("runs the hooks of a kind in order, each with the state on stdin, its argv[0] and its env", () => {
    const log = path.join(dir(), "log");
    runHooks("createRuntime", [sh(log, "one"), sh(log, "two")], '{"s":1}', "fail");
    expect(fs.readFileSync(log, "utf8")).toBe('one hook-sh a-one {"s":1}\ntwo hook-sh a-two {"s":1}\n');
  });

  it("without args the hook's argv is its path alone, and without env its environment is empty", () => {
    const d = dir();
    const script = path.join(d, "h");
    fs.writeFileSync(script, `#!/bin/sh\necho "$0|$#|$(env | grep -v '^PWD=\\|^SHLVL=\\|^_=' | wc -l)" > ${d}/out\n`, { mode: 0o755 });
    runHooks("poststart", [{ path: script }], "{}", "fail");
    expect(fs.readFileSync(path.join(d, "out"), "utf8")).toBe(`${script}|0|0\n`);
  });

  it("\"fail\": the first failure throws a HookError naming the hook and why; the later hooks do not run", () => {
    const log = path.join(dir(), "log");
    expect(() => runHooks("createRuntime", [sh(log, "one"), fail(3), sh(log, "three")], "{}", "fail"))
      .toThrow(new HookError("hooks.createRuntime[1] (/bin/sh): exited with status 3"));
    expect(fs.readFileSync(log, "utf8")).toBe("one hook-sh a-one {}\n");
  });

  it("\"warn\": each failure is a warning and the next hook runs", () => {
    const log = path.join(dir(), "log");
    const warnings: string[] = [];
    runHooks("poststop", [fail(4), sh(log, "two"), { path: "/no/such" }], "{}", "warn", (m) => warnings.push(m));
    expect(fs.readFileSync(log, "utf8")).toBe("two hook-sh a-two {}\n");
    expect(warnings[0]).toBe("hooks.poststop[0] (/bin/sh): exited with status 4");
    expect(warnings[1]).toMatch(/^hooks\.poststop\[2\] \(\/no\/such\): spawn \/no\/such: .*\(ENOENT\)$/);
  });

  it("a hook still running at its timeout is killed, and the error says after how long", () => {
    const d = dir();
    const hook: Hook = { path: "/bin/sh", args: ["sh", "-c", `echo $$ > ${d}/pid; exec sleep 30`], timeout: 1 };
    expect(() => runHooks("prestart", [hook], "{}", "fail")).toThrow("hooks.prestart[0] (/bin/sh): timed out after 1 s");
    const pid = Number(fs.readFileSync(path.join(d, "pid"), "utf8"));
    expect(fs.existsSync(`/proc/${pid}`)).toBe(false); // killed and reaped
  });

  it("a hook killed by a signal is a failure naming the signal", () => {
    expect(() => runHooks("poststart", [{ path: "/bin/sh", args: ["sh", "-c", "kill -TERM $$"] }], "{}", "fail"))
      .toThrow("hooks.poststart[0] (/bin/sh): killed by signal 15");
  });
});

describe("hook state", () => {
  const c = { ociVersion: "1.3.0", id: "c1", bundle: "/b", annotations: { k: "v" } };
  it("is the runtime state: ociVersion, id, status, pid, bundle, annotations", () => {
    expect(JSON.parse(hookState(c, "creating", 42))).toEqual({ ociVersion: "1.3.0", id: "c1", status: "creating", pid: 42, bundle: "/b", annotations: { k: "v" } });
  });
  it("splits around the pid, for the init to fill in its own", () => {
    const [pre, post] = hookStateAround(c, "created");
    expect(JSON.parse(`${pre}7${post}`)).toMatchObject({ status: "created", pid: 7 });
  });
});

function input(hooks: Spec["hooks"], extra: Partial<PlanInput> = {}): PlanInput {
  const spec = defaultSpec(["/bin/probe", "report"]);
  spec.hooks = hooks;
  return { spec, bundle: "/b", rootfs: "/b/rootfs", cgroupDir: "/sys/fs/cgroup/rt-x", fifoPath: "/run/rt/x/exec.fifo", id: "x", hookFifoPath: "/run/rt/x/hooks.fifo", mode: "detach", preserveFds: 0, listenFds: 0, noPivot: false, ...extra };
}
const HOOK_OPS = [Op.HOOK_FIFO, Op.HOOK_PID, Op.HOOK_PAUSE, Op.HOOK_RUN];
const at = (plan: ReturnType<typeof buildPlan>, op: Op) => plan.findIndex((o) => o.op === op);

describe("hooks in the plan", () => {
  const h = (p: string): Hook => ({ path: p, args: ["a0", "a1"], env: ["E=1"], timeout: 3 });

  it("a config without hooks (or with empty lists) gets no hook op", () => {
    for (const hooks of [undefined, {}, { prestart: [], createRuntime: [], createContainer: [], startContainer: [], poststart: [], poststop: [] }]) {
      expect(buildPlan(input(hooks)).filter((o) => HOOK_OPS.includes(o.op))).toEqual([]);
    }
  });

  it("prestart/createRuntime pause the init after the mounts and before pivot_root; createContainer's runs follow, before pivot_root", () => {
    const plan = buildPlan(input({ prestart: [h("/p")], createContainer: [h("/c1"), h("/c2")] }));
    const pause = at(plan, Op.HOOK_PAUSE);
    const lastMount = plan.map((o) => o.op).lastIndexOf(Op.MOUNT);
    expect(pause).toBeGreaterThan(lastMount);
    expect(plan[pause].args).toEqual(["createRuntime"]);
    const runs = plan.flatMap((o, i) => (o.op === Op.HOOK_RUN ? [i] : []));
    expect(runs).toEqual([pause + 1, pause + 2]);
    expect(plan[pause + 3].op).toBe(Op.PIVOT_ROOT);
    expect(plan[runs[0]].field).toBe("hooks.createContainer[0] (/c1)");
    const [pre, post] = hookStateAround({ ociVersion: "1.3.0", id: "x", bundle: "/b" }, "creating");
    expect(plan[runs[0]].args).toEqual(["/c1", 3, pre, post, "op", 2, "a0", "a1", "E=1"]);
    expect(at(plan, Op.HOOK_PID)).toBe(at(plan, Op.CLONE) + 1); // while /proc is still the runtime's
    expect(at(plan, Op.HOOK_FIFO)).toBe(-1);
  });

  it("without a mount namespace the pause comes before the chroot", () => {
    const spec = input({ createRuntime: [h("/r")] });
    spec.spec.linux!.namespaces = [{ type: "pid" }];
    spec.spec.mounts = [];
    spec.spec.linux!.maskedPaths = spec.spec.linux!.readonlyPaths = [];
    spec.spec.root = { path: "rootfs" };
    const plan = buildPlan(spec);
    expect(at(plan, Op.HOOK_PAUSE)).toBe(at(plan, Op.CHROOT) - 1);
  });

  it("startContainer: after WAIT_START, reported on the hook fifo (the last says so); with run's immediate start before WAIT_START, reported as op errors", () => {
    const plan = buildPlan(input({ startContainer: [h("/s1"), h("/s2")] }));
    expect(plan[at(plan, Op.HOOK_FIFO)].args).toEqual(["/run/rt/x/hooks.fifo"]);
    expect(at(plan, Op.HOOK_FIFO)).toBeLessThan(at(plan, Op.CLONE));
    const wait = at(plan, Op.WAIT_START);
    expect(plan.slice(wait + 1).map((o) => [o.op, o.args[4]])).toEqual([[Op.HOOK_RUN, "fifo"], [Op.HOOK_RUN, "fifo-last"], [Op.EXEC, undefined]]);
    expect(JSON.parse(`${plan[wait + 1].args[2]}1${plan[wait + 1].args[3]}`).status).toBe("created");

    const run = buildPlan(input({ startContainer: [h("/s1")] }, { startImmediately: true, hookFifoPath: undefined }));
    expect(at(run, Op.HOOK_FIFO)).toBe(-1);
    expect(run[at(run, Op.WAIT_START) - 1]).toMatchObject({ op: Op.HOOK_RUN, args: expect.arrayContaining(["op"]) });
  });
});
