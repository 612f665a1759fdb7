// runtime-spec config-linux.md "Network Devices" (linux.netDevices), one test
// per requirement, driving the built rt executable. rt runs inside a private
// network namespace that stands for the host's (test/netns.ts); a second one
// stands for a network namespace an engine made and the container joins.
import * as fs from "node:fs";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { Spec } from "../src/spec/types.ts";
import { HAS_BUSYBOX, cleanupRoot, makeBundle, rt, stateRoot, testSpec, uniqueId, waitFor } from "../test/helpers.ts";
import { TestNetns, addrsOf, linksAt, rtIn } from "../test/netns.ts";

const root = stateRoot();
const spaces: TestNetns[] = [];
afterEach(async () => {
  for (const id of fs.readdirSync(root)) rt(root, ["delete", "--force", id]);
  for (const n of spaces.splice(0)) await n.drop();
});
afterAll(() => cleanupRoot(root));

async function netns(): Promise<TestNetns> {
  const n = await TestNetns.make();
  spaces.push(n);
  return n;
}

/** The runtime's namespace with a veth pair, rtv-a (10.77.0.1/24) and its peer rtv-b. */
async function runtimeNs(): Promise<TestNetns> {
  const n = await netns();
  n.ip("link", "add", "rtv-a", "type", "veth", "peer", "name", "rtv-b");
  n.ip("addr", "add", "10.77.0.1/24", "dev", "rtv-a");
  return n;
}

/** A config that joins the network namespace at path and moves netDevices into it. */
function joining(path: string, netDevices: Record<string, { name?: string }>, args = ["/bin/busybox", "true"]) {
  return makeBundle(testSpec(args, (s: Spec) => {
    s.linux!.netDevices = netDevices;
    s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === "network" ? { type: "network", path } : n));
  }));
}

describe.runIf(process.getuid?.() === 0 && HAS_BUSYBOX)("linux.netDevices (config-linux.md Network Devices)", () => {
  it("netDevices MUST be made available in the container: the device named by the key moves in, under `name`", async () => {
    const host = await runtimeNs();
    const id = uniqueId("nd");
    const bundle = makeBundle(testSpec(["/bin/busybox", "ip", "-o", "link", "show"], (s) => { s.linux!.netDevices = { "rtv-a": { name: "ctr0" } }; }));
    const r = rtIn(host, root, ["run", "--bundle", bundle, id]);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(r.out, "utf8")).toMatch(/^\d+: ctr0@/m);
  });

  it("without `name`, the host name is used", async () => {
    const host = await runtimeNs();
    const bundle = makeBundle(testSpec(["/bin/busybox", "ip", "-o", "link", "show"], (s) => { s.linux!.netDevices = { "rtv-a": {} }; }));
    const r = rtIn(host, root, ["run", "--bundle", bundle, uniqueId("nd")]);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(r.out, "utf8")).toMatch(/^\d+: rtv-a@/m);
  });

  it("a device name that already exists in the container namespace MUST be an error", async () => {
    const host = await runtimeNs();
    const target = await netns();
    target.ip("link", "add", "ctr0", "type", "veth", "peer", "name", "ctr0-peer");
    const r = rtIn(host, root, ["create", "--bundle", joining(target.path, { "rtv-a": { name: "ctr0" } }), uniqueId("nd")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('rt: linux.netDevices["rtv-a"]: device rtv-a: the container\'s network namespace already has a device named ctr0: File exists\n');
    expect(host.links().has("rtv-a")).toBe(true); // checked before moving: still where it was
  });

  it("unless the name is a %d template: the move is allowed and the kernel picks a free name", async () => {
    const host = await runtimeNs();
    const target = await netns();
    target.ip("link", "add", "ctr0", "type", "veth", "peer", "name", "ctr0-peer");
    const id = uniqueId("nd");
    const r = rtIn(host, root, ["create", "--bundle", joining(target.path, { "rtv-a": { name: "ctr%d" } }), id]);
    expect(r.code, r.stderr).toBe(0);
    expect(addrsOf(linksAt(target.path).get("ctr1"))).toContain("10.77.0.1/24");
  });

  it("permanent addresses of global scope MUST be preserved, of any family; others are not moved", async () => {
    const host = await runtimeNs();
    host.ip("addr", "add", "fd00:77::1/64", "dev", "rtv-a", "nodad");
    host.ip("addr", "add", "10.78.0.1/24", "dev", "rtv-a", "valid_lft", "100", "preferred_lft", "100");
    host.ip("addr", "add", "10.79.0.1/24", "dev", "rtv-a", "scope", "host");
    const bundle = makeBundle(testSpec(["/bin/busybox", "ip", "-o", "addr", "show", "dev", "ctr0"], (s) => { s.linux!.netDevices = { "rtv-a": { name: "ctr0" } }; }));
    const r = rtIn(host, root, ["run", "--bundle", bundle, uniqueId("nd")]);
    expect(r.code, r.stderr).toBe(0);
    const addrs = [...fs.readFileSync(r.out, "utf8").matchAll(/ inet6? (\S+)/g)].map((m) => m[1]).filter((a) => !a.startsWith("fe80:"));
    expect(addrs.sort()).toEqual(["10.77.0.1/24", "fd00:77::1/64"]);
  });

  it("the device MUST be up after it is moved", async () => {
    const host = await runtimeNs();
    const bundle = makeBundle(testSpec(["/bin/busybox", "cat", "/sys/class/net/ctr0/flags"], (s) => { s.linux!.netDevices = { "rtv-a": { name: "ctr0" } }; }));
    const r = rtIn(host, root, ["run", "--bundle", bundle, uniqueId("nd")]);
    expect(r.code, r.stderr).toBe(0);
    expect(Number(fs.readFileSync(r.out, "utf8").trim()) & 1).toBe(1); // IFF_UP
  });

  it("the runtime MUST NOT move the interface out of the namespace before deletion", async () => {
    const host = await runtimeNs();
    const target = await netns();
    const id = uniqueId("nd");
    const r = rtIn(host, root, ["create", "--bundle", joining(target.path, { "rtv-a": { name: "ctr0" } }, ["/bin/busybox", "sleep", "60"]), id]);
    expect(r.code, r.stderr).toBe(0);
    expect(rt(root, ["start", id]).code).toBe(0);
    expect(rt(root, ["kill", id, "KILL"]).code).toBe(0);
    await waitFor(() => JSON.parse(rt(root, ["state", id]).stdout).status === "stopped", 10_000, "the container to stop");
    expect(rtIn(host, root, ["delete", id]).code).toBe(0);
    // The joined namespace outlives the container, and the device stays in it, renamed.
    expect(target.links().get("ctr0")?.flags).toContain("UP");
    expect(host.links().has("rtv-a")).toBe(false);
  });
});
