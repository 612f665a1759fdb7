// linux.seccomp in real containers: the filter is read back where it takes
// effect — /proc/self/status, and the result and errno of the syscalls the
// probe makes inside (probe try / probe syscall) — and a notify agent
// (native/build/seccomp-agent) answers for the kernel.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { LinuxSeccomp, Spec } from "../../src/spec/types.ts";
import { REPO, cleanupRoot, createWithOutput, makeBundle, rt, stateOf, stateRoot, testSpec, tmpDir, uniqueId, waitFor, type RtResult } from "../helpers.ts";

const root = stateRoot();
afterAll(() => cleanupRoot(root));

const AGENT = path.join(REPO, "native/build/seccomp-agent");
const EPERM = 1, ESRCH = 3, EXDEV = 18, ENOSPC = 28, ENOSYS = 38, EOPNOTSUPP = 95;
const SIGSYS = 31;

interface Call { result: number; errno: number }

function run(args: string[], edit?: (s: Spec) => void): RtResult {
  const bundle = makeBundle(testSpec(args, edit));
  return rt(root, ["run", "--bundle", bundle, uniqueId("sc")]);
}

/** The probe's JSON output of a container that must succeed. */
function probe<T>(args: string[], edit?: (s: Spec) => void): T {
  const r = run(["/bin/probe", ...args], edit);
  if (r.code !== 0) throw new Error(`rt run failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const withSeccomp = (sc: LinuxSeccomp, more?: (s: Spec) => void) => (s: Spec) => {
  s.linux!.seccomp = sc;
  more?.(s);
};

/** A line of /proc/self/status as the probe saw it. */
const statusField = (status: string, name: string) => new RegExp(`^${name}:\\s*(.*)$`, "m").exec(status)?.[1];

const mkdirErrno = (errnoRet?: number): LinuxSeccomp => ({
  defaultAction: "SCMP_ACT_ALLOW",
  syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", ...(errnoRet === undefined ? {} : { errnoRet }) }],
});

describe("linux.seccomp", () => {
  it("loads one filter: Seccomp 2 (filter mode) and Seccomp_filters 1 in /proc/self/status", () => {
    const plain = probe<{ status: string }>(["report"]);
    expect(statusField(plain.status, "Seccomp")).toBe("0");
    const r = probe<{ status: string }>(["report"], withSeccomp(mkdirErrno()));
    expect(statusField(r.status, "Seccomp")).toBe("2");
    expect(statusField(r.status, "Seccomp_filters")).toBe("1");
  });

  it("SCMP_ACT_ERRNO fails mkdir with EPERM by default, with errnoRet when given, and leaves other calls alone", () => {
    const [mk, st] = probe<Call[]>(["try", "mkdir", "/tmp/d", "stat", "/tmp"], withSeccomp(mkdirErrno()));
    expect(mk).toMatchObject({ result: -1, errno: EPERM });
    expect(st).toMatchObject({ result: 0, errno: 0 });
    const [custom, after] = probe<Call[]>(["try", "mkdir", "/tmp/d", "stat", "/tmp/d"], withSeccomp(mkdirErrno(ENOSPC)));
    expect(custom).toMatchObject({ result: -1, errno: ENOSPC });
    expect(after.errno).toBe(2); // ENOENT: the kernel never made it
  });

  it("SCMP_ACT_KILL, KILL_THREAD, KILL_PROCESS and TRAP end the process with SIGSYS (exit status 128+31)", () => {
    for (const action of ["SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP"] as const) {
      const r = run(["/bin/probe", "try", "mkdir", "/tmp/d"], withSeccomp({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir", "mkdirat"], action }] }));
      expect(r.code, action).toBe(128 + SIGSYS);
      expect(r.stdout, action).toBe("");
    }
  });

  it("SCMP_ACT_TRACE without a tracer fails the call with ENOSYS; SCMP_ACT_LOG lets it through", () => {
    const trace = probe<Call[]>(["try", "mkdir", "/tmp/d"], withSeccomp({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_TRACE" }] }));
    expect(trace[0]).toMatchObject({ result: -1, errno: ENOSYS });
    const log = probe<Call[]>(["try", "mkdir", "/tmp/d", "stat", "/tmp/d"], withSeccomp({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_LOG" }] }));
    expect(log.map((c) => c.result)).toEqual([0, 0]);
  });

  it("compares arguments with every operator: ANDed across arguments, each its own rule when two compare one argument (as runc)", () => {
    const sc: LinuxSeccomp = {
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [
        {
          names: ["getppid"], action: "SCMP_ACT_ERRNO", errnoRet: EXDEV,
          args: [
            { index: 0, op: "SCMP_CMP_EQ", value: 5 },
            { index: 1, op: "SCMP_CMP_MASKED_EQ", value: 0xff00, valueTwo: 0x1200 },
            { index: 2, op: "SCMP_CMP_GT", value: 10 },
            { index: 3, op: "SCMP_CMP_MASKED_EQ", value: 0xff00000000, valueTwo: 0x1200000000 }, // above 32 bits
          ],
        },
        { names: ["getpgid"], action: "SCMP_ACT_ERRNO", errnoRet: EXDEV, args: [{ index: 0, op: "SCMP_CMP_NE", value: 7 }, { index: 1, op: "SCMP_CMP_LE", value: 3 }] },
        // Both on argument 0: either one matching is enough.
        { names: ["getsid"], action: "SCMP_ACT_ERRNO", errnoRet: EXDEV, args: [{ index: 0, op: "SCMP_CMP_LT", value: 3 }, { index: 0, op: "SCMP_CMP_GE", value: 100 }] },
      ],
    };
    const calls: [string, ...string[]][] = [
      ["getppid", "5", "0x1234", "11", "0x1234567890"], // all four hold
      ["getppid", "5", "0x1334", "11", "0x1234567890"], // the mask of arg 1 does not
      ["getppid", "5", "0x1234", "10", "0x1234567890"], // arg 2 is not > 10
      ["getppid", "6", "0x1234", "11", "0x1234567890"], // arg 0 is not 5
      ["getppid", "5", "0x1234", "11", "0x1334567890"], // the high word of arg 3 differs
      ["getpgid", "0", "3"], // 0 != 7 and 3 <= 3
      ["getpgid", "7", "3"], // arg 0 is 7: the kernel answers (no such process)
      ["getpgid", "0", "4"], // 4 > 3: the kernel answers (its own group)
      ["getsid", "1"], // < 3
      ["getsid", "200"], // >= 100
      ["getsid", "50"], // neither: the kernel answers (no such process)
    ];
    const out = probe<Call[]>(["syscall", ...calls.flatMap((c, i) => (i ? ["--", ...c] : c))], withSeccomp(sc));
    const errnos = out.map((c) => c.errno);
    expect(errnos).toEqual([EXDEV, 0, 0, 0, 0, EXDEV, ESRCH, 0, EXDEV, EXDEV, ESRCH]);
    expect(out[1].result).toBe(0); // getppid ran: the init's parent is outside its pid namespace
  });

  it("architectures: an i386 syscall (int $0x80) meets the rule by its i386 number with SCMP_ARCH_X86 listed, and is killed as a bad arch without", () => {
    // i386 getppid is 64 (x86_64: 110); the probe is an x86_64 program, as rt is.
    const rule = { names: ["getppid"], action: "SCMP_ACT_ERRNO" as const, errnoRet: EXDEV };
    const with32 = probe<Call[]>(["syscall32", "64"], withSeccomp({ defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"], syscalls: [rule] }));
    expect(with32[0]).toMatchObject({ result: -1, errno: EXDEV });
    const other = probe<Call[]>(["syscall32", "147", "99999"], withSeccomp({ defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86"], syscalls: [rule] }));
    expect(other[0]).toMatchObject({ result: -1, errno: ESRCH }); // getsid: not in the filter, the kernel answers
    const without = run(["/bin/probe", "syscall32", "64"], withSeccomp({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [rule] }));
    expect(without.code).toBe(128 + SIGSYS);
  });

  it("flags TSYNC, LOG and SPEC_ALLOW go to seccomp(2), which takes them: the filter is in force", () => {
    const [mk] = probe<Call[]>(["try", "mkdir", "/tmp/d"], withSeccomp({
      ...mkdirErrno(ENOSPC), flags: ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
    }));
    expect(mk).toMatchObject({ result: -1, errno: ENOSPC });
  });

  it("defaultAction SCMP_ACT_ERRNO with defaultErrnoRet: every call outside the allowed ones fails with that errno", () => {
    // What the init (after the filter is loaded) and the static probe need.
    const allowed = [
      "execve", "write", "read", "close", "exit_group", "exit", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "prctl",
      "brk", "mmap", "munmap", "mprotect", "arch_prctl", "set_tid_address", "set_robust_list", "rseq", "prlimit64",
      "newfstatat", "fstat", "stat", "access", "faccessat", "faccessat2", "getrandom", "uname", "readlink", "readlinkat", "ioctl", "fcntl",
    ];
    const [mk, st] = probe<Call[]>(["try", "mkdir", "/tmp/d", "stat", "/tmp"], withSeccomp({
      defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: EOPNOTSUPP, syscalls: [{ names: allowed, action: "SCMP_ACT_ALLOW" }],
    }));
    expect(mk).toMatchObject({ result: -1, errno: EOPNOTSUPP });
    expect(st).toMatchObject({ result: 0, errno: 0 });
  });

  it("skips a rule whose action is the default action (libseccomp would refuse it)", () => {
    const [mk, rm] = probe<Call[]>(["try", "mkdir", "/tmp/d", "rmdir", "/tmp/d"], withSeccomp({
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ALLOW" }, { names: ["rmdir", "unlinkat"], action: "SCMP_ACT_ERRNO" }],
    }));
    expect(mk.result).toBe(0);
    expect(rm).toMatchObject({ result: -1, errno: EPERM });
  });

  it("warns about a syscall name libseccomp does not know and skips it; the rest of the rule applies", () => {
    const r = run(["/bin/probe", "try", "mkdir", "/tmp/d"], withSeccomp({
      defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["no_such_syscall", "mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO" }],
    }));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: linux\.seccomp\.syscalls\[0\]\.names\[0\]: unknown syscall "no_such_syscall" skipped/);
    expect(JSON.parse(r.stdout)[0]).toMatchObject({ result: -1, errno: EPERM });
  });

  it("noNewPrivileges false with a non-root user: the filter is loaded before the uid switch, while the init has CAP_SYS_ADMIN", () => {
    const edit = withSeccomp(mkdirErrno(), (s) => {
      s.process!.noNewPrivileges = false;
      s.process!.user = { uid: 1000, gid: 1000 };
    });
    const r = probe<{ uid: number; no_new_privs: number; status: string }>(["report"], edit);
    expect(r.uid).toBe(1000);
    expect(r.no_new_privs).toBe(0);
    expect(statusField(r.status, "Seccomp")).toBe("2");
    expect(probe<Call[]>(["try", "mkdir", "/tmp/d"], edit)[0]).toMatchObject({ result: -1, errno: EPERM });
  });

  it("rt create, then rt start: the created init waits under the filter, and the program it starts is filtered", async () => {
    const id = uniqueId("scc");
    const bundle = makeBundle(testSpec(["/bin/probe", "try", "mkdir", "/tmp/d"], withSeccomp(mkdirErrno(ENOSPC))));
    const { result, out } = createWithOutput(root, id, bundle);
    expect(result.code, result.stderr).toBe(0);
    const pid = stateOf(root, id).pid!;
    expect(statusField(fs.readFileSync(`/proc/${pid}/status`, "utf8"), "Seccomp")).toBe("2");
    expect(rt(root, ["start", id]).code).toBe(0);
    await waitFor(() => stateOf(root, id).status === "stopped", 5000, "the program to end");
    expect(JSON.parse(fs.readFileSync(out, "utf8"))[0]).toMatchObject({ result: -1, errno: ENOSPC });
    expect(rt(root, ["delete", id]).code).toBe(0);
  });

  it("refuses what it cannot apply, by field, and leaves nothing behind", () => {
    const cases: [LinuxSeccomp, RegExp][] = [
      [{ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_NOTIFY" }] }, /linux\.seccomp\.listenerPath: required when SCMP_ACT_NOTIFY is used/],
      [{ defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"] }, /linux\.seccomp\.flags\[0\]: libseccomp [\d.]+ .*cannot set SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV/],
    ];
    for (const [sc, message] of cases) {
      const r = run(["/bin/probe", "true"], withSeccomp(sc));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
    }
    expect(fs.readdirSync(root)).toEqual([]);
  });
});

/** The test agent on a fresh socket; resolves once it listens. */
async function startAgent(answer: number) {
  const dir = tmpDir("rt-seccomp-agent-");
  const socket = path.join(dir, "agent.sock");
  const stateFile = path.join(dir, "state.json");
  const child = spawn(AGENT, [socket, stateFile, String(answer)], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
  await new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (out.includes("LISTENING\n")) clearInterval(t), resolve();
    }, 5);
    child.on("exit", () => (clearInterval(t), reject(new Error(`seccomp-agent exited: ${out}`))));
  });
  return { socket, stateFile, exited, output: () => out, stop: () => child.kill("SIGKILL") };
}

/** `rt run` without blocking this process: the agent must be read meanwhile. */
function runAsync(bundle: string, id: string): Promise<RtResult> {
  return new Promise((resolve) => {
    const c = spawn(path.join(REPO, "dist/rt"), ["--root", root, "run", "--bundle", bundle, id], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    c.stdout.on("data", (d) => (stdout += d));
    c.stderr.on("data", (d) => (stderr += d));
    c.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe("SCMP_ACT_NOTIFY", () => {
  const notifyMkdir = (listenerPath: string): LinuxSeccomp => ({
    defaultAction: "SCMP_ACT_ALLOW",
    listenerPath,
    listenerMetadata: "agent-test;x=1",
    syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY" }],
  });

  it("the listener receives the seccomp fd with the container process state, and answers mkdir", async () => {
    const agent = await startAgent(0);
    try {
      const id = uniqueId("scn");
      const bundle = makeBundle(testSpec(["/bin/probe", "try", "mkdir", "/tmp/d", "stat", "/tmp/d"], (s) => {
        s.linux!.seccomp = notifyMkdir(agent.socket);
        s.annotations = { "org.example/key": "value" };
      }));
      const r = await runAsync(bundle, id);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const [mk, st] = JSON.parse(r.stdout) as Call[];
      // The agent said success without making anything: the kernel did not run mkdir.
      expect(mk).toMatchObject({ result: 0, errno: 0 });
      expect(st.errno).toBe(2);
      expect(await agent.exited).toBe(0); // the container is gone: its listener fd reports it
      const answered = /^(mkdir|mkdirat) (\d+)$/m.exec(agent.output());
      expect(answered).not.toBeNull();
      const state = JSON.parse(fs.readFileSync(agent.stateFile, "utf8"));
      const pid = Number(answered![2]);
      expect(state).toEqual({
        ociVersion: "1.3.0",
        fds: ["seccompFd"],
        pid,
        metadata: "agent-test;x=1",
        state: { ociVersion: "1.3.0", id, status: "creating", pid, bundle, annotations: { "org.example/key": "value" } },
      });
    } finally {
      agent.stop();
    }
  });

  it("the agent's errno is what mkdir returns", async () => {
    const agent = await startAgent(EXDEV);
    try {
      const bundle = makeBundle(testSpec(["/bin/probe", "try", "mkdir", "/tmp/d"], withSeccomp(notifyMkdir(agent.socket))));
      const r = await runAsync(bundle, uniqueId("scn"));
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)[0]).toMatchObject({ result: -1, errno: EXDEV });
    } finally {
      agent.stop();
    }
  });

  it("with noNewPrivileges false and a non-root user too: the listener socket outlives the uid switch", async () => {
    const agent = await startAgent(EXDEV);
    try {
      const bundle = makeBundle(testSpec(["/bin/probe", "try", "mkdir", "/tmp/d"], withSeccomp(notifyMkdir(agent.socket), (s) => {
        s.process!.noNewPrivileges = false;
        s.process!.user = { uid: 1000, gid: 1000 };
      })));
      const r = await runAsync(bundle, uniqueId("scn"));
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)[0]).toMatchObject({ result: -1, errno: EXDEV });
      expect(JSON.parse(fs.readFileSync(agent.stateFile, "utf8")).fds).toEqual(["seccompFd"]);
    } finally {
      agent.stop();
    }
  });

  it("a listenerPath nobody listens on fails create, naming the field", () => {
    const r = run(["/bin/probe", "true"], withSeccomp(notifyMkdir(path.join(tmpDir(), "nobody.sock"))));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/linux\.seccomp\.listenerPath.*connect .*nobody\.sock \(seccomp listener\): (No such file or directory|Connection refused)/);
    expect(fs.readdirSync(root)).toEqual([]);
  });
});
