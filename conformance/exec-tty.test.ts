// rt exec -t through a console socket, interactively: a relay in a tmux pane
// receives the terminal's master (as an engine's `exec -it` does), tmux types
// into the exec'd shell (send-keys) and reads what it shows (capture-pane).
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO, RT, cleanupRoot, makeBundle, rtDetached, stateOf, stateRoot, testSpec, tmpDir, uniqueId, waitFor } from "../test/helpers.ts";

const root = stateRoot();
const server = `rt-exec-tty-${process.pid}`;
const tmux = (...args: string[]) => spawnSync("tmux", ["-L", server, ...args], { encoding: "utf8" });
afterAll(() => {
  tmux("kill-server");
  cleanupRoot(root);
});

const pane = () => tmux("capture-pane", "-p", "-t", "t").stdout;

describe("rt exec -t, interactive", () => {
  it("a shell on the container's terminal: typed input reaches it, its output and size come back, its exit status is rt's", async () => {
    const id = uniqueId("xt");
    const r = rtDetached(root, ["run", "--detach", "--bundle", makeBundle(testSpec(["/bin/probe", "sleep", "1000"])), id]);
    expect(r.code, r.stderr).toBe(0);
    const sock = path.join(tmpDir(), "console.sock");
    expect(tmux("new-session", "-d", "-s", "t", "-x", "100", "-y", "30", `python3 ${path.join(REPO, "test/fixtures/console-relay.py")} ${sock}; sleep 100`).status).toBe(0);
    await waitFor(() => pane().includes("relay: listening"), 10_000, "the relay");
    const exec = spawn(RT, ["--root", root, "exec", "-t", "--console-socket", sock, id, "/bin/sh"], { stdio: "ignore" });
    const done = new Promise<number | null>((resolve) => exec.on("exit", (code) => resolve(code)));
    // The shell's prompt first: its line editor flushes input typed before it starts.
    await waitFor(() => /^\/ #\s*$/m.test(pane()), 10_000, "the prompt");
    tmux("send-keys", "-t", "t", "echo answer-$((6*7)); tty; stty size", "Enter");
    await waitFor(() => /answer-42/.test(pane()) && /^\d+ \d+\s*$/m.test(pane()), 10_000, "the shell's output");
    const text = pane();
    expect(text).toMatch(/^\/dev\/pts\/\d+\s*$/m);
    expect(text).toMatch(/^30 100\s*$/m); // the relay gave the pty its pane's size
    // Ctrl-C reaches the shell's foreground job through the terminal, not rt.
    tmux("send-keys", "-t", "t", "/bin/probe sleep 100", "Enter");
    const initNs = fs.readlinkSync(`/proc/${stateOf(root, id).pid}/ns/pid`);
    const sleeping = () => fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).some((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/cmdline`, "utf8") === "/bin/probe\0sleep\x00100\0" && fs.readlinkSync(`/proc/${p}/ns/pid`) === initNs;
      } catch { return false; }
    });
    await waitFor(sleeping, 10_000, "the sleep");
    tmux("send-keys", "-t", "t", "C-c");
    tmux("send-keys", "-t", "t", "echo after-$?", "Enter");
    await waitFor(() => /after-130/.test(pane()), 10_000, "the interrupted job's status");
    tmux("send-keys", "-t", "t", "exit 3", "Enter");
    expect(await done).toBe(3);
    await waitFor(() => pane().includes("relay: done"), 10_000, "the relay to end");
    expect(stateOf(root, id).status).toBe("running");
  });
});
