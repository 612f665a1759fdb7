// Mutation fuzzing of rt's argument vectors, every command: each case ends
// in exit 0, 1 or 2 (usage) with errors naming the argument, never an
// internal error, and what a case creates is removable (delete --force), with
// nothing left after. Every path in the vocabulary is the test's own.
import { afterAll, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { RT, cleanupRoot, rt, stateRoot, tmpDir, unifiedMount } from "../helpers.ts";
import { SCALE, SEED, bases, cases, creatable, judge, privateRootfs } from "./corpus.ts";
import { mutateArgv, pick, rng } from "./mutate.ts";

const root = stateRoot();
const cwd = tmpDir("rt-fuzz-cwd-");
const rootfs = privateRootfs();
const good = tmpDir("rt-fuzz-good-");
fs.writeFileSync(path.join(good, "config.json"), JSON.stringify(creatable(bases(rootfs)[0], rootfs)));
const bad = tmpDir("rt-fuzz-bad-");
fs.writeFileSync(path.join(bad, "config.json"), "{\"ociVersion\": 1}");
const specDir = tmpDir("rt-fuzz-spec-");
afterAll(() => {
  cleanupRoot(root);
  for (const d of [cwd, rootfs, good, bad, specDir]) fs.rmSync(d, { recursive: true, force: true });
});

const IDS = ["fa1", "fa2", "fa-3", "", "-", "..", ".", "a/b", "a\nb", "x".repeat(256), "x".repeat(255), "é"];
const VOCAB = [
  "create", "start", "state", "kill", "delete", "run", "list", "spec", "validate", "features", "exec", "pause",
  "--bundle", "-b", "--pid-file", "--console-socket", "--preserve-fds", "--no-pivot", "--no-new-keyring", "--detach", "-d",
  "--force", "-f", "--all", "-a", "--signal", "-s", "--format", "-f", "--quiet", "-q", "--rootless", "--help", "-h", "--version", "-v",
  "--debug", "--log", "--log-format", "--systemd-cgroup", "--root", "--", "-", "--=", "---", "--bundle=",
  good, bad, specDir, cwd, path.join(cwd, "missing"), path.join(good, "config.json"), path.join(cwd, "pid"), path.join(cwd, "log"),
  "KILL", "SIGKILL", "TERM", "9", "0", "-1", "65", "SIGFOO", "sigterm", "json", "table", "text", "1", "4096", "99999999999999999999",
  ...IDS,
];
const BASES: string[][] = [
  ["create", "--bundle", good, "fa1"], ["start", "fa1"], ["state", "fa1"], ["kill", "fa1", "KILL"], ["kill", "--all", "fa1", "TERM"],
  ["delete", "--force", "fa1"], ["delete", "fa2"], ["run", "--bundle", good, "fa2"], ["run", "-d", "--bundle", good, "fa2"], ["list"],
  ["list", "--format", "json"], ["spec", "--bundle", specDir], ["validate", "--bundle", good], ["validate", "--bundle", bad], ["--help"], ["create", "--help"],
];

it(`argument vectors of every command, mutated (seed ${SEED})`, () => {
  const r = rng(SEED + 3);
  const failures: string[] = [];
  const out = path.join(cwd, "out");
  for (let i = 0, n = cases(300); i < n; i++) {
    const argv = mutateArgv(r, VOCAB, pick(r, BASES));
    const fd = fs.openSync(out, "w");
    let res;
    try {
      // The root always comes first; a later --root can only name this test's own dirs.
      res = spawnSync(RT, ["--root", root, ...argv], { cwd, stdio: ["ignore", fd, fd], timeout: 15_000 });
    } finally {
      fs.closeSync(fd);
    }
    const text = fs.readFileSync(out, "utf8");
    const why = judge(res.status, text);
    if (why) failures.push(`case ${i} ${JSON.stringify(argv)}: ${why}${res.signal ? ` (${res.signal})` : ""}${res.error ? ` (${res.error.message})` : ""}: ${text.slice(0, 300)}`);
    if (process.env.RT_FUZZ_VERBOSE) console.log(`case ${i} ${JSON.stringify(argv).slice(0, 200)} -> ${res.status ?? res.signal}`);
    fs.rmSync(path.join(specDir, "config.json"), { force: true });
  }
  // Everything created can be removed, and nothing stays.
  for (const id of fs.readdirSync(root)) {
    const d = rt(root, ["delete", "--force", id]);
    if (d.code !== 0) failures.push(`delete --force ${id}: ${d.stderr}`);
  }
  expect(fs.readdirSync(root)).toEqual([]);
  const unified = unifiedMount();
  // Exactly the ids this fuzzer uses (other test files run beside it, with ids of their own).
  const ours = new Set(IDS.map((i) => `rt-${i}`));
  expect(fs.readdirSync(unified).filter((c) => ours.has(c))).toEqual([]);
  expect(failures).toEqual([]);
}, 300_000 * Math.max(1, SCALE));
