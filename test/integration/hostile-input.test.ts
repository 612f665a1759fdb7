// Hostile or broken input (issue 9, items 3, 6, 8, 9): what `validate`
// refuses, `create` refuses with the same words, naming the field; input is
// bounded; ordinary I/O failures are one-line errors naming the file and the
// errno; and none of it leaves anything behind or touches the host.
import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { RT, cleanupRoot, makeBundle, rt, rtDetached, stateRoot, testSpec, tmpDir, uniqueId, unifiedMount } from "../helpers.ts";

const root = stateRoot();
afterAll(() => cleanupRoot(root));

const oneLine = (s: string) => s.trimEnd().split("\n");

/** validate and create both refuse, with this field's message on one line, and create leaves nothing. */
function bothRefuse(bundle: string, message: string | RegExp) {
  const v = rt(root, ["validate", "--bundle", bundle]);
  expect(v.code, v.stderr).toBe(1);
  const id = uniqueId("r2");
  const c = rtDetached(root, ["create", "--bundle", bundle, id]);
  expect(c.code, c.stderr).toBe(1);
  for (const r of [v, c]) {
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(r.stderr).not.toMatch(/internal error|    at /);
    if (typeof message === "string") expect(r.stderr).toContain(message);
    else expect(r.stderr).toMatch(message);
  }
  expect(fs.existsSync(path.join(root, id)), "state dir left behind").toBe(false);
  expect(fs.existsSync(path.join(unifiedMount(), `rt-${id}`)), "cgroup left behind").toBe(false);
}

describe("host state from a container config (item 3)", () => {
  it("a sysctl no namespace isolates (vm.swappiness) is refused by validate and create, and the host keeps its value", () => {
    const before = fs.readFileSync("/proc/sys/vm/swappiness", "utf8").trim();
    const other = before === "13" ? "14" : "13";
    bothRefuse(makeBundle(testSpec(["/bin/probe", "true"], (s) => (s.linux!.sysctl = { "vm.swappiness": other }))),
      'config.json: linux.sysctl["vm.swappiness"]: is not isolated by any namespace: setting it would change the host');
    expect(fs.readFileSync("/proc/sys/vm/swappiness", "utf8").trim()).toBe(before);
  });
});

describe("bounded input (item 6)", () => {
  const withConfig = (make: (file: string) => void) => {
    const dir = tmpDir("rt-bundle-");
    make(path.join(dir, "config.json"));
    return dir;
  };
  it("config.json that is /dev/zero, a fifo or a directory is refused as not a regular file, at once", () => {
    const zero = withConfig((f) => fs.symlinkSync("/dev/zero", f));
    bothRefuse(zero, `cannot read config.json: ${zero}/config.json is not a regular file`);
    const fifo = withConfig((f) => spawnSync("mkfifo", [f]));
    bothRefuse(fifo, `cannot read config.json: ${fifo}/config.json is not a regular file`);
    bothRefuse(withConfig((f) => fs.mkdirSync(f)), /config\.json is not a regular file/);
  });
  it("config.json over 1 MiB is refused by size, even when valid", () => {
    const text = JSON.stringify(testSpec(["/bin/probe", "true"]));
    const big = withConfig((f) => fs.writeFileSync(f, text + " ".repeat(1024 * 1024)));
    bothRefuse(big, /config\.json has 10\d{5} bytes: rt reads at most 1048576 \(1 MiB\)/);
    const fits = withConfig((f) => fs.writeFileSync(f, text + " ".repeat(1024 * 1024 - text.length)));
    expect(rt(root, ["validate", "--bundle", fits]).code).toBe(0);
  });
  it("a state.json that is /dev/zero is reported corrupt, not read without end", () => {
    const r = stateRoot();
    try {
      fs.mkdirSync(path.join(r, "r2-zero"));
      fs.symlinkSync("/dev/zero", path.join(r, "r2-zero", "state.json"));
      const s = spawnSync(RT, ["--root", r, "state", "r2-zero"], { encoding: "utf8", timeout: 10_000 });
      expect(s.status, s.stderr).toBe(1);
      expect(oneLine(s.stderr)).toEqual([`rt: state of container "r2-zero" is damaged: ${r}/r2-zero/state.json is not a regular file (rt delete --force removes it)`]);
    } finally {
      fs.rmSync(r, { recursive: true, force: true });
    }
  });
  it("a document that nests too deeply says so, and where", () => {
    bothRefuse(makeBundle(`{"ociVersion": "1.3.0",\n "annotations": ${"[".repeat(100000)}`),
      "config.json: nests too deeply: more than 64 levels of arrays and objects at line 2, column 80");
  });
});

describe("validate refuses what create would (item 9)", () => {
  const cases: [string, (s: any) => void, string][] = [
    ["NUL in a mount destination", (s) => (s.mounts[0].destination = "/pr\0oc"), "config.json: mounts[0].destination: must not contain a NUL byte"],
    ["NUL in mount options", (s) => (s.mounts[0].options = ["nosuid", "x\0"]), "config.json: mounts[0].options[1]: must not contain a NUL byte"],
    ["NUL in the hostname", (s) => (s.hostname = "a\0b"), "config.json: hostname: must not contain a NUL byte"],
    ["NUL in the domainname", (s) => (s.domainname = "a\0b"), "config.json: domainname: must not contain a NUL byte"],
    ["a 65-byte hostname", (s) => (s.hostname = "h".repeat(65)), "config.json: hostname: at most 64 bytes"],
    ["a 65-byte domainname", (s) => (s.domainname = "d".repeat(65)), "config.json: domainname: at most 64 bytes"],
    ["uid 4294967295", (s) => (s.process.user.uid = 4294967295), "config.json: process.user.uid: 4294967295 is (uid_t)-1"],
    ["gid 4294967295", (s) => (s.process.user.gid = 4294967295), "config.json: process.user.gid: 4294967295 is (gid_t)-1"],
    ["4097 args", (s) => (s.process.args = ["/bin/probe", ...Array(4096).fill("x")]), "config.json: process.args: 4097 entries: rt takes at most 4096"],
    ["an execCPUAffinity of 8192 CPUs", (s) => (s.process.execCPUAffinity = { initial: "0-8191" }), "config.json: process.execCPUAffinity.initial: names 8192 CPUs: rt takes at most 4096"],
    ["20000 env entries", (s) => (s.process.env = Array.from({ length: 20000 }, (_, i) => `V${i}=1`)), "config.json: process.env: 20000 entries: rt takes at most 16384"],
    ["5000 additionalGids", (s) => (s.process.user.additionalGids = Array.from({ length: 5000 }, (_, i) => i + 1)), "config.json: process.user.additionalGids: 5000 entries"],
  ];
  for (const [name, edit, message] of cases) {
    it(`${name}: validate and create both refuse it, naming the field`, () => {
      bothRefuse(makeBundle(testSpec(["/bin/probe", "true"], edit)), message);
    });
  }
  it("a plan over the executor's 4 MiB (3000 mounts under a 2000-byte rootfs path) is refused by both, not a broken pipe", () => {
    let dir = tmpDir("rt-long-");
    for (let i = 0; i < 10; i++) dir = path.join(dir, "d".repeat(200));
    fs.mkdirSync(path.join(dir, "proc"), { recursive: true });
    const mounts = Array.from({ length: 3000 }, (_, i) => ({ destination: `/proc/x${i}`, type: "tmpfs", source: "tmpfs" }));
    bothRefuse(makeBundle(testSpec(["/bin/probe", "true"], (s) => { s.root = { path: dir }; s.mounts = mounts; })),
      /^rt: config\.json: makes a plan of \d+ bytes: the executor takes at most 4194304 \(4 MiB\)$/m);
  });
  it("an id over 255 bytes is a usage error naming the id; 255 bytes are fine", () => {
    const bundle = makeBundle(testSpec(["/bin/probe", "true"]));
    const long = "r2" + "x".repeat(254);
    const r = rtDetached(root, ["create", "--bundle", bundle, long]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^rt: invalid container id "r2x+": .*at most 255 characters\n$/);
    const ok = long.slice(0, 255);
    const c = rtDetached(root, ["create", "--bundle", bundle, ok]);
    expect(c.code, c.stderr).toBe(0);
    expect(rt(root, ["delete", "--force", ok]).code).toBe(0);
    expect(fs.existsSync(path.join(root, ok))).toBe(false);
  });
});

describe("I/O failures are one-line errors naming the file and errno (item 8)", () => {
  it("ENOSPC writing state.json: one line, the file and the errno, and nothing left", () => {
    const bundle = makeBundle(testSpec(["/bin/probe", "true"]));
    const id = uniqueId("r2");
    const full = tmpDir("rt-full-");
    // A private mount namespace: the tmpfs is gone with the shell.
    const script = `mount -t tmpfs -o size=64k tmpfs "$1" && (cat /dev/zero > "$1/fill" 2>/dev/null; true) && "$2" --root "$1" create --bundle "$3" "$4" </dev/null >/dev/null; echo "rc=$?" >&2; ls -A "$1" >&2`;
    const r = spawnSync("unshare", ["-m", "--propagation", "private", "sh", "-c", script, "sh", full, RT, bundle, id], { encoding: "utf8", timeout: 20_000 });
    const lines = oneLine(r.stderr);
    // The first write of a create is its claim (a private dir renamed to the id, src/state/store.ts).
    expect(lines[0]).toMatch(new RegExp(`^rt: write ${full}/\\.claim\\.[0-9.]+/state\\.json: no space left on device \\(ENOSPC\\)$`));
    expect(lines.slice(1)).toEqual(["rc=1", "fill"]);
    expect(fs.existsSync(path.join(unifiedMount(), `rt-${id}`)), "cgroup left behind").toBe(false);
  });
  it("rt list >/dev/full: one line naming stdout and ENOSPC", () => {
    const fd = fs.openSync("/dev/full", "w");
    try {
      const r = spawnSync(RT, ["--root", root, "list"], { stdio: ["ignore", fd, "pipe"], encoding: "utf8" });
      expect(r.status).toBe(1);
      expect(r.stderr).toBe("rt: writing to stdout: write: no space left on device (ENOSPC)\n");
    } finally {
      fs.closeSync(fd);
    }
  });
});
