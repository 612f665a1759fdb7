// npm pretest: installs what the tests need on a new machine (as root, from
// Debian): busybox-static for the test rootfs, runc for side-by-side runs, uidmap for rootless,
// tmux for the interactive terminal test, criu for checkpoint, and the
// engines (podman, docker.io, containerd) for test/engines/.
// Then refreshes build/rootfs so it includes busybox.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const need = [];
if (!["/bin/busybox", "/usr/bin/busybox"].some(existsSync)) need.push("busybox-static");
if (spawnSync("sh", ["-c", "command -v runc"]).status !== 0) need.push("runc");
// newuidmap/newgidmap for the rootless tests (test/integration/rootless.test.ts installs it too)
if (!existsSync("/usr/bin/newuidmap")) need.push("uidmap");
// tmux drives the interactive terminal test of rt run (test/integration/terminal.test.ts)
if (spawnSync("sh", ["-c", "command -v tmux"]).status !== 0) need.push("tmux");
// criu for rt checkpoint (test/integration/checkpoint.test.ts)
if (spawnSync("sh", ["-c", "command -v criu"]).status !== 0) need.push("criu");
// the engines that drive rt in test/engines/: podman (no daemon), Docker's
// dockerd and containerd (each suite starts its own daemon)
if (spawnSync("sh", ["-c", "command -v podman"]).status !== 0) need.push("podman");
// /usr/bin/docker is the client from docker.io (another docker may be first in PATH)
if (spawnSync("sh", ["-c", "command -v dockerd"]).status !== 0 || !existsSync("/usr/bin/docker")) need.push("docker.io");
if (spawnSync("sh", ["-c", "command -v containerd && command -v ctr"]).status !== 0) need.push("containerd");
if (need.length && process.getuid?.() === 0 && spawnSync("sh", ["-c", "command -v apt-get"]).status === 0) {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () => spawnSync("apt-get", ["install", "-y", "--no-install-recommends", ...need], { stdio: ["ignore", "inherit", "inherit"], env }).status === 0;
  if (!install()) {
    spawnSync("apt-get", ["update"], { stdio: ["ignore", "inherit", "inherit"], env });
    if (!install()) console.error(`test-deps: could not install ${need.join(" ")}`);
  }
}
execFileSync(process.execPath, ["scripts/make-rootfs.mjs"], { stdio: "inherit" });
