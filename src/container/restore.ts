// rt restore: a container made again from the images rt checkpoint had CRIU
// write, as podman's `container restore` asks of runc. rt does what create
// does for the container's record and cgroups (claim the id, make the
// cgroups), then has `criu restore` rebuild the process tree inside them:
// CRIU recreates the namespaces and the mount tree from its images, under
// the bundle's rootfs, with the bind mounts the checkpoint named as external
// mapped back to their sources. The restored init's pid comes from CRIU's
// pidfile and goes into the record; from then on the container is an
// ordinary running one (state, kill, exec, delete).
//
// When CRIU fails, the error is what CRIU reported (the Error lines of its
// log), and nothing is left: no state dir, no cgroup, no process. What rt
// cannot describe to CRIU is refused by name before anything is made.
import { host } from "../sys/host.ts";
import * as path from "../sys/path.ts";
import { mkdirAll, readTextOrNull } from "../sys/files.ts";
import { RtError, describeSysError } from "../errors.ts";
import type { Spec } from "../spec/types.ts";
import { validateId } from "../state/id.ts";
import { readProcStat } from "../state/proc.ts";
import { writeFileAtomic, type ContainerRecord } from "../state/store.ts";
import type { OperationContext } from "./context.ts";
import { DESCRIPTORS_FILE, criuErrors, criuFlags, findCriu, isBindMount, manageCgroups } from "./checkpoint.ts";
import { creatingRecord, missingDirs, undoCreate } from "./create.ts";

export interface RestoreOptions {
  bundle?: string;
  /** The images rt checkpoint wrote; default ./checkpoint, as runc. */
  imagePath?: string;
  /** Where CRIU writes restore.log; default the image path. */
  workPath?: string;
  pidFile?: string;
  consoleSocket?: string;
  /** rt cannot yet wait for a restored init (it is not its parent): only detached restores. */
  detach?: boolean;
  /** Accepted as runc does: CRIU rebuilds the mount tree from its images, rt pivots nothing. */
  noPivot?: boolean;
  noNewKeyring?: boolean;
  tcpEstablished?: boolean;
  fileLocks?: boolean;
  extUnixSk?: boolean;
  shellJob?: boolean;
  /** --manage-cgroups-mode: CRIU's soft (its default), full, strict or ignore. */
  manageCgroupsMode?: string;
}

const PIDFILE = "restore.pid";

export async function restoreContainer(ctx: OperationContext, id: string, o: RestoreOptions): Promise<number> {
  validateId(id);
  if (!o.detach) throw new RtError("restore: without --detach is not implemented yet (rt cannot wait for a restored init it is not the parent of): use --detach");
  const [{ loadBundle }, cgroups, hierarchy, { callerIds }, v1Devices, { containerDeviceState }] = await Promise.all([
    import("../bundle/load.ts"),
    import("../cgroups/delegation.ts"),
    import("../cgroups/hierarchy.ts"),
    import("../linux/rootless.ts"),
    import("../cgroups/v1-devices.ts"),
    import("../linux/device-control.ts"),
  ]);
  const bundle = loadBundle(o.bundle ?? host().cwd());
  for (const w of bundle.warnings) ctx.warn?.(w);
  refuseUndescribable(bundle.spec, o);
  manageCgroups(o.manageCgroupsMode); // a bad mode is refused before anything is made
  const images = path.resolve(o.imagePath ?? "checkpoint");
  const work = path.resolve(o.workPath ?? images);
  try { mkdirAll(work, 0o700); } catch (e) { throw new RtError(`restore: ${work}: ${describeSysError(e)}`); }
  const criu = findCriu();
  const mount = hierarchy.unifiedMount();
  if (!mount) throw new RtError("linux.resources.devices: no cgroup2 hierarchy is mounted, so the device rules cannot be enforced");
  const cgroupDir = hierarchy.resolveCgroupDir(bundle.spec.linux?.cgroupsPath, id, mount);
  const rootless = callerIds().uid !== 0;
  const devicesMount = rootless ? null : v1Devices.v1DevicesMount();
  const devicesV1Dir = devicesMount ? v1Devices.v1DevicesDir(cgroupDir, mount, devicesMount) : "";
  const cgroupPlanned = missingDirs(cgroupDir, mount);
  const devicesPlanned = devicesMount ? missingDirs(devicesV1Dir, devicesMount) : [];
  const record = creatingRecord(bundle, id, {
    cgroupDir, cgroupCreated: cgroupPlanned,
    ...(devicesV1Dir ? { devicesV1Dir, devicesV1Created: devicesPlanned } : {}),
  }, o.noNewKeyring);
  const stateDir = ctx.store.claim(record, { id, cgroupDir, cgroupCreated: cgroupPlanned, ...(devicesV1Dir ? { devicesV1Dir, devicesV1Created: devicesPlanned } : {}) });
  let pid = 0;
  try {
    const made = cgroups.createCgroupFor(cgroupDir, mount, callerIds().uid, ctx.warn);
    record.cgroupCreated = made.created;
    record.cgroupDir = made.dir;
    ctx.store.write(record);
    if (devicesMount) {
      record.devicesV1Created = v1Devices.createV1DevicesCgroup(devicesV1Dir, devicesMount);
      ctx.store.write(record);
      v1Devices.applyV1DeviceRules(devicesV1Dir, containerDeviceState(bundle.spec));
    }
    const pidFile = path.join(stateDir, PIDFILE);
    const args = ["criu", ...criuRestoreArgs(bundle.spec, bundle.dir, bundle.rootfs, images, work, path.relative(mount, record.cgroupDir), pidFile, o)];
    const inherit = inheritedStdio(readDescriptors(images));
    args.push(...inherit);
    let r: { status: number; output: string };
    try {
      // rt's stdio at CRIU's fds 3, 4, 5, for --inherit-fd
      r = host().captureOutput(criu, args, inherit.length ? [0, 1, 2] : []);
    } catch (e) {
      throw new RtError(`restore: running ${criu}: ${describeSysError(e)}`);
    }
    // CRIU may have written the pid before it failed: the undo kills that process.
    pid = Number((readTextOrNull(pidFile) ?? "").trim()) || 0;
    if (r.status !== 0) throw new RtError(`restore: criu restore failed (status ${r.status}): ${criuErrors(path.join(work, "restore.log"), r.output)}`);
    if (!pid) throw new RtError(`restore: criu restore succeeded but wrote no pid to ${pidFile}`);
    const stat = readProcStat(pid);
    if (!stat) throw new RtError(`restore: the restored init (pid ${pid}) exited at once`);
    record.pid = pid;
    record.pidStartTime = stat.startTime;
    delete record.creating;
    delete record.creator;
    ctx.store.write(record);
    try { host().unlink(pidFile); } catch { /* only tidiness */ }
    if (o.pidFile) writeFileAtomic(o.pidFile, String(pid));
    return pid;
  } catch (e) {
    if (pid) { record.pid = pid; record.pidStartTime = readProcStat(pid)?.startTime ?? ""; }
    undoCreate(ctx, record, pid);
    throw e;
  }
}

/** What rt cannot yet describe to CRIU, refused by name before anything is made (as checkpoint refuses it). */
function refuseUndescribable(spec: Spec, o: RestoreOptions): void {
  if (spec.process?.terminal) throw new RtError("process.terminal: restore of a container with a terminal is not implemented yet");
  if (o.consoleSocket) throw new RtError("--console-socket given, but restore of a container with a terminal is not implemented yet");
  (spec.linux?.namespaces ?? []).forEach((n, i) => {
    if (n.path) throw new RtError(`linux.namespaces[${i}].path: restore into a joined namespace is not implemented yet`);
  });
  // runc runs them from CRIU's setup-namespaces callback; rt has no such callback yet.
  for (const [kind, list] of Object.entries(spec.hooks ?? {})) {
    if (Array.isArray(list) && list.length) throw new RtError(`hooks.${kind}: restore of a container with hooks is not implemented yet`);
  }
}

/**
 * `criu restore` arguments (exported for the unit test): the tree detached
 * into the container's cgroup, under the bundle's rootfs, each bind mount the
 * checkpoint dumped as external (by destination) mapped to its source.
 */
export function criuRestoreArgs(spec: Spec, bundleDir: string, rootfs: string, images: string, work: string, cgroupRel: string, pidFile: string, o: RestoreOptions): string[] {
  const args = ["restore", "--images-dir", images, "--work-dir", work, "--log-file", "restore.log", "-v4", "--root", rootfs,
    "--restore-detached", "--pidfile", pidFile, manageCgroups(o.manageCgroupsMode), "--cgroup-root", `/${cgroupRel}`];
  args.push(...criuFlags(o));
  for (const m of spec.mounts ?? []) {
    if (isBindMount(m) && m.source) args.push("--external", `mnt[${m.destination}]:${path.resolve(bundleDir, m.source)}`);
  }
  return args;
}

/** What checkpoint recorded of the init's fds 0, 1, 2, or none (images of another tool). */
function readDescriptors(images: string): string[] {
  const text = readTextOrNull(path.join(images, DESCRIPTORS_FILE));
  if (text === null) return [];
  try {
    const v = JSON.parse(text);
    return Array.isArray(v) ? v.map((x) => (typeof x === "string" ? x : "")) : [];
  } catch {
    throw new RtError(`restore: ${path.join(images, DESCRIPTORS_FILE)} is not valid JSON`);
  }
}

/**
 * `--inherit-fd` for each pipe among the init's stdio (exported for the unit
 * test): the restored process gets rt's own fd there (CRIU's fd 3+i), as
 * an engine gives a restored container new pipes, as runc does. Each pipe
 * once: fds 1 and 2 on one pipe are both restored from its key.
 */
export function inheritedStdio(descriptors: string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  descriptors.slice(0, 3).forEach((d, i) => {
    if (!/^pipe:\[\d+\]$/.test(d) || seen.has(d)) return;
    seen.add(d);
    out.push("--inherit-fd", `fd[${3 + i}]:${d}`);
  });
  return out;
}
