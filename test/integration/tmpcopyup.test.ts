// The tmpcopyup mount option (crun's, podman's): a tmpfs mounted over a
// directory of the rootfs starts with a copy of that directory's tree.
import { afterAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import { HAS_BUSYBOX, ROOTFS, cleanupRoot, makeBundle, rt, stateRoot, testSpec, tmpDir, uniqueId } from "../helpers.ts";

const root = stateRoot();
const dirs: string[] = [];
afterAll(() => {
  cleanupRoot(root);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A private copy of the test rootfs whose /etc has a file, a subdirectory tree and a symlink. */
function rootfsWithEtc(): string {
  const dir = tmpDir("rt-tmpcopyup-");
  dirs.push(dir);
  const rootfs = path.join(dir, "rootfs");
  fs.cpSync(ROOTFS, rootfs, { recursive: true, verbatimSymlinks: true });
  const etc = path.join(rootfs, "etc");
  fs.writeFileSync(path.join(etc, "copied.txt"), "hello from the rootfs\n");
  fs.chmodSync(path.join(etc, "copied.txt"), 0o604);
  fs.chownSync(path.join(etc, "copied.txt"), 1234, 4321);
  fs.utimesSync(path.join(etc, "copied.txt"), 1_000_000_000, 1_000_000_000);
  fs.mkdirSync(path.join(etc, "sub/deep"), { recursive: true });
  fs.writeFileSync(path.join(etc, "sub/deep/f.txt"), "deep\n");
  fs.chmodSync(path.join(etc, "sub"), 0o710);
  fs.symlinkSync("sub/deep/f.txt", path.join(etc, "link"));
  fs.symlinkSync("/no/such/target", path.join(etc, "dangling"));
  return rootfs;
}

describe.skipIf(!HAS_BUSYBOX)("tmpcopyup", () => {
  it("a tmpfs with tmpcopyup over /etc starts with its files, subdirectories and symlinks, and writes stay in the tmpfs", () => {
    const rootfs = rootfsWithEtc();
    const script = [
      "cat /etc/copied.txt /etc/sub/deep/f.txt /etc/passwd | head -3",
      "stat -c '%n %a %u:%g %Y' /etc/copied.txt",
      "stat -c '%n %a' /etc/sub",
      "readlink /etc/link; readlink /etc/dangling",
      "cat /etc/link",
      "grep ' /etc ' /proc/self/mountinfo",
      "echo new > /etc/new && echo changed > /etc/passwd && rm /etc/sub/deep/f.txt && cat /etc/new",
    ].join("; ");
    const spec = testSpec(["/bin/sh", "-c", script], (s) => {
      s.root = { path: rootfs, readonly: true };
      s.mounts!.push({ destination: "/etc", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "tmpcopyup"] });
    });
    const r = rt(root, ["run", "--bundle", makeBundle(spec), uniqueId()]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines.slice(0, 3)).toEqual(["hello from the rootfs", "deep", fs.readFileSync(path.join(ROOTFS, "etc/passwd"), "utf8").split("\n")[0]]);
    expect(lines[3]).toBe("/etc/copied.txt 604 1234:4321 1000000000");
    expect(lines[4]).toBe("/etc/sub 710");
    expect(lines.slice(5, 7)).toEqual(["sub/deep/f.txt", "/no/such/target"]);
    expect(lines[7]).toBe("deep");
    const mount = lines[8].split(" ");
    expect(mount[mount.indexOf("-") + 1]).toBe("tmpfs");
    expect(mount[5].split(",")).toEqual(expect.arrayContaining(["nosuid", "nodev"]));
    expect(lines[9]).toBe("new");
    // The rootfs is as it was.
    expect(fs.existsSync(path.join(rootfs, "etc/new"))).toBe(false);
    expect(fs.readFileSync(path.join(rootfs, "etc/passwd"), "utf8")).toBe(fs.readFileSync(path.join(ROOTFS, "etc/passwd"), "utf8"));
    expect(fs.readFileSync(path.join(rootfs, "etc/sub/deep/f.txt"), "utf8")).toBe("deep\n");
  });

  it("tmpcopyup at a directory the rootfs lacks: an empty tmpfs there", () => {
    const spec = testSpec(["/bin/sh", "-c", "ls -A /fresh | wc -l; grep -c ' /fresh ' /proc/self/mountinfo"], (s) => {
      s.root = { path: rootfsWithEtc(), readonly: true };
      s.mounts!.push({ destination: "/fresh", type: "tmpfs", source: "tmpfs", options: ["tmpcopyup"] });
    });
    const r = rt(root, ["run", "--bundle", makeBundle(spec), uniqueId()]);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim().split("\n").map((l) => l.trim())).toEqual(["0", "1"]);
  });
});
