// The build's one system library: libseccomp (Debian's libseccomp-dev, whose
// libseccomp.a rt-exec links statically). Missing on a fresh machine: as root
// with apt-get it is installed, as test-deps.mjs installs what tests need;
// otherwise the build stops and says what to install.
import { spawnSync } from "node:child_process";

const cc = process.env.CC || "cc";

/** Whether the C compiler finds seccomp.h and libseccomp.a. */
function present() {
  const header = spawnSync(cc, ["-E", "-x", "c", "-", "-o", "/dev/null"], { input: "#include <seccomp.h>\n", stdio: ["pipe", "ignore", "ignore"] });
  if (header.status !== 0) return false;
  const lib = spawnSync(cc, ["-print-file-name=libseccomp.a"], { encoding: "utf8" });
  return lib.status === 0 && lib.stdout.trim().startsWith("/");
}

export function ensureLibseccomp() {
  if (present()) return;
  const canApt = process.getuid?.() === 0 && spawnSync("sh", ["-c", "command -v apt-get"]).status === 0;
  if (canApt) {
    console.log("build: libseccomp-dev is missing; installing it with apt-get");
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const install = () => spawnSync("apt-get", ["install", "-y", "--no-install-recommends", "libseccomp-dev"], { stdio: ["ignore", "inherit", "inherit"], env }).status === 0;
    if (!install()) {
      spawnSync("apt-get", ["update"], { stdio: ["ignore", "inherit", "inherit"], env });
      install();
    }
    if (present()) return;
  }
  console.error(
    "build: libseccomp is missing (seccomp.h and the static libseccomp.a): rt-exec links it to apply linux.seccomp.\n" +
      (canApt ? "build: apt-get install libseccomp-dev failed; see its output above." : "build: install it (Debian/Ubuntu: apt-get install libseccomp-dev; as root, npm install does this itself), then build again."),
  );
  process.exit(1);
}
