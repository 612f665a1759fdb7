// An ordinary I/O failure that no caller words itself still ends rt with one
// line naming the call, the file and the errno (src/cli/main.ts), never
// "internal error" and a stack trace (issue 9, item 8).
import { afterEach, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import { main } from "../../src/cli/main.ts";
import { describeSysError } from "../../src/errors.ts";
import { nodeHost } from "../../src/sys/host-node.ts";
import { ROOTFS, makeBundle, stateRoot, testSpec } from "../helpers.ts";

const saved = { ...nodeHost };
afterEach(() => Object.assign(nodeHost, saved));

async function run(argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = "";
  nodeHost.stdout = () => {};
  nodeHost.stderr = (t) => void (stderr += t);
  const code = await main(argv);
  return { code, stderr };
}

const emfile = (p: string) => Object.assign(new Error(`EMFILE: too many open files, open '${p}'`), { code: "EMFILE", errno: 24, syscall: "open", path: p });

it("EMFILE opening /proc/self/cgroup during create: one line with the file and the errno, nothing created", async () => {
  const root = stateRoot();
  const bundle = makeBundle(testSpec(["/bin/probe", "true"]));
  const read = nodeHost.readFile;
  nodeHost.readFile = (p, max) => {
    if (p === "/proc/self/cgroup") throw emfile(p);
    return read(p, max);
  };
  const r = await run(["--root", root, "create", "--bundle", bundle, "r2-emfile"]);
  expect(r).toEqual({ code: 1, stderr: "rt: open /proc/self/cgroup: too many open files (EMFILE)\n" });
  expect(fs.existsSync(path.join(root, "r2-emfile"))).toBe(false);
  fs.rmSync(root, { recursive: true, force: true });
  expect(fs.existsSync(ROOTFS)).toBe(true);
});

it("a failing rename names both files and the errno", () => {
  const e = Object.assign(new Error("ENOSPC: no space left on device, rename '/r/x/.state.json.tmp' -> '/r/x/state.json'"),
    { code: "ENOSPC", errno: 28, syscall: "rename", path: "/r/x/.state.json.tmp", dest: "/r/x/state.json" });
  expect(describeSysError(e)).toBe("rename /r/x/.state.json.tmp -> /r/x/state.json: no space left on device (ENOSPC)");
});

it("a path with a newline (a fuzzed root.path) stays on one line, quoted", () => {
  const p = "/b/rootfs\nd";
  const e = Object.assign(new Error(`ENOENT: no such file or directory, stat '${p}'`), { code: "ENOENT", errno: 2, syscall: "stat", path: p });
  expect(describeSysError(e)).toBe('stat "/b/rootfs\\nd": no such file or directory (ENOENT)');
});
