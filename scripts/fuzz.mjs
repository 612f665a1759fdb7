// A longer fuzz run than npm test's: `npm run fuzz -- --cases N --seed S`.
// N is the number of library validation cases (npm test runs 3000); the
// executable's validate, create+delete and argument-vector runs scale with it
// (300, 200 and 300 at N=3000). A failing case is replayed by the same seed.
import { spawnSync } from "node:child_process";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const cases = opt("--cases", "30000");
const seed = opt("--seed", String(Date.now() % 1e9));
if (!/^\d+$/.test(cases) || !/^\d+$/.test(seed)) {
  console.error("usage: npm run fuzz -- [--cases N] [--seed S]");
  process.exit(2);
}
console.log(`fuzz: ${cases} cases, seed ${seed}`);
const r = spawnSync("npx", ["vitest", "run", "test/fuzz/", "--testTimeout", "0"], {
  stdio: "inherit",
  env: { ...process.env, RT_FUZZ_CASES: cases, RT_FUZZ_SEED: seed },
});
process.exit(r.status ?? 1);
