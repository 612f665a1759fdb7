// rt checkpoint + rt restore end to end with CRIU. CRIU 3.17 cannot work on
// this development host's kernel (6.18: `criu check` fails on the vDSO), so
// the check runs in the QEMU guest (../shared/vm/vm-run.sh, Debian's 6.1
// kernel, where it can), or directly on a host where `criu check` passes.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { REPO } from "../helpers.ts";
import { inGuest } from "./vm.ts";

const script = path.join(REPO, "test/guest/criu-check.sh");
const criuWorksHere = spawnSync("criu", ["check"], { stdio: "ignore" }).status === 0;

describe("checkpoint and restore with CRIU", () => {
  it("checkpoints a running container, restores it into its cgroup with its memory and tmpfs, execs into it and deletes it", () => {
    const cmd = criuWorksHere ? ["sh", script, REPO] : inGuest(script, 300);
    const r = spawnSync(cmd[0], cmd.slice(1), { encoding: "utf8", timeout: 860_000 });
    const lines = r.stdout.split("\n").filter((l) => /^(not )?ok - /.test(l));
    expect(lines.length, `${r.stdout}\n${r.stderr}`).toBe(13);
    expect(lines.filter((l) => l.startsWith("not ok")), r.stderr).toEqual([]);
  }, 900_000);
});
