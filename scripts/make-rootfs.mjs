// Builds build/rootfs: a minimal root filesystem for the tests and the quick
// start — the static probe from native/ and, when the host has a static
// busybox, busybox with its applets. Idempotent and quick.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = join(repo, "build/rootfs");
for (const d of ["bin", "proc", "sys", "dev", "tmp", "etc", "root", "run", "mnt", "data"]) mkdirSync(join(root, d), { recursive: true });
chmodSync(join(root, "tmp"), 0o1777);
installExecutable(join(repo, "native/build/probe"), join(root, "bin/probe"));
writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n");
writeFileSync(join(root, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");

const busybox = ["/bin/busybox", "/usr/bin/busybox"].find((p) => existsSync(p) && isStatic(p));
if (busybox) {
  installExecutable(busybox, join(root, "bin/busybox"));
  const applets = execFileSync(busybox, ["--list"], { encoding: "utf8" }).split("\n").filter((a) => a && a !== "busybox");
  for (const a of applets) {
    const link = join(root, "bin", a);
    if (a === "probe") continue;
    try { if (readlinkSync(link) === "busybox") continue; rmSync(link); } catch { /* absent */ }
    symlinkSync("busybox", link);
  }
}

// Copy, then rename into place: a running container may be executing the old
// file (ETXTBSY on an in-place write).
function installExecutable(from, to) {
  const tmp = `${to}.tmp-${process.pid}`;
  copyFileSync(from, tmp);
  chmodSync(tmp, 0o755);
  renameSync(tmp, to);
}

function isStatic(p) {
  try {
    execFileSync("ldd", [p], { stdio: "ignore" });
    return false;
  } catch {
    return true;
  }
}
