// The runc behaviours engines depend on (issue 10): delete --force of a
// container that is gone, a session keyring per container and
// --no-new-keyring, --no-subreaper accepted. Through dist/rt, read back in
// the container (probe keyring: KEYCTL_DESCRIBE of its session keyring).
import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import * as fs from "node:fs";
import { ROOTFS, cleanupRoot, makeBundle, rt, rtDetached, stateRoot, testSpec, uniqueId, waitFor } from "../helpers.ts";

const root = stateRoot();
afterAll(() => cleanupRoot(root));

/** "<serial> keyring;uid;gid;perm;<name>" of the session keyring `probe keyring` sees. */
function keyringOf(args: string[] = [], edit?: Parameters<typeof testSpec>[1]): { code: number; serial: string; desc: string; stderr: string } {
  const id = uniqueId("x3-kr");
  const r = rt(root, ["run", ...args, "--bundle", makeBundle(testSpec(["/bin/probe", "keyring"], edit)), id]);
  const [serial = "", desc = ""] = r.stdout.trim().split(" ");
  return { code: r.code, serial, desc, stderr: r.stderr };
}

describe("delete --force", () => {
  it("of a container that does not exist exits 0, as containerd's shim expects after ctr run --rm", () => {
    const r = rt(root, ["delete", "--force", uniqueId("x3-gone")]);
    expect(r).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  it("without --force, a container that does not exist is still an error", () => {
    const id = uniqueId("x3-gone");
    const r = rt(root, ["delete", id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`rt: container "${id}" does not exist\n`);
  });

  it("an invalid id is refused even with --force", () => {
    const r = rt(root, ["delete", "--force", "../x"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("../x");
  });
});

describe("session keyring", () => {
  it("each container gets a new session keyring named _ses.<id>, as runc names it", () => {
    const a = keyringOf();
    const b = keyringOf();
    expect(a.code, a.stderr).toBe(0);
    expect(a.desc).toMatch(/^keyring;0;0;[0-9a-f]{8};_ses\.x3-kr-/);
    expect(b.desc.split(";")[4]).not.toBe(a.desc.split(";")[4]);
    expect(b.serial).not.toBe(a.serial);
    // searchable by its owner's uid (KEY_USR_SEARCH), so a later process of the container may join it
    expect(parseInt(a.desc.split(";")[3], 16) & 0x80000).toBe(0x80000);
  });

  it("--no-new-keyring keeps the session keyring of whoever ran rt", () => {
    const mine = spawnSync(path.join(ROOTFS, "bin/probe"), ["keyring"], { encoding: "utf8" }).stdout.trim();
    const r = keyringOf(["--no-new-keyring"]);
    expect(r.code, r.stderr).toBe(0);
    expect(`${r.serial} ${r.desc}`).toBe(mine);
  });

  it("in a user namespace the keyring is searchable by others (the namespace's owner is another uid)", () => {
    const r = keyringOf([], (s) => {
      s.linux!.namespaces!.push({ type: "user" });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.desc).toMatch(/;_ses\.x3-kr-/);
    expect(parseInt(r.desc.split(";")[3], 16) & 0x8).toBe(0x8);
  });
});

/** The init's session keyring (it prints it, then sleeps) and an exec'd process's, read by probe keyring in each. */
async function initAndExecKeyrings(args: string[], edit?: Parameters<typeof testSpec>[1]): Promise<{ init: string; exec: string }> {
  const id = uniqueId("x3-kx");
  const bundle = makeBundle(testSpec(["/bin/sh", "-c", "/bin/probe keyring; exec /bin/probe sleep 300"], edit));
  const r = rtDetached(root, ["run", "--detach", ...args, "--bundle", bundle, id]);
  expect(r.code, r.stderr).toBe(0);
  try {
    await waitFor(() => fs.readFileSync(r.out, "utf8").includes("\n"), 10_000, "the init's probe keyring");
    const e = rt(root, ["exec", id, "/bin/probe", "keyring"]);
    expect(e.code, e.stderr).toBe(0);
    return { init: fs.readFileSync(r.out, "utf8").trim(), exec: e.stdout.trim() };
  } finally {
    rt(root, ["delete", "--force", id]);
  }
}

describe("exec and the session keyring", () => {
  it("an exec'd process joins the init's session keyring (_ses.<id>), not rt's caller's", async () => {
    const mine = spawnSync(path.join(ROOTFS, "bin/probe"), ["keyring"], { encoding: "utf8" }).stdout.trim();
    const k = await initAndExecKeyrings([]);
    expect(k.init).toMatch(/^\d+ keyring;0;0;[0-9a-f]{8};_ses\.x3-kx-/);
    expect(k.exec).toBe(k.init);
    expect(k.exec).not.toBe(mine);
  });

  it("in a user namespace too (the keyring searchable by others)", async () => {
    const k = await initAndExecKeyrings([], (s) => {
      s.linux!.namespaces!.push({ type: "user" });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    });
    expect(k.init).toMatch(/;_ses\.x3-kx-/);
    expect(k.exec).toBe(k.init);
  });

  it("with --no-new-keyring at create, the exec'd process keeps the caller's keyring, as the init did (the record says so)", async () => {
    const mine = spawnSync(path.join(ROOTFS, "bin/probe"), ["keyring"], { encoding: "utf8" }).stdout.trim();
    const k = await initAndExecKeyrings(["--no-new-keyring"]);
    expect(k.init).toBe(mine);
    expect(k.exec).toBe(mine);
  });
});

describe("the init's session", () => {
  it("the init leads a session of its own, as runc's does (CRIU dumps no session led from outside the container)", () => {
    const r = rt(root, ["run", "--bundle", makeBundle(testSpec(["/bin/cat", "/proc/self/stat"])), uniqueId("x3-sid")]);
    expect(r.code, r.stderr).toBe(0);
    const f = r.stdout.slice(r.stdout.lastIndexOf(")") + 2).split(" ");
    // pid 1 of its pid namespace; process group (field 5) and session (field 6) are its own
    expect(r.stdout.split(" ")[0]).toBe("1");
    expect([f[2], f[3]]).toEqual(["1", "1"]);
  });
});

describe("--no-subreaper", () => {
  it("is accepted by run and create, as runc accepts it", () => {
    const run = rt(root, ["run", "--no-subreaper", "--bundle", makeBundle(testSpec(["/bin/probe", "exit", "3"])), uniqueId("x3-sr")]);
    expect(run.code, run.stderr).toBe(3);
    const id = uniqueId("x3-sr");
    const create = rt(root, ["create", "--no-subreaper", "--bundle", makeBundle(testSpec(["/bin/probe", "true"])), id], { stdio: "ignore" });
    expect(create.code).toBe(0);
    expect(rt(root, ["delete", "--force", id]).code).toBe(0);
  });
});
