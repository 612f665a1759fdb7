// Three ways a config shares something with the host: a shared root mount
// (rootfsPropagation "shared"), no mount namespace at all (the container is
// in rt's), and device modes written as engines write them (S_IFCHR|0666).
import { afterAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import { ROOTFS, cleanupRoot, makeBundle, rt, rtDetached, stateRoot, testSpec, uniqueId } from "../helpers.ts";
import type { Spec } from "../../src/spec/types.ts";

const root = stateRoot();
afterAll(() => cleanupRoot(root));

const mountLine = (info: string, target: string) => info.split("\n").reverse().find((l) => l.split(" ")[4] === target);
const hostMountinfo = () => fs.readFileSync("/proc/self/mountinfo", "utf8");
/** The host's mounts at or under a path. */
const hostMountsUnder = (p: string) => hostMountinfo().split("\n").filter((l) => l.split(" ")[4]?.startsWith(p));

describe("linux.rootfsPropagation", () => {
  it("shared: the container's root is a shared mount, and the host's root keeps its propagation", () => {
    const before = mountLine(hostMountinfo(), "/");
    const bundle = makeBundle(testSpec(["/bin/probe", "report"], (s) => { s.linux!.rootfsPropagation = "shared"; }));
    const r = rt(root, ["run", "--bundle", bundle, uniqueId()]);
    expect(r.code, r.stderr).toBe(0);
    expect(mountLine(JSON.parse(r.stdout).mountinfo, "/")).toMatch(/ shared:\d+/);
    expect(mountLine(hostMountinfo(), "/")).toBe(before);
  });

  it("unbindable: the container's root is unbindable", () => {
    const bundle = makeBundle(testSpec(["/bin/probe", "report"], (s) => { s.linux!.rootfsPropagation = "unbindable"; }));
    const r = rt(root, ["run", "--bundle", bundle, uniqueId()]);
    expect(r.code, r.stderr).toBe(0);
    expect(mountLine(JSON.parse(r.stdout).mountinfo, "/")).toMatch(/ unbindable/);
  });
});

describe("no mount namespace in linux.namespaces", () => {
  const shared = (s: Spec) => {
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== "mount");
    s.mounts = [];
    s.linux!.maskedPaths = [];
    s.linux!.readonlyPaths = [];
    s.root = { path: ROOTFS };
  };

  it("the init is in rt's mount namespace, chrooted into root.path, and the host's mounts are untouched", async () => {
    const mountsBefore = hostMountsUnder(ROOTFS);
    const rootBefore = mountLine(hostMountinfo(), "/");
    const id = uniqueId();
    const bundle = makeBundle(testSpec(["/bin/probe", "sleep", "30"], (s) => { shared(s); s.process!.cwd = "/bin"; }));
    const r = rtDetached(root, ["create", "--bundle", bundle, id]);
    expect(r.code, r.stderr).toBe(0);
    const pid = JSON.parse(rt(root, ["state", id]).stdout).pid as number;
    expect(fs.readlinkSync(`/proc/${pid}/ns/mnt`)).toBe(fs.readlinkSync("/proc/self/ns/mnt"));
    expect(fs.readlinkSync(`/proc/${pid}/root`)).toBe(ROOTFS);
    expect(fs.readlinkSync(`/proc/${pid}/cwd`)).toBe(`${ROOTFS}/bin`);
    expect(hostMountsUnder(ROOTFS)).toEqual(mountsBefore);
    expect(mountLine(hostMountinfo(), "/")).toBe(rootBefore);
    expect(rt(root, ["delete", "--force", id]).code).toBe(0);
  });

  it("runs the process there (rt run)", () => {
    const r = rt(root, ["run", "--bundle", makeBundle(testSpec(["/bin/probe", "echo", "in", "the", "host's", "mounts"], shared)), uniqueId()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("in the host's mounts\n");
  });

  it("a config that asks for mounts is refused by name, and nothing is left", () => {
    const mountsBefore = hostMountsUnder(ROOTFS);
    const id = uniqueId();
    const r = rt(root, ["run", "--bundle", makeBundle(testSpec(["/bin/probe", "true"], (s) => { s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== "mount"); })), id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/mounts: needs a mount namespace/);
    expect(r.stderr).toMatch(/linux\.maskedPaths: needs a mount namespace/);
    expect(r.stderr).toMatch(/root\.readonly: needs a mount namespace/);
    expect(rt(root, ["state", id]).code).not.toBe(0);
    expect(hostMountsUnder(ROOTFS)).toEqual(mountsBefore);
  });
});

describe("linux.devices[].fileMode with the file type bits", () => {
  it("S_IFCHR|0640 (as podman --device sends it) makes a character device with mode 0640", () => {
    const bundle = makeBundle(testSpec(["/bin/probe", "stat", "/dev/rt-null"], (s) => {
      s.linux!.devices = [{ path: "/dev/rt-null", type: "c", major: 1, minor: 3, fileMode: 0o20640, uid: 0, gid: 0 }];
    }));
    const r = rt(root, ["run", "--bundle", bundle, uniqueId()]);
    expect(r.code, r.stderr).toBe(0);
    const st = JSON.parse(r.stdout);
    expect([st.mode, st.rdev_major, st.rdev_minor]).toEqual([0o20640, 1, 3]);
  });

  it("type bits that disagree with type are refused by field", () => {
    const bundle = makeBundle(testSpec(["/bin/probe", "true"], (s) => {
      s.linux!.devices = [{ path: "/dev/rt-null", type: "c", major: 1, minor: 3, fileMode: 0o60666 }];
    }));
    const r = rt(root, ["run", "--bundle", bundle, uniqueId()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/linux\.devices\[0\]\.fileMode: file type bits 0o60000 do not match device type "c"/);
  });
});
