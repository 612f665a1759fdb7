// Mutation fuzzing of config.json (issue 9): every case ends in success or
// one-line errors naming a field, never an internal error, and leaves nothing.
// Most cases go through the library's validation (rt's own `validate`
// command, in process); some through the rt executable's `validate`; a few
// hundred through real `create` and `delete --force`. Seeded: a failure is
// replayed with `npm run fuzz -- --seed S --cases N`.
import { afterAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { main } from "../../src/cli/main.ts";
import { nodeHost } from "../../src/sys/host-node.ts";
import { RT, cleanupRoot, rt, stateRoot, tmpDir, unifiedMount } from "../helpers.ts";
import { SCALE, SEED, bases, cases, creatable, judge, privateRootfs } from "./corpus.ts";
import { mutateDoc, mutateText, pick, rng, type Rand } from "./mutate.ts";

const root = stateRoot();
const rootfs = privateRootfs();
const bundle = tmpDir("rt-fuzz-bundle-");
const kept = tmpDir("rt-fuzz-failures-");
afterAll(() => {
  cleanupRoot(root);
  for (const d of [bundle, rootfs]) fs.rmSync(d, { recursive: true, force: true });
  if (!fs.readdirSync(kept).length) fs.rmdirSync(kept); // kept only when a case failed
});

/** The config text of one case: a mutated document, now and then damaged as text. */
function caseText(r: Rand, base: any): string {
  const doc = r() < 0.1 ? base : mutateDoc(r, base);
  const text = JSON.stringify(doc, null, r() < 0.5 ? 2 : undefined);
  return r() < 0.08 ? mutateText(r, text) : text;
}

function record(failures: string[], what: string, text: string, why: string) {
  const file = path.join(kept, `${failures.length}.json`);
  fs.writeFileSync(file, text);
  failures.push(`${what}: ${why} (config kept in ${file})`);
}

/** Runs rt's main in this process, its output captured. */
async function inProcess(argv: string[]): Promise<{ code: number; stderr: string }> {
  const out = nodeHost.stdout, err = nodeHost.stderr;
  let stderr = "";
  nodeHost.stdout = () => {};
  nodeHost.stderr = (t) => void (stderr += t);
  try {
    return { code: await main(argv), stderr };
  } finally {
    nodeHost.stdout = out;
    nodeHost.stderr = err;
  }
}

const all = bases(rootfs);

describe(`config.json mutation fuzzing (seed ${SEED})`, () => {
  it("through the library's validation: success or errors naming a field", async () => {
    const r = rng(SEED);
    const failures: string[] = [];
    const n = cases(3000);
    for (let i = 0; i < n; i++) {
      const base = pick(r, all);
      const text = caseText(r, base.doc);
      fs.writeFileSync(path.join(bundle, "config.json"), text);
      const res = await inProcess(["--root", root, "validate", "--bundle", bundle]);
      const why = judge(res.code, res.stderr, [0, 1]);
      if (why) record(failures, `library case ${i} from ${base.name}`, text, `${why}: ${res.stderr.slice(0, 300)}`);
    }
    expect(failures).toEqual([]);
  }, 120_000 * Math.max(1, SCALE));

  it("through the rt executable's validate: the same, under QuickJS", () => {
    const r = rng(SEED + 1);
    const failures: string[] = [];
    for (let i = 0, n = cases(300); i < n; i++) {
      const base = pick(r, all);
      const text = caseText(r, base.doc);
      fs.writeFileSync(path.join(bundle, "config.json"), text);
      const res = rt(root, ["validate", "--bundle", bundle]);
      const why = judge(res.code, res.stderr, [0, 1]);
      if (why) record(failures, `rt validate case ${i} from ${base.name}`, text, `${why}: ${res.stderr.slice(0, 300)}`);
    }
    expect(failures).toEqual([]);
  }, 120_000 * Math.max(1, SCALE));

  it("through create and delete --force: nothing left behind (state, cgroup, mount, process)", () => {
    const r = rng(SEED + 2);
    const failures: string[] = [];
    const unified = unifiedMount();
    const mountsBefore = fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(rootfs)).length;
    let created = 0;
    const runnable = all.filter((b) => b.name === "rt spec" || b.name === "podman 4.3" || /good\/(minimal|minimal-for-start|spec-example|linux-.*)\.json/.test(b.name));
    const dir = tmpDir("rt-fuzz-create-");
    for (let i = 0, n = cases(200); i < n; i++) {
      const base = pick(r, runnable);
      // Fewer changes than for validate, and some none, so that a good share gets created.
      const start = creatable(base, rootfs);
      const doc = r() < 0.15 ? start : mutateDoc(r, start, 1);
      // Never: hooks run host programs, netDevices move host interfaces.
      if (doc && typeof doc === "object") {
        delete (doc as any).hooks;
        if ((doc as any).linux && typeof (doc as any).linux === "object") delete (doc as any).linux.netDevices;
      }
      const text = JSON.stringify(doc);
      fs.writeFileSync(path.join(dir, "config.json"), text);
      const id = `fz-${SEED}-${i}`;
      // Output to a file: a created container holds it open.
      const out = fs.openSync(path.join(dir, "out"), "w");
      let res;
      try {
        res = spawnSync(RT, ["--root", root, "create", "--bundle", dir, id], { stdio: ["ignore", out, out], timeout: 20_000 });
      } finally {
        fs.closeSync(out);
      }
      const code = res.status;
      const stderr = fs.readFileSync(path.join(dir, "out"), "utf8");
      const why = judge(code, stderr, [0, 1]);
      if (why) record(failures, `create case ${i} from ${base.name}`, text, `${why}: ${stderr.slice(0, 300)}`);
      if (process.env.RT_FUZZ_VERBOSE) console.log(`case ${i} ${base.name}: exit ${code} ${stderr.split("\n")[0].slice(0, 160)}`);
      if (code === 0) {
        created++;
        const d = rt(root, ["delete", "--force", id]);
        if (d.code !== 0) record(failures, `delete case ${i}`, text, `delete --force: ${d.stderr}`);
      }
      const left: string[] = [];
      if (fs.existsSync(path.join(root, id))) left.push("state dir");
      if (fs.existsSync(path.join(unified, `rt-${id}`))) left.push("cgroup");
      if (processesIn(`rt-${id}`).length) left.push("process");
      if (fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(rootfs)).length !== mountsBefore) left.push("mount");
      if (left.length) {
        record(failures, `create case ${i} from ${base.name} (exit ${code})`, text, `left behind: ${left.join(", ")}`);
        rt(root, ["delete", "--force", id]);
      }
    }
    console.log(`fuzz: create+delete, seed ${SEED + 2}: ${cases(200)} cases, ${created} created and deleted`);
    expect(failures).toEqual([]);
  }, 300_000 * Math.max(1, SCALE));
});

function processesIn(cgroupName: string): number[] {
  const pids: number[] = [];
  for (const p of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (fs.readFileSync(`/proc/${p}/cgroup`, "utf8").includes(`/${cgroupName}\n`)) pids.push(Number(p));
    } catch { /* exited */ }
  }
  return pids;
}
