// rt checkpoint: a running container's process tree dumped to images by
// CRIU (`criu dump`), as podman's `container checkpoint` asks of runc.
// rt only turns the container and the options into CRIU's arguments; CRIU
// does the work. When CRIU fails, the error carries what CRIU reported (the
// Error lines of its log), since that is the only useful account of why: a
// kernel CRIU does not support, a resource it cannot dump.
//
// Without --leave-running CRIU ends the processes it dumped, and rt then
// deletes the container, as runc does. What rt cannot describe to CRIU yet
// is refused by name before CRIU runs: a terminal, joined namespaces.
import { host } from "../sys/host.ts";
import * as path from "../sys/path.ts";
import { mkdirAll } from "../sys/files.ts";
import { RtError, describeSysError } from "../errors.ts";
import type { Spec } from "../spec/types.ts";
import { deriveStatus } from "../state/status.ts";
import type { OperationContext } from "./context.ts";
import { mustRead } from "./context.ts";
import { deleteContainer } from "./delete.ts";

export interface CheckpointOptions {
  /** Where the images go (created if missing); default ./checkpoint, as runc. */
  imagePath?: string;
  /** Where CRIU writes its log (dump.log); default the image path. */
  workPath?: string;
  leaveRunning?: boolean;
  tcpEstablished?: boolean;
  fileLocks?: boolean;
  extUnixSk?: boolean;
  shellJob?: boolean;
  /** --manage-cgroups-mode: CRIU's soft (its default), full, strict or ignore. */
  manageCgroupsMode?: string;
}

export function checkpointContainer(ctx: OperationContext, id: string, o: CheckpointOptions): void {
  const rec = mustRead(ctx, id);
  const status = deriveStatus(ctx.store, rec);
  if (status !== "running") throw new RtError(`cannot checkpoint container "${id}": it is ${status}, not running`);
  let spec: Spec;
  try {
    spec = JSON.parse(host().readFile(path.join(rec.bundle, "config.json")));
  } catch (e) {
    throw new RtError(`checkpoint: reading the container's config.json in ${rec.bundle}: ${describeSysError(e)}`);
  }
  const images = path.resolve(o.imagePath ?? "checkpoint");
  const work = path.resolve(o.workPath ?? images);
  for (const dir of [images, work]) {
    try { mkdirAll(dir, 0o700); } catch (e) { throw new RtError(`checkpoint: ${dir}: ${describeSysError(e)}`); }
  }
  writeDescriptors(images, rec.pid);
  const args = ["criu", ...criuDumpArgs(spec, rec.pid, rec.rootfs, images, work, o)];
  const criu = findCriu();
  let r: { status: number; output: string };
  try {
    r = host().captureOutput(criu, args);
  } catch (e) {
    throw new RtError(`checkpoint: running ${criu}: ${describeSysError(e)}`);
  }
  if (r.status !== 0) throw new RtError(`checkpoint: criu dump failed (status ${r.status}): ${criuErrors(path.join(work, "dump.log"), r.output)}`);
  if (!o.leaveRunning) deleteContainer(ctx, id, true);
}

/** `criu dump` arguments for the container's init (exported for the plan-like unit test). */
export function criuDumpArgs(spec: Spec, pid: number, rootfs: string, images: string, work: string, o: CheckpointOptions): string[] {
  if (spec.process?.terminal) throw new RtError("process.terminal: checkpoint of a container with a terminal is not implemented yet");
  (spec.linux?.namespaces ?? []).forEach((n, i) => {
    if (n.path) throw new RtError(`linux.namespaces[${i}].path: checkpoint of a container that joined a namespace is not implemented yet`);
  });
  const args = ["dump", "--tree", String(pid), "--images-dir", images, "--work-dir", work, "--log-file", "dump.log", "-v4", "--root", rootfs, manageCgroups(o.manageCgroupsMode)];
  if (o.leaveRunning) args.push("--leave-running");
  args.push(...criuFlags(o));
  // Bind mounts come from outside the container's tree: CRIU dumps them as
  // external, by destination, and a restore maps them back.
  for (const m of spec.mounts ?? []) {
    if (isBindMount(m)) args.push("--external", `mnt[${m.destination}]:${m.destination}`);
  }
  return args;
}

/** The Error lines of CRIU's log (else of its output): what CRIU itself said went wrong. */
export function criuErrors(logFile: string, output: string): string {
  let log = "";
  try { log = host().readFile(logFile); } catch { /* CRIU failed before it opened its log */ }
  const errors = (text: string) => text.split("\n").filter((l) => /\bError \(/.test(l)).map((l) => l.replace(/^\(\s*[\d.]+\)\s*/, "").trim());
  const found = errors(log).length ? errors(log) : errors(output);
  if (found.length) return found.slice(0, 4).join("; ");
  const last = (output.trim() || log.trim()).split("\n").slice(-2).join("; ");
  return last || "CRIU reported nothing";
}

export function findCriu(): string {
  for (const dir of (host().env("PATH") || "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
    const p = path.join(dir || ".", "criu");
    try { if (!host().stat(p).isDirectory) return p; } catch { /* not here */ }
  }
  throw new RtError('no "criu" in PATH: checkpoints are made by CRIU (Debian package criu)');
}

const CGROUP_MODES = ["soft", "full", "strict", "ignore"];

/** CRIU's --manage-cgroups, with runc's --manage-cgroups-mode if given. */
/** The CRIU switches checkpoint and restore share. */
export function criuFlags(o: { tcpEstablished?: boolean; fileLocks?: boolean; extUnixSk?: boolean; shellJob?: boolean }): string[] {
  const out: string[] = [];
  if (o.tcpEstablished) out.push("--tcp-established");
  if (o.fileLocks) out.push("--file-locks");
  if (o.extUnixSk) out.push("--ext-unix-sk");
  if (o.shellJob) out.push("--shell-job");
  return out;
}

export function isBindMount(m: NonNullable<Spec["mounts"]>[number]): boolean {
  return m.type === "bind" || (m.options ?? []).some((x) => x === "bind" || x === "rbind");
}

export function manageCgroups(mode: string | undefined): string {
  if (mode === undefined) return "--manage-cgroups";
  if (!CGROUP_MODES.includes(mode)) throw new RtError(`--manage-cgroups-mode: ${JSON.stringify(mode)} is not one of ${CGROUP_MODES.join(", ")}`);
  return `--manage-cgroups=${mode}`;
}

/** Beside the images, as runc names it: what the init's fds 0, 1, 2 were (restore hands its own stdio in for the pipes among them). */
export const DESCRIPTORS_FILE = "descriptors.json";

function writeDescriptors(images: string, pid: number): void {
  const fds = [0, 1, 2].map((i) => { try { return host().readlink(`/proc/${pid}/fd/${i}`); } catch { return ""; } });
  try {
    host().writeFile(path.join(images, DESCRIPTORS_FILE), JSON.stringify(fds), 0o600, "w");
  } catch (e) {
    throw new RtError(`checkpoint: ${path.join(images, DESCRIPTORS_FILE)}: ${describeSysError(e)}`);
  }
}
