// rt ps (issue 10): the container's processes are its cgroup's, by host pid,
// as runc lists them; the table is the host's ps filtered to them.
import { afterAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import { HAS_BUSYBOX, cleanupRoot, makeBundle, rt, stateOf, stateRoot, testSpec, uniqueId, waitFor } from "../helpers.ts";
import { filterPs } from "../../src/cli/ps.ts";

const root = stateRoot();
afterAll(() => cleanupRoot(root));

/** A running container whose init (sh) has a child (sleep): two processes. */
async function twoProcesses(): Promise<{ id: string; init: number; child: number }> {
  const id = uniqueId("x3-ps");
  const bundle = makeBundle(testSpec(["/bin/sh", "-c", "sleep 300 & wait"]));
  expect(rt(root, ["create", "--bundle", bundle, id], { stdio: "ignore" }).code).toBe(0);
  expect(rt(root, ["start", id]).code).toBe(0);
  const init = stateOf(root, id).pid!;
  let child = 0;
  await waitFor(() => {
    const kids = fs.readFileSync(`/proc/${init}/task/${init}/children`, "utf8").trim();
    child = Number(kids.split(" ")[0]) || 0;
    return child > 0 && fs.readFileSync(`/proc/${child}/comm`, "utf8").trim() === "sleep";
  }, 5000, "the sleep child");
  return { id, init, child };
}

describe.runIf(HAS_BUSYBOX)("rt ps", () => {
  it("--format json lists the host pids of every process in the container's cgroup", async () => {
    const { id, init, child } = await twoProcesses();
    const r = rt(root, ["ps", "--format", "json", id]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([init, child].sort((a, b) => a - b));
    rt(root, ["delete", "--force", id]);
  });

  it("the table is ps -ef's header and the lines of the container's pids only", async () => {
    const { id, init, child } = await twoProcesses();
    const r = rt(root, ["ps", id]);
    expect(r.code, r.stderr).toBe(0);
    const [header, ...lines] = r.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^UID\s+PID\s+PPID/);
    expect(lines.map((l) => Number(l.trim().split(/\s+/)[1])).sort()).toEqual([init, child].sort());
    expect(lines.find((l) => Number(l.trim().split(/\s+/)[1]) === child)).toMatch(/sleep 300$/);
    rt(root, ["delete", "--force", id]);
  });

  it("ps-args after -- are given to the host's ps; without a PID column it says so", async () => {
    const { id, child } = await twoProcesses();
    const r = rt(root, ["ps", id, "--", "-o", "pid,comm"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^\\s*PID COMMAND\\n(.*\\n)*\\s*${child} sleep\\n`));
    const bad = rt(root, ["ps", id, "--", "-o", "comm"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("no PID column");
    rt(root, ["delete", "--force", id]);
  });

  it("a container that does not exist, a bad --format, json with ps-args: errors that say so", () => {
    expect(rt(root, ["ps", "x3-no-such"]).stderr).toBe('rt: container "x3-no-such" does not exist\n');
    expect(rt(root, ["ps", "--format", "yaml", "x"])).toMatchObject({ code: 2 });
    expect(rt(root, ["ps", "--format", "json", "x", "--", "-ef"]).stderr).toContain("ps-args are for --format table");
  });
});

describe("filterPs", () => {
  it("keeps the header and the lines whose PID column is listed, wherever that column is", () => {
    const out = "  PID TTY CMD\n   10 ?   a\n  100 ?   b\n 1000 ?   c\n";
    expect(filterPs(out, [100, 1000])).toBe("  PID TTY CMD\n  100 ?   b\n 1000 ?   c\n");
    expect(filterPs("UID PID\nroot 7\nroot 70\n", [7])).toBe("UID PID\nroot 7\n");
  });
});
