// cgroup v2 where the unified hierarchy is /sys/fs/cgroup, as on most hosts.
// This development machine is hybrid (v1 controllers + cgroup2 at
// /sys/fs/cgroup/unified), so the check runs in a QEMU guest with a pure v2
// hierarchy (../shared/vm/vm-run.sh: one boot for the whole check), or
// directly when the host itself is pure v2.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO } from "../helpers.ts";
import { inGuest } from "./vm.ts";

const script = path.join(REPO, "test/guest/cgroup-v2-check.sh");
const pureV2 = fs.existsSync("/sys/fs/cgroup/cgroup.controllers");

describe("cgroup v2 on a pure v2 hierarchy", () => {
  it("places, signals and removes container cgroups under /sys/fs/cgroup, enforces device rules with the eBPF program, pids, memory and cpu limits, pause/resume, update, events --stats and unified keys", () => {
    const cmd = pureV2 ? ["sh", script, REPO] : inGuest(script, 400);
    const r = spawnSync(cmd[0], cmd.slice(1), { encoding: "utf8", timeout: 860_000 });
    const lines = r.stdout.split("\n").filter((l) => /^(not )?ok - /.test(l));
    expect(lines.length, `${r.stdout}\n${r.stderr}`).toBe(30);
    expect(lines.filter((l) => l.startsWith("not ok")), r.stderr).toEqual([]);
  }, 900_000);
});
