// process.capabilities in a real container: the Cap* lines of
// /proc/self/status as the container's process sees them after execve, for
// root and for a non-root user, compared with what is configured and with
// what runc (installed by npm pretest) gives for the same bundle.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { LinuxCapabilities, Spec } from "../../src/spec/types.ts";
import { LINUX_CAPABILITIES } from "../../src/linux/capability-names.ts";
import { HAS_BUSYBOX, RT, ROOTFS, cleanupRoot, makeBundle, rt, stateRoot, testSpec, tmpDir, uniqueId } from "../helpers.ts";

const root = stateRoot();
const runcRoot = tmpDir("runc-root-");
const HAS_RUNC = spawnSync("sh", ["-c", "command -v runc"]).status === 0;
afterAll(() => {
  cleanupRoot(root);
  if (HAS_RUNC) for (const id of fs.readdirSync(runcRoot)) spawnSync("runc", ["--root", runcRoot, "delete", "--force", id]);
  fs.rmSync(runcRoot, { recursive: true, force: true });
});

const STATUS = ["/bin/probe", "cat", "/proc/self/status"];
type CapLines = Record<"CapInh" | "CapPrm" | "CapEff" | "CapBnd" | "CapAmb", string>;

/** The Cap* lines of a /proc/<pid>/status. */
function capLines(status: string): CapLines {
  const out: Record<string, string> = {};
  for (const m of status.matchAll(/^(Cap(?:Inh|Prm|Eff|Bnd|Amb)):\t([0-9a-f]{16})$/gm)) out[m[1]] = m[2];
  expect(Object.keys(out).sort()).toEqual(["CapAmb", "CapBnd", "CapEff", "CapInh", "CapPrm"]);
  return out as CapLines;
}

/** The mask of these names, as the kernel prints it (16 hex digits). */
function hex(...names: string[]): string {
  return names.reduce((m, n) => m | (1n << BigInt(LINUX_CAPABILITIES[n])), 0n).toString(16).padStart(16, "0");
}

function rtRun(bundle: string): { caps: CapLines; stdout: string; stderr: string } {
  const r = rt(root, ["run", "--bundle", bundle, uniqueId()]);
  expect(r.code, r.stderr).toBe(0);
  return { caps: capLines(r.stdout), stdout: r.stdout, stderr: r.stderr };
}

function runcRun(bundle: string): CapLines {
  const r = spawnSync("runc", ["--root", runcRoot, "run", "--bundle", bundle, uniqueId("runc")], { encoding: "utf8", timeout: 20_000 });
  expect(r.status, r.stderr).toBe(0);
  return capLines(r.stdout);
}

function withCaps(caps: LinuxCapabilities | undefined, edit?: (s: Spec) => void): string {
  return makeBundle(testSpec(STATUS, (s) => {
    if (caps) s.process!.capabilities = caps;
    else delete s.process!.capabilities;
    edit?.(s);
  }));
}

const DOCKER_DEFAULT = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
  "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
];

describe("process.capabilities", () => {
  it("root gets the five sets exactly as configured (bits above 31 too), as with runc", () => {
    const all = ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SYS_ADMIN", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"];
    const bundle = withCaps({ bounding: all, effective: all, permitted: all, inheritable: ["CAP_KILL", "CAP_NET_RAW"], ambient: ["CAP_NET_RAW"] });
    const { caps } = rtRun(bundle);
    expect(caps).toEqual({ CapBnd: hex(...all), CapEff: hex(...all), CapPrm: hex(...all), CapInh: hex("CAP_KILL", "CAP_NET_RAW"), CapAmb: hex("CAP_NET_RAW") });
    if (HAS_RUNC) expect(runcRun(bundle)).toEqual(caps);
  });

  it("a non-root user (uid 1000) keeps its ambient capabilities across execve, and has them in CapEff", () => {
    const amb = ["CAP_NET_BIND_SERVICE", "CAP_NET_RAW"];
    const bundle = withCaps({ bounding: [...amb, "CAP_KILL", "CAP_SYS_ADMIN"], effective: amb, permitted: amb, inheritable: amb, ambient: amb }, (s) => {
      s.process!.user = { uid: 1000, gid: 1000 };
    });
    const { caps, stdout } = rtRun(bundle);
    expect(stdout).toMatch(/^Uid:\t1000\t1000\t1000\t1000$/m);
    expect(caps).toEqual({ CapBnd: hex(...amb, "CAP_KILL", "CAP_SYS_ADMIN"), CapEff: hex(...amb), CapPrm: hex(...amb), CapInh: hex(...amb), CapAmb: hex(...amb) });
    if (HAS_RUNC) expect(runcRun(bundle)).toEqual(caps);
  });

  it.runIf(HAS_BUSYBOX)("uid 1000 really uses an ambient capability (NET_ADMIN brings lo up); without it, it cannot", () => {
    const script = "ip link set lo up && ip -o link show lo";
    const run = (caps: string[]) => rt(root, ["run", "--bundle", makeBundle(testSpec(["/bin/sh", "-c", script], (s) => {
      s.process!.user = { uid: 1000, gid: 1000 };
      s.process!.capabilities = { bounding: caps, effective: caps, permitted: caps, inheritable: caps, ambient: caps };
    })), uniqueId()]);
    const granted = run(["CAP_NET_ADMIN"]);
    expect(granted.code, granted.stderr).toBe(0);
    expect(granted.stdout).toMatch(/lo: <[^>]*\bUP\b/);
    const denied = run([]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/Operation not permitted/);
  });

  it("Docker's default set gives CapEff 00000000a80425fb", () => {
    const bundle = withCaps({ bounding: DOCKER_DEFAULT, effective: DOCKER_DEFAULT, permitted: DOCKER_DEFAULT });
    const { caps } = rtRun(bundle);
    expect(caps).toEqual({ CapBnd: "00000000a80425fb", CapEff: "00000000a80425fb", CapPrm: "00000000a80425fb", CapInh: "0000000000000000", CapAmb: "0000000000000000" });
    if (HAS_RUNC) expect(runcRun(bundle)).toEqual(caps);
  });

  it("without process.capabilities every set is empty, for root too, as with runc 1.1.5", () => {
    const bundle = withCaps(undefined);
    const { caps } = rtRun(bundle);
    expect(Object.values(caps)).toEqual(Array(5).fill("0000000000000000"));
    if (HAS_RUNC) expect(runcRun(bundle)).toEqual(caps);
  });

  describe.runIf(HAS_BUSYBOX)("empty sets (--cap-drop ALL)", () => {
    const attempts = ["mknod /tmp/n c 1 3", "mount -t tmpfs tmpfs /mnt", "ip link set lo up"];
    const script = attempts.map((a) => `if ${a} 2>/tmp/err; then echo "${a}: ok"; else echo "${a}: $(cat /tmp/err)"; fi`).join("; ");
    const tryAll = (caps: LinuxCapabilities) => {
      const r = rt(root, ["run", "--bundle", makeBundle(testSpec(["/bin/sh", "-c", script], (s) => { s.process!.capabilities = caps; })), uniqueId()]);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.trim().split("\n");
    };

    it("leave every Cap* line zero", () => {
      const { caps } = rtRun(withCaps({ bounding: [], effective: [], permitted: [], inheritable: [], ambient: [] }));
      expect(Object.values(caps)).toEqual(Array(5).fill("0000000000000000"));
    });

    it("the process cannot mknod, mount or change the network; given the three capabilities, it can", () => {
      const denied = tryAll({ bounding: [], effective: [], permitted: [], inheritable: [], ambient: [] });
      expect(denied).toHaveLength(3);
      // EPERM, as busybox words it ("permission denied (are you root?)" for mount).
      denied.forEach((line, i) => expect(line).toMatch(new RegExp(`^${attempts[i]}: .*(Operation not permitted|permission denied)`)));
      const three = ["CAP_MKNOD", "CAP_SYS_ADMIN", "CAP_NET_ADMIN"];
      expect(tryAll({ bounding: three, effective: three, permitted: three })).toEqual(attempts.map((a) => `${a}: ok`));
    });
  });

  it("a capability this kernel does not have (above cap_last_cap) is left out with a warning, and the container runs", () => {
    // A kernel whose last capability is 39: cap_last_cap faked in a private
    // mount namespace that rt (and only rt) runs in.
    const fake = path.join(tmpDir(), "cap_last_cap");
    fs.writeFileSync(fake, "39\n");
    const set = ["CAP_KILL", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"];
    const bundle = withCaps({ bounding: set, effective: set, permitted: set });
    const r = spawnSync("unshare", ["--mount", "--propagation", "private", "sh", "-c", 'mount --bind "$0" /proc/sys/kernel/cap_last_cap && exec "$@"',
      fake, RT, "--root", root, "run", "--bundle", bundle, uniqueId()], { encoding: "utf8", timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe("rt: warning: process.capabilities: CAP_CHECKPOINT_RESTORE (40) is not known to this kernel (cap_last_cap 39): left out of bounding, effective, permitted\n");
    const kept = hex("CAP_KILL", "CAP_BPF");
    expect(capLines(r.stdout)).toEqual({ CapBnd: kept, CapEff: kept, CapPrm: kept, CapInh: "0000000000000000", CapAmb: "0000000000000000" });
  });
});

describe.runIf(HAS_RUNC)("the default config against runc", () => {
  it("`rt spec` writes runc's capabilities, and its bundle gives the same Cap* lines under rt and runc", () => {
    const bundle = tmpDir("rt-spec-");
    const made = rt(root, ["spec", "--bundle", bundle, "--", ...STATUS]);
    expect(made.code, made.stderr).toBe(0);
    const runcDir = tmpDir("runc-spec-");
    expect(spawnSync("runc", ["spec"], { cwd: runcDir }).status).toBe(0);
    const ours = JSON.parse(fs.readFileSync(path.join(bundle, "config.json"), "utf8"));
    const theirs = JSON.parse(fs.readFileSync(path.join(runcDir, "config.json"), "utf8"));
    for (const set of ["bounding", "effective", "permitted"]) expect(ours.process.capabilities[set], set).toEqual(theirs.process.capabilities[set]);
    // The rootfs is the test one; the capabilities are as `rt spec` wrote them.
    ours.root.path = ROOTFS;
    fs.writeFileSync(path.join(bundle, "config.json"), JSON.stringify(ours));
    const { caps, stderr } = rtRun(bundle);
    expect(stderr).toBe("");
    const three = hex("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
    expect(caps).toEqual({ CapBnd: three, CapEff: three, CapPrm: three, CapInh: "0000000000000000", CapAmb: "0000000000000000" });
    expect(runcRun(bundle)).toEqual(caps);
  });

  it("`runc spec`'s own config (ambient without inheritable) gives runc's Cap* lines; rt warns that ambient cannot be raised", () => {
    const bundle = tmpDir("runc-spec-");
    expect(spawnSync("runc", ["spec"], { cwd: bundle }).status).toBe(0);
    const config = JSON.parse(fs.readFileSync(path.join(bundle, "config.json"), "utf8"));
    config.root = { path: ROOTFS, readonly: true };
    config.process.terminal = false;
    config.process.args = STATUS;
    fs.writeFileSync(path.join(bundle, "config.json"), JSON.stringify(config));
    const { caps, stderr } = rtRun(bundle);
    expect(caps).toEqual(runcRun(bundle));
    for (const [i, name] of (config.process.capabilities.ambient ?? []).entries()) {
      expect(stderr).toContain(`process.capabilities.ambient[${i}]: ${name} is not in both permitted and inheritable`);
    }
  });
});
