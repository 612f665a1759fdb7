// linux.netDevices through dist/rt. rt runs inside a private network
// namespace (test/netns.ts) that stands for the host's: a veth pair is made
// there, one end with addresses is moved into the container renamed, and
// the container reads it back with busybox ip. The host's own network
// namespace is never touched.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { HAS_BUSYBOX, cleanupRoot, makeBundle, rt, stateRoot, testSpec, uniqueId, unifiedMount, waitFor } from "../helpers.ts";
import { TestNetns, addrsOf, linksAt, rtIn as rtInNs } from "../netns.ts";

const root = stateRoot();
let ns: TestNetns | undefined;
afterEach(async () => {
  // Containers first (their namespaces hold the moved devices), then the test namespace.
  for (const id of fs.readdirSync(root)) rt(root, ["delete", "--force", id]);
  await ns?.drop();
  ns = undefined;
});
afterAll(() => cleanupRoot(root));

const rtIn = (n: TestNetns, args: string[]) => rtInNs(n, root, args);

describe.runIf(process.getuid?.() === 0 && HAS_BUSYBOX)("linux.netDevices", () => {
  it("moves the device into the container renamed, with its address and up; the runtime's namespace no longer has it", async () => {
    ns = await TestNetns.make();
    ns.ip("link", "add", "rtv-a", "type", "veth", "peer", "name", "rtv-b");
    ns.ip("addr", "add", "10.77.0.1/24", "dev", "rtv-a");
    ns.ip("addr", "add", "fd00:77::1/64", "dev", "rtv-a", "nodad");
    const id = uniqueId("nd");
    const bundle = makeBundle(testSpec(["/bin/busybox", "sh", "-c", "/bin/busybox ip -o addr show; /bin/busybox ip -o link show"], (s) => {
      s.linux!.netDevices = { "rtv-a": { name: "ctr0" } };
    }));
    const created = rtIn(ns, ["create", "--bundle", bundle, id]);
    expect(created.code, created.stderr).toBe(0);

    // Created: moved already, read where it took effect.
    const pid = JSON.parse(rt(root, ["state", id]).stdout).pid as number;
    const inside = linksAt(`/proc/${pid}/ns/net`);
    expect(inside.get("ctr0")?.flags).toContain("UP");
    expect(addrsOf(inside.get("ctr0")).filter((a) => !a.startsWith("fe80:")).sort()).toEqual(["10.77.0.1/24", "fd00:77::1/64"]);
    const host = ns.links();
    expect(host.has("rtv-a")).toBe(false);
    expect(host.get("rtv-b")?.link_netnsid).toBeTypeOf("number"); // its peer is in another namespace now

    // The container's own view.
    expect(rt(root, ["start", id]).code).toBe(0);
    await waitFor(() => JSON.parse(rt(root, ["state", id]).stdout).status === "stopped", 10_000, "the container to exit");
    const out = fs.readFileSync(created.out, "utf8");
    expect(out).toMatch(/^\d+: ctr0\s+inet 10\.77\.0\.1\/24 .*scope global ctr0/m);
    expect(out).toMatch(/^\d+: ctr0\s+inet6 fd00:77::1\/64 scope global/m);
    expect(out).toMatch(/^\d+: ctr0@\S+: <[^>]*\bUP\b[^>]*>/m);
    expect(out).not.toMatch(/rtv-a/);

    // Delete moves nothing back (runtime-spec MUST NOT): the container's
    // namespace dies, and the kernel destroys the veth with its peer.
    expect(rt(root, ["delete", id]).code).toBe(0);
    await waitFor(() => !ns!.links().has("rtv-b"), 10_000, "the kernel to destroy the veth pair");
    expect([...ns.links().keys()]).toEqual(["lo"]);
  });

  it("a missing device is named with the errno, and nothing is left: no state, no cgroup, the other device in place", async () => {
    ns = await TestNetns.make();
    ns.ip("link", "add", "rtv-a", "type", "veth", "peer", "name", "rtv-b");
    ns.ip("addr", "add", "10.77.0.1/24", "dev", "rtv-a");
    const id = uniqueId("nd");
    const bundle = makeBundle(testSpec(["/bin/busybox", "true"], (s) => {
      s.linux!.netDevices = { "rtv-a": { name: "ctr0" }, "rtv-nope": {} };
    }));
    const r = rtIn(ns, ["run", "--bundle", bundle, id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('rt: linux.netDevices["rtv-nope"]: device rtv-nope: not found in the runtime\'s network namespace (RTM_GETLINK): No such device\n');
    expect(fs.existsSync(path.join(root, id)), "state dir left behind").toBe(false);
    expect(fs.existsSync(path.join(unifiedMount(), `rt-${id}`)), "cgroup left behind").toBe(false);
    const host = ns.links();
    expect([...host.keys()].sort()).toEqual(["lo", "rtv-a", "rtv-b"]);
    expect(addrsOf(linksAt(ns.path).get("rtv-a"))).toEqual(["10.77.0.1/24"]);
  });
});

describe("linux.netDevices that cannot be honoured: rt validate refuses them by name", () => {
  const cases: [string, (s: ReturnType<typeof testSpec>) => void, string][] = [
    ["the loopback device", (s) => { s.linux!.netDevices = { lo: {} }; }, "linux.netDevices.lo: the loopback device cannot leave its network namespace"],
    ["two devices with one name", (s) => { s.linux!.netDevices = { a0: { name: "c0" }, b0: { name: "c0" } }; }, 'linux.netDevices.b0.name: duplicate device name "c0" in the container (also linux.netDevices.a0)'],
    ["no network namespace", (s) => { s.linux!.netDevices = { a0: {} }; s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== "network"); }, "linux.netDevices: moving network devices needs a network namespace"],
    ["a joined user namespace", (s) => { s.linux!.netDevices = { a0: {} }; s.linux!.namespaces!.push({ type: "user", path: "/proc/1/ns/user" }); }, "linux.netDevices: cannot be moved when joining an existing user namespace"],
  ];
  for (const [what, edit, message] of cases) {
    it(what, () => {
      const r = rt(root, ["validate", "--bundle", makeBundle(testSpec(["/bin/true"], edit))]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(message);
    });
  }
});
