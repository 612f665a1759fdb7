// npm install / npm run build: everything a fresh clone needs, in order.
//   1. spec-schemas/ → precompiled validators (src/bundle/generated/)
//   2. native/       → native/build/rt-exec and native/build/probe (system cc)
//   3. src/          → dist/rt, one Bun-compiled executable, with dist/rt-exec beside it,
//                      and dist/lib/index.js, the library for Node
//   4. build/rootfs  → the small root filesystem the tests run containers from
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const run = (cmd, args) => execFileSync(cmd, args, { cwd: repo, stdio: "inherit" });

export function bunPath() {
  const candidates = [
    "node_modules/@oven/bun-linux-x64/bin/bun",
    "node_modules/@oven/bun-linux-aarch64/bin/bun",
    "node_modules/@oven/bun-linux-x64-baseline/bin/bun",
    "node_modules/bun/bin/bun.exe",
  ].map((p) => join(repo, p));
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error("bun is not installed: run npm install");
  return found;
}

run(process.execPath, ["scripts/compile-schemas.mjs"]);
run("make", ["-s", "-C", "native"]);
mkdirSync(join(repo, "dist"), { recursive: true });
// No .env or bunfig.toml autoload: rt must not read files from whatever
// directory it is started in (a bundle's .env would leak into rt's own
// environment), and skipping the look-ups halves Bun's start-up (≈ 8 → 5 ms).
run(bunPath(), [
  "build", "--compile", "--minify", "--bytecode", "--sourcemap=none",
  "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig",
  "src/cli/rt.ts", "--outfile", "dist/rt",
]);
copyFileSync(join(repo, "native/build/rt-exec"), join(repo, "dist/rt-exec"));
// The library for Node services (import { Runtime } from the package).
run(bunPath(), ["build", "--target=node", "--format=esm", "--minify-syntax", "src/index.ts", "--outfile", "dist/lib/index.js"]);
run(process.execPath, ["scripts/make-rootfs.mjs"]);
