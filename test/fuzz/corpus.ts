// What the fuzzer starts from, and how it judges an outcome. Bases: the
// config `rt spec` writes, a real podman 4.3 config (test/fixtures, host
// paths replaced), and the runtime-spec's own schema fixtures, read at test
// time from the shared checkout.
import * as fs from "node:fs";
import * as path from "node:path";
import { defaultSpec } from "../../src/linux/default-spec.ts";
import { REPO, tmpDir } from "../helpers.ts";

const UPSTREAM = "/work/shared/oci-runtime-spec/schema/test/config";

/** The fuzz run's knobs: `npm run fuzz -- --cases N --seed S` sets them (scripts/fuzz.mjs). */
export const SEED = Number(process.env.RT_FUZZ_SEED ?? 20261201);
export const SCALE = Number(process.env.RT_FUZZ_CASES ?? 3000) / 3000;
export const cases = (n: number) => Math.max(1, Math.round(n * SCALE));

/** A rootfs of its own (the static probe and the directories mounts need), so that no case writes into build/rootfs. */
export function privateRootfs(): string {
  const dir = tmpDir("rt-fuzz-rootfs-");
  for (const d of ["bin", "dev", "proc", "sys", "tmp", "etc", "run", "root"]) fs.mkdirSync(path.join(dir, d));
  fs.copyFileSync(path.join(REPO, "build/rootfs/bin/probe"), path.join(dir, "bin/probe"));
  fs.chmodSync(path.join(dir, "bin/probe"), 0o755);
  return dir;
}

/** The files podman bind-mounts, for the fixture's @DATA@ sources. */
function podmanFiles(): string {
  const dir = tmpDir("rt-fuzz-files-");
  for (const f of ["hosts", ".containerenv", "hostname"]) fs.writeFileSync(path.join(dir, f), "");
  fs.mkdirSync(path.join(dir, "shm"));
  return dir;
}

export interface Base { name: string; doc: any }

/** Every base config; rootfs goes in root.path. */
export function bases(rootfs: string): Base[] {
  const spec = defaultSpec(["/bin/probe", "true"]);
  spec.root = { path: rootfs, readonly: true };
  const files = podmanFiles();
  const podman = JSON.parse(fs.readFileSync(path.join(REPO, "test/fixtures/podman-4.3-config.json"), "utf8").replaceAll("@ROOTFS@", rootfs).replaceAll("@DATA@", files).replaceAll("@CGROUPS_PATH@", "/rt-fuzz-podman"));
  const out: Base[] = [{ name: "rt spec", doc: spec }, { name: "podman 4.3", doc: podman }];
  for (const kind of ["good", "bad"]) {
    const dir = path.join(UPSTREAM, kind);
    for (const f of fs.readdirSync(dir).sort()) {
      try {
        out.push({ name: `upstream ${kind}/${f}`, doc: JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) });
      } catch { /* invalid-json.json: covered by the text mutations */ }
    }
  }
  return out;
}

/** The same configs made creatable: what create would refuse outright (not yet implemented here) is left out. */
export function creatable(b: Base, rootfs: string): any {
  const d = JSON.parse(JSON.stringify(b.doc));
  d.root = { path: rootfs, readonly: true };
  delete d.hooks;
  delete d.linux?.netDevices; // would move a host interface (eth0) into the container
  delete d.linux?.seccomp;
  delete d.linux?.resources;
  delete d.linux?.cgroupsPath;
  delete d.process?.rlimits; // podman's RLIMIT_NOFILE 1048576 is above this host's hard limit
  d.ociVersion = "1.3.0";
  d.linux ??= {};
  d.linux.namespaces ??= [];
  for (const type of ["mount", "pid", "ipc", "uts"]) if (!d.linux.namespaces.some((n: any) => n.type === type)) d.linux.namespaces.push({ type });
  d.process ??= defaultSpec().process;
  d.process.args = ["/bin/probe", "true"];
  d.process.terminal = false;
  d.process.user ??= { uid: 0, gid: 0 };
  d.process.cwd ??= "/";
  delete d.process.apparmorProfile; // this host has neither AppArmor nor SELinux
  delete d.process.selinuxLabel;
  delete d.linux?.mountLabel;
  return d;
}

/**
 * Why an outcome is wrong, or undefined if it is fine: exit 0, 1 (or 2 for
 * usage), and on failure lines that each name what they are about — never an
 * internal error or a stack trace.
 */
export function judge(code: number | null, stderr: string, allowed = [0, 1, 2]): string | undefined {
  if (code === null || !allowed.includes(code)) return `exit ${code}`;
  if (/internal error|RangeError|TypeError|InternalError|\n\s+at /.test(stderr)) return "internal error";
  if (code === 0) return undefined;
  // `rt` with no command prints its help, as usage.
  if (code === 2 && /^rt \d+\.\d+\.\d+: an OCI runtime/.test(stderr)) return undefined;
  const lines = stderr.trimEnd().split("\n");
  if (!lines[0]?.startsWith("rt: ")) return "no rt: line";
  // One line per problem; a usage error may add its usage text.
  const issue = /^(rt: )?(config\.json: |bundle |container |invalid |unknown |state |writing |[A-Za-z-]+(\[[^\]]*\]|\.[A-Za-z]+)*: |--?[a-z-]+|[a-z]+ needs|[a-z]+: )/;
  if (code === 1 && lines.some((l) => !issue.test(l))) return `unnamed line ${JSON.stringify(lines.find((l) => !issue.test(l)))}`;
  if (code === 2 && !issue.test(lines[0])) return `unnamed usage line ${JSON.stringify(lines[0])}`;
  return undefined;
}
