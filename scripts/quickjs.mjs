// QuickJS for the `rt` executable (native/host/SYS.md): fetched from the npm
// registry, checked, built into build/quickjs/{libquickjs.a,qjsc,src/}.
// Idempotent: does nothing when the stamp says this exact build is there.
//
//   node scripts/quickjs.mjs
//
// Source: QuickJS 2021-03-27 as vendored by the npm package qjsc@0.3.0 (its
// deps/quickjs_2021_03_27/), pinned by the tarball's integrity. Nothing of it
// is committed; build/ is ignored.
//
// How it is built, and why (measured on the 2-core build machine, gcc 12):
// - Our own compile of the six library objects and qjsc.o, two at a time,
//   quickjs.c first (it is most of the time): ≈ 17 s from scratch, fetch
//   included. The upstream Makefile (`make -j2 libquickjs.a qjsc`) takes
//   32 s with its default CONFIG_LTO, which compiles every library object
//   twice (LTO and not), and 22 s without (it also adds -g).
// - No LTO. LTO objects compile in ≈ 4 s, but then every link of dist/rt
//   does the code generation (≈ 9 s on 2 cores, again for each test
//   executable), and the result is no faster: 6.11 M instructions for
//   `rt --version` either way (valgrind), the same wall time.
// - -O2, not -O1/-Os: quickjs.c compiles in about half the time, but
//   `rt --version` runs 9 %/15 % more instructions. Start-up is paid on every
//   rt call, the build once.
// - CONFIG_BIGNUM: BigInt (rt uses it).
// - quickjs-libc.c is compiled with build/quickjs/rt-config.h forced in:
//   js_std_dump_error becomes weak, so that the host's own (prefix + exit 1)
//   replaces it everywhere QuickJS reports an uncaught exception (a weak
//   function is never inlined); and dlopen/dlsym/dlclose are renamed to
//   stand-ins that fail, so that the static link of dist/rt references no
//   dlopen (QuickJS's loader of .so modules is never used: the host's own
//   module loader reads only bytecode linked into the executable) and gets no glibc static-dlopen warning.
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE = "qjsc@0.3.0";
const INTEGRITY = "sha512-a7+cU6/IVcZbIejffdt/wZVMX6LL2MDL3HQ9Zb5Gm23G9DvBMS/z9GHFxz39bAvp2PvMOM+ypSOAyokt2DdZ2w==";
const VERSION = "2021-03-27";
const SUBDIR = "package/deps/quickjs_2021_03_27/";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const final = join(repo, "build/quickjs");
// Built in a staging directory, renamed into place when complete: an
// interrupted or concurrent run never leaves a half-built build/quickjs.
const out = `${final}.tmp-${process.pid}`;
const src = join(out, "src");
const obj = join(out, "obj");
const cc = process.env.CC || "cc";

const CFLAGS = ["-O2", "-D_GNU_SOURCE", `-DCONFIG_VERSION="${VERSION}"`, "-DCONFIG_BIGNUM", "-Wno-array-bounds", "-Wno-format-truncation"];
const CONFIG_H = `// Forced into quickjs-libc.c by scripts/quickjs.mjs (see there).
struct JSContext;
void js_std_dump_error(struct JSContext *ctx) __attribute__((weak));
#define dlopen rt_quickjs_no_dlopen
#define dlsym rt_quickjs_no_dlsym
#define dlclose rt_quickjs_no_dlclose
`;
const NODL_C = `// Stand-ins for dlopen & co. in quickjs-libc.c (see rt-config.h).
#include <stddef.h>
void *rt_quickjs_no_dlopen(const char *file, int mode) { (void)file; (void)mode; return NULL; }
void *rt_quickjs_no_dlsym(void *handle, const char *name) { (void)handle; (void)name; return NULL; }
int rt_quickjs_no_dlclose(void *handle) { (void)handle; return -1; }
`;
// [object, source, extra flags], relative to the build directory; quickjs.c
// first: it is the long one.
const UNITS = [
  ["quickjs.o", "src/quickjs.c", []],
  ["libbf.o", "src/libbf.c", []],
  ["quickjs-libc.o", "src/quickjs-libc.c", ["-include", "rt-config.h"]],
  ["libregexp.o", "src/libregexp.c", []],
  ["libunicode.o", "src/libunicode.c", []],
  ["cutils.o", "src/cutils.c", []],
  ["nodl.o", "nodl.c", []],
  ["qjsc.o", "src/qjsc.c", [`-DCONFIG_CC="${cc}"`, '-DCONFIG_PREFIX="/usr/local"']],
];
const LIB_OBJECTS = UNITS.map(([o]) => o).filter((o) => o !== "qjsc.o");

// Everything that decides the result: a change rebuilds.
const stampText = JSON.stringify({ PACKAGE, INTEGRITY, CFLAGS, CONFIG_H, NODL_C, UNITS, cc }) + "\n";
const stampFile = join(final, "stamp");

class Failure extends Error {}
function fail(msg) {
  throw new Failure(msg);
}

const say = (msg) => console.log(`quickjs: ${msg}`);

function run(cmd, args, opts = {}) {
  try {
    return execFileSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...opts });
  } catch (e) {
    const output = `${e.stdout ?? ""}${e.stderr ?? ""}`.trim();
    fail(`${cmd} ${args.join(" ")} failed${output ? `:\n${output}` : `: ${e.message}`}`);
  }
}

function compile([o, file, extra]) {
  const args = [...CFLAGS, ...extra, "-c", "-o", join("obj", o), file];
  return new Promise((resolve, reject) => {
    const child = spawn(cc, args, { cwd: out, stdio: ["ignore", "inherit", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.on("error", (e) => reject(new Failure(`${cc}: ${e.message}`)));
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Failure(`${cc} ${args.join(" ")} failed (exit ${code})${err ? `:\n${err}` : ""}`))));
  });
}

async function compileAll(jobs) {
  const queue = [...UNITS];
  const worker = async () => {
    for (let u = queue.shift(); u; u = queue.shift()) await compile(u);
  };
  await Promise.all(Array.from({ length: jobs }, worker));
}

function upToDate() {
  return existsSync(join(final, "libquickjs.a")) && existsSync(join(final, "qjsc")) &&
    existsSync(stampFile) && readFileSync(stampFile, "utf8") === stampText;
}

async function main() {
  if (upToDate()) return;
  const t0 = Date.now();
  mkdirSync(obj, { recursive: true });
  process.on("exit", () => rmSync(out, { recursive: true, force: true }));

  // 1. Fetch and check.
  const tmp = mkdtempSync(join(tmpdir(), "rt-quickjs-"));
  try {
    say(`fetching ${PACKAGE} from the npm registry`);
    const packed = JSON.parse(run("npm", ["pack", PACKAGE, "--pack-destination", tmp, "--json", "--silent"], { cwd: tmp }).toString());
    const tarball = join(tmp, packed[0].filename);
    const digest = "sha512-" + createHash("sha512").update(readFileSync(tarball)).digest("base64");
    if (digest !== INTEGRITY) fail(`${PACKAGE}: integrity mismatch: got ${digest}, pinned ${INTEGRITY}`);

    // 2. Only the QuickJS sources.
    run("tar", ["-xzf", tarball, "-C", tmp, SUBDIR]);
    renameSync(join(tmp, SUBDIR), src);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const version = readFileSync(join(src, "VERSION"), "utf8").trim();
  if (version !== VERSION) fail(`expected QuickJS ${VERSION}, the package has ${version}`);
  writeFileSync(join(out, "rt-config.h"), CONFIG_H);
  writeFileSync(join(out, "nodl.c"), NODL_C);

  // 3. Build.
  say(`compiling QuickJS ${VERSION} (-O2, two at a time, ≈ 20 s)`);
  await compileAll(2);
  run("ar", ["rcs", join(out, "libquickjs.a"), ...LIB_OBJECTS.map((o) => join(obj, o))]);
  run(cc, ["-o", join(out, "qjsc"), join(obj, "qjsc.o"), join(out, "libquickjs.a"), "-lm", "-ldl", "-lpthread"]);
  rmSync(obj, { recursive: true, force: true });
  writeFileSync(join(out, "stamp"), stampText);
  rmSync(final, { recursive: true, force: true });
  try {
    renameSync(out, final);
  } catch (e) {
    // Another run finished first: fine if it built the same.
    if (!upToDate()) fail(`cannot move the build into ${final}: ${e.message}`);
  }
  say(`built build/quickjs/libquickjs.a and qjsc in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

try {
  await main();
} catch (e) {
  console.error(`quickjs: ${e instanceof Failure ? e.message : e.stack ?? e}`);
  process.exitCode = 1;
}
