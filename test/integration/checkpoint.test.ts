// rt checkpoint (issue 10): CRIU dumps a running container, as podman asks
// of runc. Where CRIU cannot work on the kernel, rt's error is what CRIU
// reported; which of the two this host is, `criu check` says.
import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { cleanupRoot, makeBundle, pidAlive, rt, stateOf, stateRoot, testSpec, tmpDir, uniqueId } from "../helpers.ts";
import { criuDumpArgs } from "../../src/container/checkpoint.ts";

const root = stateRoot();
afterAll(() => cleanupRoot(root));

const check = spawnSync("criu", ["check"], { encoding: "utf8" });
const criuErrors = `${check.stdout}${check.stderr}`.split("\n").filter((l) => /Error \(/.test(l));

function running(): { id: string; pid: number } {
  const id = uniqueId("x3-cp");
  expect(rt(root, ["run", "--detach", "--bundle", makeBundle(testSpec(["/bin/probe", "sleep", "300"])), id], { stdio: "ignore" }).code).toBe(0);
  return { id, pid: stateOf(root, id).pid! };
}

describe("rt checkpoint", () => {
  // One test for both kinds of host, so it runs (and can fail) on either.
  it("either dumps the container (CRIU works here) or fails with what CRIU reported, the container running on", () => {
    const { id, pid } = running();
    const images = tmpDir("x3-img-");
    const r = rt(root, ["checkpoint", "--leave-running", "--image-path", images, id]);
    if (check.status === 0) {
      expect(r.code, r.stderr).toBe(0);
      expect(fs.existsSync(path.join(images, "inventory.img"))).toBe(true);
    } else {
      expect(criuErrors.length).toBeGreaterThan(0);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^rt: checkpoint: criu dump failed \(status \d+\): Error \(/);
      // CRIU's own words, as `criu check` gives them on this kernel
      expect(r.stderr).toContain(criuErrors[0].replace(/^.*?Error \(/, "Error ("));
      expect(fs.existsSync(path.join(images, "dump.log"))).toBe(true);
    }
    expect(pidAlive(pid)).toBe(true);
    expect(stateOf(root, id).status).toBe("running");
    rt(root, ["delete", "--force", id]);
  });

  it("a container that is not running is refused, naming its status", () => {
    const id = uniqueId("x3-cp");
    expect(rt(root, ["create", "--bundle", makeBundle(testSpec(["/bin/probe", "true"])), id], { stdio: "ignore" }).code).toBe(0);
    expect(rt(root, ["checkpoint", id]).stderr).toBe(`rt: cannot checkpoint container "${id}": it is created, not running\n`);
    rt(root, ["delete", "--force", id]);
  });

  it("restore is refused by name", () => {
    const r = rt(root, ["restore", "--image-path", "/tmp/x", "x"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("restore: not implemented yet");
  });
});

describe("criuDumpArgs", () => {
  const spec = testSpec(["/bin/probe", "sleep", "1"], (s) => { s.mounts!.push({ destination: "/data", source: "/srv", options: ["rbind"] }); });
  it("dumps the init's tree with the rootfs as root, bind mounts external by destination, and the flags asked for", () => {
    const args = criuDumpArgs(spec, 42, "/b/rootfs", "/img", "/work", { leaveRunning: true, tcpEstablished: true });
    expect(args.slice(0, 3)).toEqual(["dump", "--tree", "42"]);
    expect(args).toEqual(expect.arrayContaining(["--images-dir", "/img", "--work-dir", "/work", "--root", "/b/rootfs", "--leave-running", "--tcp-established"]));
    expect(args.join(" ")).toContain("--external mnt[/data]:/data");
    expect(args).not.toContain("--file-locks");
  });

  it("refuses by name what it cannot describe to CRIU: a terminal, a joined namespace", () => {
    expect(() => criuDumpArgs({ ...spec, process: { ...spec.process!, terminal: true } }, 1, "/r", "/i", "/w", {})).toThrow("process.terminal: checkpoint");
    const joined = testSpec(["/bin/true"], (s) => { s.linux!.namespaces![0] = { type: s.linux!.namespaces![0].type, path: "/proc/1/ns/pid" }; });
    expect(() => criuDumpArgs(joined, 1, "/r", "/i", "/w", {})).toThrow(/^linux\.namespaces\[0\]\.path: checkpoint/);
  });
});
