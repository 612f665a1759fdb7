// OCI runtime CLI, create --console-socket: with process.terminal true the
// runtime MUST pass the pseudoterminal master through the socket.
import { afterAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO, cleanupRoot, makeBundle, rt, rtDetached, stateRoot, testSpec, tmpDir, uniqueId, waitFor } from "../test/helpers.ts";

const root = stateRoot();
afterAll(() => cleanupRoot(root));

describe("console socket", () => {
  it("create --console-socket passes the pty master; the process has the terminal as stdio, owned by its user", async () => {
    const dir = tmpDir();
    const sock = path.join(dir, "console.sock");
    const out = path.join(dir, "out");
    const server = spawn("python3", [path.join(REPO, "test/fixtures/console-server.py"), sock, out], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve) => server.stdout!.once("data", () => resolve()));
    const bundle = makeBundle(testSpec(["/bin/probe", "report"], (s) => { s.process!.terminal = true; s.process!.user = { uid: 1000, gid: 1000 }; }));
    const id = uniqueId();
    const r = rtDetached(root, ["create", "--console-socket", sock, "--bundle", bundle, id]);
    expect(r.code, r.stderr).toBe(0);
    expect(rt(root, ["start", id]).code).toBe(0);
    await new Promise<void>((resolve) => server.on("exit", () => resolve()));
    expect(fs.readFileSync(out + ".meta", "utf8")).toMatch(/^1 /);
    const text = fs.readFileSync(out, "utf8");
    const report = JSON.parse(text.slice(text.indexOf("{")));
    expect(report.stdin_isatty).toBe(true);
    expect(report.uid).toBe(1000);
    expect(report.stdin_uid).toBe(1000); // the terminal belongs to the process's user, as on a login
    await waitFor(() => JSON.parse(rt(root, ["state", id]).stdout).status === "stopped", 5000);
    rt(root, ["delete", id]);
  });

  it("process.terminal without --console-socket is refused", () => {
    const bundle = makeBundle(testSpec(["/bin/probe", "true"], (s) => { s.process!.terminal = true; }));
    const id = uniqueId();
    const r = rtDetached(root, ["create", "--bundle", bundle, id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("--console-socket is required");
    expect(fs.existsSync(path.join(root, id))).toBe(false);
  });
});
