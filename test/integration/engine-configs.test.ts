// Configs as engines write them, read back from inside the container and
// compared with runc for the same bundle. test/fixtures/podman-4.3-config.json
// is the config.json podman 4.3.1 (Debian 12) wrote for
// `podman create --network none <image> /bin/probe report`, with its host
// paths turned into @PLACEHOLDERS@ and linux.resources.pids left out (cgroup
// resource limits are refused by name until they are implemented: issue 11);
// podman-4.3-uidmap-config.json the one for `podman create --network none
// --uidmap 0:100000:65536 --gidmap 0:100000:65536 --pids-limit=-1 --ulimit
// nofile=1024:1024 --ulimit nproc=1024:1024 …` (its pids.limit 0 is podman's "unlimited").
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LINUX_CAPABILITIES } from "../../src/linux/capability-names.ts";
import { REPO, ROOTFS, cleanupRoot, rt, stateRoot, tmpDir, uniqueId } from "../helpers.ts";

const root = stateRoot();
const runcRoot = tmpDir("runc-root-");
afterAll(() => {
  cleanupRoot(root);
  for (const id of fs.readdirSync(runcRoot)) spawnSync("runc", ["--root", runcRoot, "delete", "--force", id]);
  fs.rmSync(runcRoot, { recursive: true, force: true });
});

const FIXTURE = path.join(REPO, "test/fixtures/podman-4.3-config.json");

/** A bundle of podman's config on a private copy of the test rootfs (its bind targets are created in it). */
function podmanBundle(args: string[], fixture = FIXTURE, owner?: number): string {
  const dir = tmpDir("rt-podman-");
  const data = path.join(dir, "userdata");
  fs.mkdirSync(path.join(data, "shm"), { recursive: true });
  for (const f of ["hosts", "hostname", ".containerenv"]) fs.writeFileSync(path.join(data, f), f === "hosts" ? "127.0.0.1 localhost\n" : "");
  fs.cpSync(ROOTFS, path.join(dir, "rootfs"), { recursive: true, verbatimSymlinks: true });
  // As podman's storage does for --uidmap: the image's files belong to the mapped root.
  if (owner !== undefined) {
    spawnSync("chown", ["-R", `${owner}:${owner}`, path.join(dir, "rootfs"), data]);
    fs.chmodSync(dir, 0o755); // mkdtemp's 0700 would keep the namespace's root out of its own rootfs
  }
  const text = fs.readFileSync(fixture, "utf8")
    .replaceAll("@ROOTFS@", path.join(dir, "rootfs"))
    .replaceAll("@DATA@", data)
    .replaceAll("@CGROUPS_PATH@", `/rt-test-podman/${path.basename(dir)}`);
  const spec = JSON.parse(text);
  spec.process.args = args;
  if (fixture !== FIXTURE) return write(dir, spec);
  // podman's 1048576 files and 32768 processes are above this sandbox's hard
  // limits, and rt runs without CAP_SYS_RESOURCE here (so does runc): these
  // are the values \`podman run --ulimit nofile=1024:1024 --ulimit nproc=1024:1024\` writes.
  spec.process.rlimits = [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }, { type: "RLIMIT_NPROC", hard: 1024, soft: 1024 }];
  return write(dir, spec);
}

function write(dir: string, spec: unknown): string {
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify(spec));
  return dir;
}

function rtRun(bundle: string): string {
  const r = rt(root, ["run", "--bundle", bundle, uniqueId("podman")]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

function runcRun(bundle: string): string {
  const r = spawnSync("runc", ["--root", runcRoot, "run", "--bundle", bundle, uniqueId("runc")], { encoding: "utf8", timeout: 20_000 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/** The confinement lines of /proc/self/status. */
function confinement(status: string): Record<string, string> {
  const keys = ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", "Seccomp_filters"];
  return Object.fromEntries(keys.map((k) => [k, new RegExp(`^${k}:\\s*(.*)$`, "m").exec(status)?.[1] ?? "missing"]));
}

// x86_64 numbers: getppid, bpf, add_key, kexec_load, and one no kernel has (the profile's default errno, ENOSYS).
const SYSCALLS = ["syscall", "110", "--", "321", "0", "0", "0", "--", "248", "0", "0", "0", "0", "0", "--", "246", "0", "0", "0", "0", "--", "1000"];

describe("podman 4.3's config.json", () => {
  const spec = JSON.parse(fs.readFileSync(FIXTURE, "utf8"));

  it("gives the process exactly podman's capabilities and its seccomp filter, the same /proc/self/status lines as runc", () => {
    const status = ["/bin/probe", "cat", "/proc/self/status"];
    const ours = confinement(rtRun(podmanBundle(status)));
    const theirs = confinement(runcRun(podmanBundle(status)));
    expect(ours).toEqual(theirs);
    const mask = (spec.process.capabilities.effective as string[]).reduce((m, n) => m | (1n << BigInt(LINUX_CAPABILITIES[n])), 0n);
    expect(ours.CapEff).toBe(mask.toString(16).padStart(16, "0"));
    expect(ours.CapBnd).toBe(ours.CapEff);
    expect(ours.Seccomp).toBe("2");
    expect(ours.Seccomp_filters).toBe("1");
  });

  it("filters syscalls as podman's profile says, as under runc", () => {
    const ours = JSON.parse(rtRun(podmanBundle(["/bin/probe", ...SYSCALLS])));
    const theirs = JSON.parse(runcRun(podmanBundle(["/bin/probe", ...SYSCALLS])));
    expect(ours).toEqual(theirs);
    expect(ours[0].result).toBeGreaterThanOrEqual(0); // getppid: allowed
    expect(ours.at(-1).errno).toBe(spec.linux.seccomp.defaultErrnoRet); // not in the profile: its default errno
  });

  it("runs with podman's mounts, masked and read-only paths, rlimits and sysctl", () => {
    const report = JSON.parse(rtRun(podmanBundle(["/bin/probe", "report"])));
    expect(report.hostname).toBe("podman-shaped");
    expect(report.rlimits.RLIMIT_NOFILE).toEqual([1024, 1024]);
    expect(report.rlimits.RLIMIT_NPROC).toEqual([1024, 1024]);
    for (const t of ["/etc/hosts", "/etc/hostname", "/run/.containerenv", "/dev/shm", "/proc/keys", "/proc/acpi", "/proc/sys"]) {
      expect(report.mountinfo.split("\n").some((l: string) => l.split(" ")[4] === t), t).toBe(true);
    }
  });
});

describe("podman 4.3's config.json for --uidmap 0:100000:65536", () => {
  const UIDMAP = path.join(REPO, "test/fixtures/podman-4.3-uidmap-config.json");

  it("runs in a user namespace with podman's maps, as root inside and uid 100000 outside, with the same confinement as runc", () => {
    const report = JSON.parse(rtRun(podmanBundle(["/bin/probe", "report"], UIDMAP, 100000)));
    expect([report.uid, report.gid]).toEqual([0, 0]);
    const status = ["/bin/probe", "cat", "/proc/self/status"];
    const ours = confinement(rtRun(podmanBundle(status, UIDMAP, 100000)));
    expect(ours).toEqual(confinement(runcRun(podmanBundle(status, UIDMAP, 100000))));
    expect(ours.Seccomp).toBe("2");
    const maps = rtRun(podmanBundle(["/bin/probe", "cat", "/proc/self/uid_map"], UIDMAP, 100000)).trim().split(/\s+/).map(Number);
    expect(maps).toEqual([0, 100000, 65536]);
    for (const t of ["/dev/pts", "/dev/mqueue", "/sys", "/etc/hosts"]) {
      expect(report.mountinfo.split("\n").some((l: string) => l.split(" ")[4] === t), t).toBe(true);
    }
    // No cgroup namespace of its own, so no cgroup2 mount: its own cgroup, bound from the host, read-only.
    const cg = report.mountinfo.split("\n").reverse().find((l: string) => l.split(" ")[4] === "/sys/fs/cgroup")!.split(" ");
    expect(cg[3]).toMatch(/\/rt-test-podman\/rt-podman-/);
    expect(cg[5].split(",")).toContain("ro");
  });
});
