// rt exec as engines drive it (runc's command line: containerd's shim,
// podman, docker exec): one test per flag, each reading back inside the
// process what the flag asks for.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Spec } from "../src/spec/types.ts";
import { REPO, RT, cleanupRoot, makeBundle, pidAlive, rt, rtDetached, stateOf, stateRoot, testSpec, tmpDir, uniqueId, waitFor } from "../test/helpers.ts";

const root = stateRoot();
afterAll(() => cleanupRoot(root));

function startContainer(edit?: (s: Spec) => void): { id: string; pid: number } {
  const id = uniqueId("xc");
  const r = rtDetached(root, ["run", "--detach", "--bundle", makeBundle(testSpec(["/bin/probe", "sleep", "1000"], edit)), id]);
  expect(r.code, r.stderr).toBe(0);
  return { id, pid: stateOf(root, id).pid! };
}

const report = (id: string, flags: string[], opts: Parameters<typeof rt>[2] = {}) => {
  const r = rt(root, ["exec", ...flags, id, "/bin/probe", "report"], opts);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};
const statusLine = (rep: { status: string }, name: string) => new RegExp(`^${name}:\\t(.*)$`, "m").exec(rep.status)![1];
const refused = (id: string, flags: string[], message: string | RegExp, cmd = ["/bin/probe", "true"]) => {
  const r = rt(root, ["exec", ...flags, id, ...cmd]);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trim().split("\n")).toHaveLength(1 + (r.stderr.includes("\nusage:") ? 1 : 0));
};

describe("rt exec flags", () => {
  let c: { id: string; pid: number };
  beforeAll(() => { c = startContainer((s) => { s.process!.noNewPrivileges = false; s.process!.user = { uid: 0, gid: 0, additionalGids: [7] }; }); });

  it("COMMAND ARGS: options stop at the command, whose own options are its arguments", () => {
    const r = rt(root, ["exec", c.id, "/bin/probe", "echo", "-e", "--env", "x"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("-e --env x\n");
    refused(c.id, [], /exec: a COMMAND or --process FILE is required/, []);
  });

  it("--env/-e adds a variable and replaces one of the same name", () => {
    const rep = report(c.id, ["-e", "A=1", "--env", "PATH=/sbin:/bin", "--env=B=x=y"]);
    expect(rep.env).toEqual(["PATH=/sbin:/bin", "HOME=/root", "A=1", "B=x=y"]);
    refused(c.id, ["-e", "NOVALUE"], /--env: expected KEY=VALUE/);
  });

  it("--env-file: Docker's format (KEY=VALUE, # comments, a bare KEY takes rt's value), before --env", () => {
    const f = path.join(tmpDir(), "env");
    fs.writeFileSync(f, "# a comment\nA=from file\n\n  B=spaced = kept \nFROM_CALLER\nUNSET_IN_CALLER\nC=1\r\n");
    const rep = report(c.id, ["--env-file", f, "-e", "C=2"], { env: { ...process.env, FROM_CALLER: "caller's", UNSET_IN_CALLER: undefined } });
    expect(rep.env).toEqual(["PATH=/bin", "HOME=/root", "A=from file", "B=spaced = kept ", "FROM_CALLER=caller's", "C=2"]);
    fs.writeFileSync(f, "OK=1\nBAD NAME=2\n");
    refused(c.id, ["--env-file", f], /--env-file .*:2: variable name "BAD NAME" contains blanks/);
    refused(c.id, ["--env-file", "/no/such/file"], /--env-file \/no\/such\/file: .*no such file/i);
  });

  it("--user/-u uid[:gid]: the uid alone keeps the config's gid", () => {
    let rep = report(c.id, ["-u", "1000"]);
    expect([rep.uid, rep.euid, rep.gid]).toEqual([1000, 1000, 0]);
    rep = report(c.id, ["--user", "1000:2000"]);
    expect([rep.uid, rep.gid, rep.egid]).toEqual([1000, 2000, 2000]);
    refused(c.id, ["-u", "root"], /--user: not a uid\/gid number: "root"/);
  });

  it("--additional-gids/-g adds to the config's supplementary groups", () => {
    const rep = report(c.id, ["-g", "10", "--additional-gids", "20"]);
    expect(rep.groups).toEqual([7, 10, 20]);
  });

  it("--cwd sets the working directory inside the container", () => {
    expect(report(c.id, ["--cwd", "/bin"]).cwd).toBe("/bin");
    refused(c.id, ["--cwd", "bin"], /--cwd: must be an absolute path/);
  });

  it("--cap/-c adds a capability to the bounding, effective and permitted sets", () => {
    const before = report(c.id, []);
    const rep = report(c.id, ["--cap", "CAP_SYS_ADMIN", "-c", "CAP_NET_ADMIN"]);
    const bits = (1n << 21n) | (1n << 12n);
    for (const set of ["CapEff", "CapPrm", "CapBnd"]) {
      expect(BigInt("0x" + statusLine(rep, set))).toBe(BigInt("0x" + statusLine(before, set)) | bits);
    }
    expect(statusLine(rep, "CapInh")).toBe(statusLine(before, "CapInh"));
    refused(c.id, ["--cap", "SYS_ADMIN"], /--cap: unknown capability "SYS_ADMIN"/);
  });

  it("--no-new-privs sets no_new_privs where the config does not", () => {
    expect(report(c.id, []).no_new_privs).toBe(0);
    expect(report(c.id, ["--no-new-privs"]).no_new_privs).toBe(1);
  });

  it("--apparmor and --process-label are refused by name (this host has neither LSM)", () => {
    refused(c.id, ["--apparmor", "unconfined"], /^rt: --apparmor: this host has no AppArmor$/m);
    refused(c.id, ["--process-label", "system_u:system_r:container_t:s0"], /^rt: --process-label: this host has no SELinux$/m);
  });

  it("--preserve-fds passes fds 3 … 3+n-1 through, and no other", () => {
    const f = path.join(tmpDir(), "f");
    fs.writeFileSync(f, "x");
    const fd = fs.openSync(f, "r");
    try {
      const r = rt(root, ["exec", "--preserve-fds", "2", c.id, "/bin/probe", "ls-fds"], { stdio: ["ignore", "pipe", "pipe", fd, fd, fd] });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual([0, 1, 2, 3, 4]);
    } finally {
      fs.closeSync(fd);
    }
  });

  it("--detach/-d returns while the process runs; --pid-file holds its host pid", async () => {
    const pidFile = path.join(tmpDir(), "pid");
    const r = rtDetached(root, ["exec", "-d", "--pid-file", pidFile, c.id, "/bin/probe", "sleep", "1000"]);
    expect(r.code, r.stderr).toBe(0);
    const pid = Number(fs.readFileSync(pidFile, "utf8"));
    expect(pidAlive(pid)).toBe(true);
    // rt returns once the process is ready, which may be just before its execve
    const cmdline = () => fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    await waitFor(() => cmdline().startsWith("/bin/probe"), 5_000, "the exec'd program");
    expect(cmdline()).toBe("/bin/probe\0sleep\x001000\0");
    expect(fs.readlinkSync(`/proc/${pid}/ns/pid`)).toBe(fs.readlinkSync(`/proc/${c.pid}/ns/pid`));
    process.kill(pid, "SIGKILL");
  });

  it("--tty/-t with --console-socket: the process gets a terminal from the container's devpts, its master on the socket", async () => {
    const dir = tmpDir();
    const sock = path.join(dir, "console.sock");
    const out = path.join(dir, "out");
    const server = spawn("python3", [path.join(REPO, "test/fixtures/console-server.py"), sock, out], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve) => server.stdout!.once("data", () => resolve()));
    const exited = new Promise<void>((resolve) => server.on("exit", () => resolve()));
    const r = rt(root, ["exec", "-t", "--console-socket", sock, "-u", "1000", c.id, "/bin/probe", "report"]);
    expect(r.code, r.stderr).toBe(0);
    await exited;
    expect(fs.readFileSync(out + ".meta", "utf8")).toMatch(/^1 \/dev\/pts\/\d+/);
    const text = fs.readFileSync(out, "utf8");
    const rep = JSON.parse(text.slice(text.indexOf("{")));
    expect(rep.stdin_isatty).toBe(true);
    expect(rep.stdin_uid).toBe(1000);
    // The pts is the container's own devpts (its mount is the init's), not the host's.
    expect(rep.mountinfo).toMatch(/ \/dev\/pts .* - devpts /);
    refused(c.id, ["-t"], /--tty: --console-socket is required/);
    refused(c.id, ["--console-socket", sock], /--console-socket given, but --tty is not/);
  });

  it("--ignore-paused: a paused container is refused without it (see test/integration/exec.test.ts for the thaw)", () => {
    const cg = fs.readFileSync(`/proc/${c.pid}/cgroup`, "utf8").match(/^0::(.*)$/m)![1];
    const mounts = fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(" - cgroup2 ")).map((l) => l.split(" ")[4]);
    const freeze = path.join(mounts.includes("/sys/fs/cgroup/unified") ? "/sys/fs/cgroup/unified" : mounts[0], cg, "cgroup.freeze");
    fs.writeFileSync(freeze, "1");
    try {
      refused(c.id, [], /it is paused \(--ignore-paused to exec anyway\)/);
    } finally {
      fs.writeFileSync(freeze, "0");
    }
  });

  it("--cgroup [controllers:]path: the process joins that sub-cgroup of the container's in each hierarchy", () => {
    const own = fs.readFileSync(`/proc/${c.pid}/cgroup`, "utf8");
    const unified = own.match(/^0::(.*)$/m)![1];
    const devices = own.match(/^\d+:devices:(.*)$/m)![1];
    const mounts = fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(" - cgroup2 ")).map((l) => l.split(" ")[4]);
    const uDir = path.join(mounts.includes("/sys/fs/cgroup/unified") ? "/sys/fs/cgroup/unified" : mounts[0], unified, "sub");
    const dDir = path.join("/sys/fs/cgroup/devices", devices, "sub");
    // Without controllers, --cgroup names the sub-cgroup in every hierarchy the container is in (each v1 one too, as runc).
    const others = v1Roots().filter((m) => !m.endsWith("/devices")).map((m) => path.join(m, devices, "sub"));
    fs.mkdirSync(uDir);
    fs.mkdirSync(dDir);
    for (const d of others) {
      fs.mkdirSync(d);
      if (d.includes("/cpuset/")) for (const f of ["cpuset.cpus", "cpuset.mems"]) fs.writeFileSync(path.join(d, f), fs.readFileSync(path.join(path.dirname(d), f)));
    }
    try {
      const both = rt(root, ["exec", "--cgroup", "sub", c.id, "/bin/probe", "cat", "/proc/self/cgroup"]);
      expect(both.code, both.stderr).toBe(0);
      expect(both.stdout).toMatch(/^0::\/sub$/m);
      expect(both.stdout).toMatch(/^\d+:devices:\/sub$/m);
      const one = rt(root, ["exec", "--cgroup", "devices:sub", c.id, "/bin/probe", "cat", "/proc/self/cgroup"]);
      expect(one.code, one.stderr).toBe(0);
      expect(one.stdout).toMatch(/^0::\/$/m);
      expect(one.stdout).toMatch(/^\d+:devices:\/sub$/m);
      refused(c.id, ["--cgroup", "nosuch"], /--cgroup nosuch: open cgroup .*nosuch: No such file or directory/);
      refused(c.id, ["--cgroup", "../up"], /--cgroup \.\.\/up: the path must be relative/);
      refused(c.id, ["--cgroup", "nosuch:sub"], /--cgroup nosuch:sub: the container is in no "nosuch" hierarchy/);
    } finally {
      fs.rmdirSync(uDir);
      fs.rmdirSync(dDir);
      for (const d of others) fs.rmdirSync(d);
    }
  });

  it("--process FILE: the process as JSON replaces the config's; capabilities it leaves out are the container's", () => {
    const dir = tmpDir();
    const f = path.join(dir, "process.json");
    fs.writeFileSync(f, JSON.stringify({ args: ["/bin/probe", "report"], cwd: "/etc", env: ["ONLY=this"], user: { uid: 5, gid: 6 } }));
    const r = rt(root, ["exec", "--process", f, c.id]);
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect([rep.cwd, rep.env, rep.uid, rep.gid, rep.groups]).toEqual(["/etc", ["ONLY=this"], 5, 6, []]);
    expect(statusLine(rep, "CapBnd")).toBe(statusLine(report(c.id, []), "CapBnd"));
    refused(c.id, ["--process", f], /exec: give either --process FILE or a COMMAND, not both/);
    refused(c.id, ["--process", f, "-e", "A=1"], /--env cannot be combined with --process/, []);
    // podman exec -t: conmon passes --tty beside a file whose terminal is true
    refused(c.id, ["--process", f, "--tty"], /--tty disagrees with --process: its process.terminal is false/, []);
    fs.writeFileSync(f, JSON.stringify({ args: ["/bin/probe", "report"], cwd: "/", terminal: true, user: { uid: 0, gid: 0 } }));
    refused(c.id, ["--process", f, "--tty"], /--process: process\.terminal: --console-socket is required/, []);
    fs.writeFileSync(f, JSON.stringify({ args: ["/bin/probe"], cwd: "/", user: { uid: 0, gid: 0 }, apparmorProfile: "x" }));
    refused(c.id, ["--process", f], /--process: .*process\.apparmorProfile/, []);
  });
});

/** The root mounts of the v1 hierarchies on this host. */
function v1Roots(): string[] {
  return fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(" - cgroup cgroup ") && l.split(" ")[3] === "/").map((l) => l.split(" ")[4]);
}
