// containerd 1.6 (Debian 12) drives rt through its runc shim
// (io.containerd.runc.v2), beside runc in the same run (issue 12). The suite
// starts its own containerd — its own config, root, state, sockets, the CRI
// plugin off — and stops it by its pid. `ctr run --runc-binary <rt|runc>`
// picks the runtime binary per container; the image is `podman save`d from
// the test rootfs and `ctr images import`ed.
//
// `ctr run` writes linux.resources.cpu.shares 1024 unless told
// `--cpu-shares 0`; the flows pass `--cpu-shares 0` (from the days rt refused
// it) and one test runs with the default, reading cpu.shares back.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueId } from "../helpers.ts";
import { Daemon, RUNTIMES, expectFrozenThenThawed, v1CgroupFile, need, ok, removeTree, rootfsTarball, sh, statusField, tmpDir, tmuxSession, waitUntil, type Result } from "./engines.ts";

const CONTAINERD = need("containerd");
const CTR = need("ctr");
const PODMAN = need("podman");
const dir = tmpDir("rt-e12-containerd-");
// the remapped root (uid 100000) of the --uidmap test walks this path to its rootfs
fs.chmodSync(dir, 0o711);
const sock = path.join(dir, "containerd.sock");
const NS = "rt-e12";
const IMAGE = "localhost/rt-e12:latest";
const ctr = (args: string[]): Result => sh(CTR, ["--address", sock, "--namespace", NS, ...args]);
let daemon: Daemon | undefined;

beforeAll(async () => {
  const config = [
    "version = 2",
    `root = "${path.join(dir, "root")}"`,
    `state = "${path.join(dir, "state")}"`,
    `disabled_plugins = ["io.containerd.grpc.v1.cri"]`,
    "[grpc]", `  address = "${sock}"`,
    "[ttrpc]", `  address = "${sock}.ttrpc"`,
    "[debug]", '  address = ""',
    "[metrics]", '  address = ""',
  ].join("\n");
  fs.writeFileSync(path.join(dir, "config.toml"), config + "\n");
  daemon = new Daemon("containerd", CONTAINERD, ["--config", path.join(dir, "config.toml")], path.join(dir, "containerd.log"));
  await daemon.ready(() => fs.existsSync(sock) && ctr(["version"]).code === 0);
  // podman's own storage for the save, under this suite's directory
  const podman = (args: string[]) => sh(PODMAN, ["--root", path.join(dir, "podman"), "--runroot", path.join(dir, "podman-run"), "--tmpdir", path.join(dir, "podman-tmp"), ...args]);
  ok(podman(["import", rootfsTarball(dir), IMAGE]), "podman import");
  ok(podman(["save", "--output", path.join(dir, "image.tar"), IMAGE]), "podman save");
  podman(["rmi", "--all", "--force"]);
  ok(ctr(["images", "import", path.join(dir, "image.tar")]), "ctr images import");
}, 60_000);

afterAll(async () => {
  if (daemon?.alive()) {
    for (const id of ctr(["tasks", "list", "--quiet"]).stdout.split("\n").filter(Boolean)) {
      ctr(["tasks", "kill", "--signal", "KILL", id]);
      ctr(["tasks", "delete", "--force", id]);
    }
    for (const id of ctr(["containers", "list", "--quiet"]).stdout.split("\n").filter(Boolean)) ctr(["containers", "delete", id]);
    ctr(["images", "remove", IMAGE]);
  }
  await daemon?.stop();
  removeTree(dir);
}, 60_000);

describe.each(RUNTIMES)("ctr run --runc-binary %s", (name, runtime) => {
  const opts = ["--runc-binary", runtime, "--cpu-shares", "0"];
  // ctr run --rm can lose the output of a process that exits at once (seen
  // with runc as with rt): the command's status is kept and it ends 0.1 s later.
  const run = (args: string[], cmd: string[]) => ctr(["run", "--rm", ...opts, ...args, IMAGE, uniqueId(`e12-${name}`), "/bin/sh", "-c", '"$@"; s=$?; sleep 0.1; exit $s', "sh", ...cmd]);
  /** A running task of `sleep 600`; its id. */
  const detached = (args: string[] = []) => {
    const id = uniqueId(`e12-${name}`);
    ok(ctr(["run", "-d", ...opts, ...args, IMAGE, id, "sleep", "600"]), "ctr run -d");
    return id;
  };
  const remove = (id: string) => { ctr(["tasks", "kill", "--signal", "KILL", id]); ctr(["tasks", "delete", "--force", id]); ctr(["containers", "delete", id]); };

  it("run --rm: --env reaches the process and its exit status is ctr's", () => {
    const r = run(["--env", "FOO=bar"], ["/bin/sh", "-c", "echo $FOO; exit 3"]);
    expect(r.stdout).toBe("bar\n");
    expect(r.code).toBe(3);
  });

  it("run -d, task exec (--cwd, --user, exit code), task ps, task kill, task delete", async () => {
    const id = detached();
    expect(ctr(["tasks", "list"]).stdout).toMatch(new RegExp(`^${id}\\s+\\d+\\s+RUNNING`, "m"));
    const r = ctr(["tasks", "exec", "--exec-id", "x1", "--cwd", "/tmp", "--user", "1000:1000", id, "/bin/sh", "-c", "id -u; id -g; pwd; exit 4"]);
    expect(r.stdout).toBe("1000\n1000\n/tmp\n");
    expect(r.code).toBe(4);
    const pid = /^(\d+)\s/m.exec(ctr(["tasks", "ps", id]).stdout.split("\n").slice(1).join("\n"))?.[1];
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8")).toBe("sleep\u0000600\u0000");
    ok(ctr(["tasks", "kill", "--signal", "KILL", id]), "ctr tasks kill");
    await waitUntil(() => /STOPPED/.test(ctr(["tasks", "list"]).stdout.split("\n").find((l) => l.startsWith(id)) ?? ""), "the task to stop");
    ok(ctr(["tasks", "delete", id]), "ctr tasks delete");
    ok(ctr(["containers", "delete", id]), "ctr containers delete");
    expect(ctr(["containers", "list", "--quiet"]).stdout).not.toContain(id);
  });

  it("task metrics: the shim reads the task's cgroups", () => {
    const id = detached();
    try {
      expect(ok(ctr(["tasks", "metrics", id]), "ctr tasks metrics")).toMatch(new RegExp(`^${id}\\s+\\d{4}-`, "m"));
    } finally { remove(id); }
  });

  it("run -t: an interactive shell through tmux (send-keys, capture-pane), its exit status", async () => {
    const t = tmuxSession(`${CTR} --address ${sock} --namespace ${NS} run -t --rm ${opts.join(" ")} --env 'PS1=in$ ' ${IMAGE} ${uniqueId(`e12-${name}`)} /bin/sh`);
    try {
      await t.until(/^in\$/m, "the container's prompt");
      t.keys("tty; echo $((6*7))", "Enter");
      const s = await t.until(/^42\s*$/m, "the shell's answer");
      expect(s).toMatch(/^\/dev\/pts\/\d+\s*$/m);
      t.keys("exit 7", "Enter");
      await t.until(/EXIT=7/, "ctr's exit status");
    } finally { t.kill(); }
  });

  it("--cap-drop of every default but CAP_NET_RAW: only bit 13 is left", () => {
    // ctr 1.6 takes no ALL: containerd's default set, less CAP_NET_RAW
    const drop = ["CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "SETGID", "SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE"];
    const s = ok(run(drop.flatMap((c) => ["--cap-drop", `CAP_${c}`]), ["cat", "/proc/self/status"]), "ctr run");
    for (const k of ["CapPrm", "CapEff", "CapBnd"]) expect(statusField(s, k)).toBe("0000000000002000");
  });

  it("--seccomp: containerd's default profile in force; without it, none", () => {
    expect(statusField(ok(run(["--seccomp"], ["cat", "/proc/self/status"]), "--seccomp"), "Seccomp")).toBe("2");
    expect(statusField(ok(run([], ["cat", "/proc/self/status"]), "no seccomp"), "Seccomp")).toBe("0");
  });

  it("--privileged: every capability the host's bounding set has, no seccomp, the host's devices", () => {
    const host = fs.readFileSync("/proc/self/status", "utf8");
    const s = ok(run(["--privileged"], ["/bin/sh", "-c", "cat /proc/self/status; ls /dev"]), "ctr run --privileged");
    expect(statusField(s, "CapEff")).toBe(statusField(host, "CapBnd"));
    expect(statusField(s, "Seccomp")).toBe("0");
    expect(s).toMatch(/^loop0$/m);
  });

  it("--read-only with bind mounts rw and ro", () => {
    const vol = fs.mkdtempSync(path.join(dir, "vol-"));
    const r = run(["--read-only", "--mount", `type=bind,src=${vol},dst=/rw,options=rbind:rw`, "--mount", `type=bind,src=${vol},dst=/ro,options=rbind:ro`],
      ["/bin/sh", "-c", "exec 2>&1; touch /x; echo w > /rw/f; echo w > /ro/g; cat /ro/f"]);
    expect(r.stdout).toBe("touch: /x: Read-only file system\n/bin/sh: can't create /ro/g: Read-only file system\nw\n");
    expect(fs.readFileSync(path.join(vol, "f"), "utf8")).toBe("w\n");
  });

  it("--device /dev/zero", () => {
    expect(ok(run(["--device", "/dev/zero"], ["/bin/sh", "-c", "head -c 3 /dev/zero | od -An -tx1; stat -c %t:%T /dev/zero"]), "ctr run --device")).toBe(" 00 00 00\n1:5\n");
  });

  it("--uidmap/--gidmap: a user namespace of that mapping", () => {
    const r = ok(run(["--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536"], ["/bin/sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map"]), "ctr run --uidmap");
    expect(r.split("\n").map((l) => l.trim().split(/\s+/).join(" "))).toEqual(["0 100000 65536", "0 100000 65536", ""]);
  });

  // ctr mounts no cgroupfs in the container: the limits are read on the host, in the task's cgroup.
  const pidOf = (id: string) => Number(/^\S+\s+(\d+)/m.exec(ctr(["tasks", "list"]).stdout.split("\n").find((l) => l.startsWith(id)) ?? "")?.[1]);

  it("ctr run's default --cpu-shares 1024: runs, with cpu.shares 1024", () => {
    const id = uniqueId(`e12-${name}`);
    const r = ctr(["run", "-d", "--runc-binary", runtime, IMAGE, id, "sleep", "600"]);
    try {
      expect(r.code, r.stderr).toBe(0);
      expect(v1CgroupFile(pidOf(id), "cpu", "cpu.shares")).toBe("1024");
    } finally { remove(id); }
  });

  it("--memory-limit 64 MiB: memory.limit_in_bytes 64 MiB; 16 MiB can be had, 100 MiB is OOM-killed", () => {
    const limit = ["--memory-limit", String(64 << 20)];
    const id = detached(limit);
    try {
      expect(v1CgroupFile(pidOf(id), "memory", "memory.limit_in_bytes")).toBe(String(64 << 20));
    } finally { remove(id); }
    expect(ok(run(limit, ["probe", "alloc", "16"]), "16 MiB under 64").trim()).toBe("allocated");
    const r = run(limit, ["probe", "alloc", "100"]);
    expect(r.code, r.stderr).toBe(137);
    expect(r.stdout).not.toContain("allocated");
  });

  it("task pause/resume: the task's processes are frozen (freezer FROZEN, a counter stops), then go on", async () => {
    const id = uniqueId(`e12-${name}`);
    ok(ctr(["run", "-d", ...opts, IMAGE, id, "probe", "count", "/tmp/n"]), "ctr run -d");
    try {
      const status = () => new RegExp(`^${id}\\s+\\d+\\s+(\\S+)`, "m").exec(ctr(["tasks", "list"]).stdout)?.[1];
      await expectFrozenThenThawed(pidOf(id), "/tmp/n", () => {
        ok(ctr(["tasks", "pause", id]), "ctr tasks pause");
        expect(status()).toBe("PAUSED");
      }, () => {
        ok(ctr(["tasks", "resume", id]), "ctr tasks resume");
        expect(status()).toBe("RUNNING");
      });
    } finally { remove(id); }
  });
});
