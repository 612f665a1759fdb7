// rt run with process.terminal and no --console-socket (issue 10): rt gives
// the user the container's terminal as `docker run -it` does. Driven through
// tmux as a person would use it: keys sent with send-keys, the screen read
// with capture-pane.
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { HAS_BUSYBOX, RT, cleanupRoot, makeBundle, rt, stateRoot, testSpec, uniqueId, waitFor } from "../helpers.ts";

const root = stateRoot();
afterAll(() => cleanupRoot(root));

const tmux = (...args: string[]) => {
  const r = spawnSync("tmux", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`tmux ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};
let session = "";
afterEach(() => { if (session) spawnSync("tmux", ["kill-session", "-t", session]); session = ""; });

const shellBundle = () => makeBundle(testSpec(["/bin/sh"], (s) => {
  s.process!.terminal = true;
  s.process!.env = ["PATH=/bin", "TERM=xterm", "PS1=ctr$ "];
}));

/** A tmux session of cols × rows whose shell runs `rt run` of a busybox sh with a terminal; resolves once the container's prompt shows. */
async function session_(cols: number, rows: number): Promise<{ screen: () => string; keys: (...k: string[]) => void; until: (re: RegExp, what: string) => Promise<string> }> {
  session = uniqueId("x3-tmux");
  const id = uniqueId("x3-tty");
  // The outer shell prints rt's status and whether its terminal is cooked again.
  const cmd = `${RT} --root ${root} run --bundle ${shellBundle()} ${id}; echo "EXIT=$?"; stty -a | grep -o -- '-\\?icanon\\|-\\?echo ' | tr -d ' ' | tr '\\n' ' '; echo; sleep 600`;
  tmux("new-session", "-d", "-s", session, "-x", String(cols), "-y", String(rows), "sh", "-c", cmd);
  const screen = () => tmux("capture-pane", "-p", "-t", session);
  const keys = (...k: string[]) => void tmux("send-keys", "-t", session, ...k);
  const until = async (re: RegExp, what: string) => {
    await waitFor(() => re.test(screen()), 10_000, `${what}; screen:\n${screen()}`);
    return screen();
  };
  await until(/^ctr\$/m, "the container's prompt");
  return { screen, keys, until };
}

/** Is a `sleep <secs>` running on the host (the container's processes are the host's too)? */
function sleepRunning(secs: string): boolean {
  return fs.readdirSync("/proc").some((p) => {
    if (!/^\d+$/.test(p)) return false;
    try { return fs.readFileSync(`/proc/${p}/cmdline`, "utf8") === `sleep\0${secs}\0`; } catch { return false; }
  });
}

describe.runIf(HAS_BUSYBOX)("rt run with a terminal of its own (through tmux)", () => {
  it("the container's stdio is a terminal of its own, of rt's window size", async () => {
    const t = await session_(97, 29);
    t.keys("tty; stty size", "Enter");
    const s = await t.until(/29 97/, "stty size");
    expect(s).toMatch(/\/dev\/pts\/\d+\n/);
  });

  it("a window change reaches the container (SIGWINCH → TIOCSWINSZ on its terminal)", async () => {
    const t = await session_(80, 24);
    t.keys("trap 'echo winched' WINCH", "Enter");
    tmux("resize-window", "-t", session, "-x", "131", "-y", "37");
    await t.until(/winched/, "the container's WINCH trap");
    t.keys("stty size", "Enter");
    await t.until(/37 131/, "the new size");
  });

  it("Ctrl-C reaches the container's foreground process, and the container goes on", async () => {
    const t = await session_(80, 24);
    // A number of its own, to find this sleep among the host's processes: once
    // it runs, the shell has put its terminal back in cooked mode (ISIG), so
    // the ^C byte is turned into SIGINT by the container's line discipline.
    const secs = String(300 + (process.pid % 600));
    t.keys(`sleep ${secs}`, "Enter");
    await waitFor(() => sleepRunning(secs), 5000, "the sleep in the container");
    t.keys("C-c");
    await waitFor(() => !sleepRunning(secs), 5000, "the sleep to end");
    t.keys("echo status=$?", "Enter");
    await t.until(/\nstatus=130/, "the sleep's status: killed by SIGINT");
    t.keys("echo still-here", "Enter");
    await t.until(/\nstill-here/, "the shell after Ctrl-C");
  });

  it("rt's exit status is the container's, and rt's terminal is cooked again afterwards", async () => {
    const t = await session_(80, 24);
    t.keys("echo bye; exit 7", "Enter");
    // the outer shell's stty line comes after EXIT= (a blank line of the pane is not it)
    const s = await t.until(/EXIT=\d+\n.*icanon/, "rt's exit and the stty line");
    expect(s).toMatch(/EXIT=7\n/);
    expect(s).toMatch(/\bicanon echo\b/);
  });
});

describe("rt run with a terminal, without tmux", () => {
  it("stdin that is no terminal is copied to the container's terminal as it comes", () => {
    const bundle = shellBundle();
    const r = spawnSync(RT, ["--root", root, "run", "--bundle", bundle, uniqueId("x3-tty")], { input: "echo out-$((6*7))\nexit 3\n", encoding: "utf8", timeout: 20_000 });
    expect(r.status, r.stderr).toBe(3);
    expect(r.stdout).toContain("out-42");
  });

  it("--detach without --console-socket is refused: nobody would hold the terminal", () => {
    const id = uniqueId("x3-tty");
    const r = rt(root, ["run", "--detach", "--bundle", shellBundle(), id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("rt: process.terminal is true: --console-socket is required to receive the terminal\n");
    expect(fs.existsSync(`${root}/${id}`)).toBe(false);
  });

  it("leaves no console socket behind in the state root", () => {
    spawnSync(RT, ["--root", root, "run", "--bundle", shellBundle(), uniqueId("x3-tty")], { input: "exit 0\n", timeout: 20_000 });
    expect(fs.readdirSync(root).filter((n) => n.startsWith(".console-"))).toEqual([]);
  });
});
