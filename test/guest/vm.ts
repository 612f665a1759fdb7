// The QEMU guest of ../shared/vm/vm-run.sh (a pure cgroup v2 host, kernel
// 6.1). Guests are software-emulated: two booted at once on this 2-core
// machine each run several times slower (one once timed out), so every boot
// holds one lock and the guest test files take turns.
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "vitest";
import { REPO } from "../helpers.ts";

export const VM_RUN = path.resolve(REPO, "../shared/vm/vm-run.sh");
const LOCK = "/tmp/rt-guest-boot.lock";

/** The command that runs `sh script REPO` in one guest boot, after any other test's boot. */
export function inGuest(script: string, timeoutSeconds: number): string[] {
  expect(fs.existsSync(VM_RUN), `${VM_RUN} is needed for this test on this host`).toBe(true);
  return ["flock", LOCK, "bash", VM_RUN, "--share", REPO, "--timeout", String(timeoutSeconds), "--", "sh", script, REPO];
}
