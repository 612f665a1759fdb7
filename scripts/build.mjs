// npm install / npm run build: everything a fresh clone needs, in order.
//   1. spec-schemas/ → precompiled validators (src/bundle/generated/)
//   2. native/       → native/build/rt-exec and native/build/probe (system cc,
//                      libseccomp: installed first if missing and we are root),
//                      and what that libseccomp knows (src/bundle/generated/seccomp.js)
//   3. QuickJS       → build/quickjs (fetched from the npm registry, built here)
//   4. src/          → dist/rt: the CLI bundled to ES modules (an entry and
//                      the chunks it imports), compiled to QuickJS bytecode
//                      and linked with native/host (SYS.md),
//                      with dist/rt-exec beside it; dist/lib/index.js, the library for Node
//   5. build/rootfs  → the small root filesystem the tests run containers from
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureLibseccomp } from "./libseccomp.mjs";

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
ensureLibseccomp();
run("make", ["-s", "-C", "native"]);
run(process.execPath, ["scripts/seccomp-tables.mjs"]);
run(process.execPath, ["scripts/quickjs.mjs"]);
mkdirSync(join(repo, "dist"), { recursive: true });
// The CLI as ES modules for QuickJS: the entry build/rt-bundle/rt.js and the
// chunks it reaches by import() (each command; create's config validator),
// which the host loads only then. The host's modules stay imports. No
// module preload: that is for browsers (it would call document).
rmSync(join(repo, "build/rt-bundle"), { recursive: true, force: true });
run(bunPath(), [
  "build", "--target=browser", "--format=esm", "--minify", "--sourcemap=none",
  "--splitting", "--no-module-preload",
  "--external", "rt:sys", "--external", "qjs:os",
  "src/cli/rt.ts", "--outdir", "build/rt-bundle",
]);
run("make", ["-s", "-C", "native/host", `BUNDLE=${join(repo, "build/rt-bundle/rt.js")}`, `OUT=${join(repo, "dist/rt")}`, `QJS=${join(repo, "build/quickjs")}`]);
copyFileSync(join(repo, "native/build/rt-exec"), join(repo, "dist/rt-exec"));
// The library for Node services (import { Runtime } from the package).
run(bunPath(), ["build", "--target=node", "--format=esm", "--minify-syntax", "src/index.ts", "--outfile", "dist/lib/index.js"]);
run(process.execPath, ["scripts/make-rootfs.mjs"]);
