// rt create: validate the bundle, claim the id, make the cgroups, plan the
// container and have the executor carry the plan out. A failure at any step
// leaves nothing behind.
import { host } from "../sys/host.ts";
import { RtError } from "../errors.ts";
import { cgroupPids, destroyCgroup, isPopulated } from "../cgroups/manager.ts";
import { destroyV1DevicesCgroup } from "../cgroups/v1-devices.ts";
import type { V1Cgroup } from "../cgroups/v1.ts";
import { exists, isDirectory } from "../sys/files.ts";
import * as path from "../sys/path.ts";
import { isSameLiveProcess, readProcStat } from "../state/proc.ts";
import { crashPoint } from "./crash-point.ts";
import { writeFileAtomic, type ContainerRecord } from "../state/store.ts";
import { validateId } from "../state/id.ts";
import type { OperationContext } from "./context.ts";

export interface CreateOptions {
  bundle?: string;
  pidFile?: string;
  consoleSocket?: string;
  preserveFds?: number;
  noPivot?: boolean;
  /** --no-new-keyring: keep the caller's session keyring (src/linux/keyring.ts). */
  noNewKeyring?: boolean;
  /**
   * Library use: keep the executor as the container's parent, so that
   * `Created.exited` (and `wait(id)`) resolve with its exit status when it
   * ends — no polling. The CLI's create leaves this off and exits at once.
   */
  watch?: boolean;
}

export interface Created {
  pid: number;
  /** Resolves when the executor exits; in wait mode with the container's exit status. */
  exited: Promise<number>;
}

// What only create needs (the validators, the plan builder, the executor
// driver) is loaded on first create: state, start, kill and delete never pay
// for it.
async function createDeps() {
  const [bundle, cgroups, hierarchy, plan, executor, rootless, v1Devices, deviceControl, lifecycle, v1, resources] = await Promise.all([
    import("../bundle/load.ts"),
    import("../cgroups/delegation.ts"),
    import("../cgroups/hierarchy.ts"),
    import("../linux/plan.ts"),
    import("../process/executor.ts"),
    import("../linux/rootless.ts"),
    import("../cgroups/v1-devices.ts"),
    import("../linux/device-control.ts"),
    import("../hooks/lifecycle.ts"),
    import("../cgroups/v1.ts"),
    import("../cgroups/resources.ts"),
  ]);
  return { loadBundle: bundle.loadBundle, createCgroup: cgroups.createCgroupFor, callerIds: rootless.callerIds, resolveCgroupDir: hierarchy.resolveCgroupDir, unifiedMount: hierarchy.unifiedMount, buildPlan: plan.buildPlan, launch: executor.launch, v1Devices, containerDeviceState: deviceControl.containerDeviceState, lifecycle, v1, resources };
}

export async function createContainer(ctx: OperationContext, id: string, opts: CreateOptions, mode: "detach" | "wait", startImmediately = false): Promise<Created> {
  validateId(id);
  const { loadBundle, createCgroup, callerIds, resolveCgroupDir, unifiedMount, buildPlan, launch, v1Devices, containerDeviceState, lifecycle, v1, resources } = await createDeps();
  const bundle = loadBundle(opts.bundle ?? host().cwd());
  for (const w of bundle.warnings) ctx.warn?.(w);
  checkTerminal(bundle.spec.process?.terminal ?? false, opts.consoleSocket);
  const mount = unifiedMount();
  // Every container gets device rules (at least the default allow-list):
  // without a cgroup to hold them, its CAP_MKNOD would reach the host's disks.
  if (!mount) throw new RtError("linux.resources.devices: no cgroup2 hierarchy is mounted, so the device rules cannot be enforced");
  const cgroupDir = resolveCgroupDir(bundle.spec.linux?.cgroupsPath, id, mount);
  // Rootless: no device cgroup. The caller cannot write one (v1) or load a
  // filter (v2), and needs none: mknod needs CAP_MKNOD in the initial user
  // namespace, which a rootless container never has; its devices are binds
  // of nodes the caller may already open.
  const rootless = callerIds().uid !== 0;
  const devicesMount = rootless ? null : v1Devices.v1DevicesMount();
  const devicesV1Dir = devicesMount ? v1Devices.v1DevicesDir(cgroupDir, mount, devicesMount) : "";
  const listenFds = Number(host().env("LISTEN_FDS") ?? 0) || 0;
  const extraFds = listenFds + (opts.preserveFds ?? 0);
  // The dirs that do not exist yet are the ones rt will make (and may remove):
  // recorded before the first mkdir, so that an rt killed half-way leaves a
  // record that names them.
  const cgroupPlanned = cgroupDir && mount ? missingDirs(cgroupDir, mount) : [];
  const devicesPlanned = devicesMount ? missingDirs(devicesV1Dir, devicesMount) : [];
  // Every other mounted v1 hierarchy, at the same relative path (not rootless: the caller cannot write there).
  const hierarchies = rootless ? [] : v1.v1Hierarchies();
  const v1Planned: V1Cgroup[] = hierarchies.map((h) => {
    const dir = v1.v1Dir(cgroupDir, mount, h);
    return { hierarchy: h.name, dir, created: missingDirs(dir, h.mount) };
  });
  // Where each resource goes, and what this host cannot enforce (refused before anything is made).
  const limits = resources.planResources(bundle.spec.linux?.resources, hierarchies, mount, false, rootless ? v1.v1Hierarchies() : []);
  const record = creatingRecord(bundle, id, {
    cgroupDir, cgroupCreated: cgroupPlanned,
    ...(devicesV1Dir ? { devicesV1Dir, devicesV1Created: devicesPlanned } : {}),
    ...(v1Planned.length ? { v1Cgroups: v1Planned } : {}),
  }, opts.noNewKeyring);
  const hooks = lifecycle.createHooks(bundle.spec, record, ctx.store.dir(id), startImmediately);
  ctx.store.claim(record, { id, cgroupDir, cgroupCreated: cgroupPlanned, ...(devicesV1Dir ? { devicesV1Dir, devicesV1Created: devicesPlanned } : {}), ...(v1Planned.length ? { v1Cgroups: v1Planned.map((c) => ({ ...c, created: [...c.created] })) } : {}) });
  let pid = 0;
  try {
    crashPoint("create:claimed");
    // A cgroup that already holds processes is refused (after the claim, so
    // that a duplicate id is told as such): rt signals only what it started
    // or what is in a cgroup it created, and delete or a failed create could
    // not tell the container's processes from the others there.
    if (cgroupDir && isDirectory(cgroupDir) && isPopulated(cgroupDir)) {
      throw new RtError(`linux.cgroupsPath: ${cgroupDir} already holds processes (${cgroupPids(cgroupDir).slice(0, 5).join(", ") || "populated"}): rt joins only an empty or a new cgroup`);
    }
    // Rootless: only where the cgroup hierarchy is delegated (cgroups/delegation.ts).
    if (cgroupDir && mount) {
      const made = createCgroup(cgroupDir, mount, callerIds().uid, ctx.warn);
      record.cgroupCreated = made.created;
      record.cgroupDir = made.dir;
      ctx.store.write(record);
      crashPoint("create:cgroup-made");
    }
    if (devicesMount) {
      record.devicesV1Created = v1Devices.createV1DevicesCgroup(devicesV1Dir, devicesMount);
      ctx.store.write(record);
      crashPoint("create:v1-devices-made");
      v1Devices.applyV1DeviceRules(devicesV1Dir, containerDeviceState(bundle.spec));
    }
    // One record write for all of them: until it lands, the record (and the
    // anchor) name every dir planned, which includes each one made.
    for (const [i, h] of hierarchies.entries()) record.v1Cgroups![i].created = v1.createV1Cgroup(h, v1Planned[i].dir);
    if (hierarchies.length) {
      ctx.store.write(record);
      crashPoint("create:v1-made");
    }
    // Limits go in before the init joins: it never runs unlimited.
    resources.applyResources(limits, { unifiedDir: record.cgroupDir, unifiedMount: mount, v1: Object.fromEntries((record.v1Cgroups ?? []).map((c) => [c.hierarchy, c.dir])) });
    const plan = buildPlan({
      spec: bundle.spec,
      id,
      bundle: bundle.dir,
      rootfs: bundle.rootfs,
      cgroupDir: record.cgroupDir,
      devicesV1Dir: devicesV1Dir || undefined,
      v1Dirs: (record.v1Cgroups ?? []).map((c) => c.dir),
      cgroupIsNew: record.cgroupCreated.includes(cgroupDir),
      fifoPath: ctx.store.fifoPath(id),
      hookFifoPath: hooks.fifoPath,
      mode,
      preserveFds: extraFds,
      listenFds,
      noPivot: opts.noPivot ?? false,
      consoleSocket: opts.consoleSocket,
      startImmediately,
      warn: ctx.warn,
      containerId: id,
      noNewKeyring: opts.noNewKeyring,
    });
    hooks.remember(plan);
    // The pid goes into the record the moment it is known: from then on an
    // interrupted create leaves a record that names its init.
    const onPid = (p: number): void => {
      pid = p;
      crashPoint("create:pid-reported", p);
      record.pid = p;
      record.pidStartTime = readProcStat(p)?.startTime ?? "gone";
      ctx.store.write(record);
      crashPoint("create:pid-recorded", p);
    };
    const launched = await launch(plan, extraFds, ctx.debug, mode === "wait", onPid, hooks.onPause);
    pid = launched.pid;
    crashPoint("create:ready", pid);
    const stat = readProcStat(pid);
    // `run` lets the program go at once, so it may already be gone: stopped.
    if ((!stat || stat.startTime !== record.pidStartTime) && !startImmediately) throw new RtError(`container init (pid ${pid}) exited during create`);
    record.pid = pid;
    if (!record.pidStartTime) record.pidStartTime = stat?.startTime ?? "gone";
    delete record.creating;
    delete record.creator;
    ctx.store.write(record);
    crashPoint("create:record-final", pid);
    if (opts.pidFile) writeFileAtomic(opts.pidFile, String(pid));
    return { pid, exited: launched.exited };
  } catch (e) {
    undoCreate(ctx, record, pid);
    hooks.afterFailure(e, ctx.warn); // a hook failed: the lifecycle goes on at destroy, then poststop
    throw e;
  }
}

/** The dirs from mount down to dir that do not exist yet (outermost first). */
export function missingDirs(dir: string, mount: string): string[] {
  const out: string[] = [];
  let cur = mount;
  for (const part of path.relative(mount, dir).split("/")) {
    cur = path.join(cur, part);
    if (out.length || !exists(cur)) out.push(cur);
  }
  return out;
}

/** A failed create leaves nothing behind: no process, no cgroup, no state dir. */
export function undoCreate(ctx: OperationContext, record: ContainerRecord, pid: number): void {
  if (pid && isSameLiveProcess(pid, record.pidStartTime || (readProcStat(pid)?.startTime ?? ""))) {
    try { host().kill(pid, 9); } catch { /* gone */ }
  }
  try {
    if (record.cgroupDir) destroyCgroup(record.cgroupDir, record.cgroupCreated);
  } catch { /* best effort; the error being reported matters more */ }
  try {
    if (record.devicesV1Dir) destroyV1DevicesCgroup(record.devicesV1Dir, record.devicesV1Created ?? []);
  } catch { /* likewise */ }
  for (const c of record.v1Cgroups ?? []) {
    try { destroyV1DevicesCgroup(c.dir, c.created); } catch { /* likewise */ }
  }
  ctx.store.remove(record.id);
}

/** A terminal needs somewhere to send its master, and a console socket needs a terminal (as runc). */
function checkTerminal(terminal: boolean, consoleSocket: string | undefined): void {
  if (terminal && !consoleSocket) throw new RtError("process.terminal is true: --console-socket is required to receive the terminal");
  if (!terminal && consoleSocket) throw new RtError("--console-socket given, but process.terminal is false");
}

/**
 * The record of a container being made (create, restore): what it is, the
 * cgroup dirs rt is about to make, and its creator (this rt), so that an
 * interrupted create can be told and cleaned up (src/state/status.ts).
 */
export function creatingRecord(
  bundle: { dir: string; rootfs: string; spec: { ociVersion: string; annotations?: Record<string, string> } },
  id: string,
  cgroups: Pick<ContainerRecord, "cgroupDir" | "cgroupCreated" | "devicesV1Dir" | "devicesV1Created" | "v1Cgroups">,
  noNewKeyring?: boolean,
): ContainerRecord {
  const self = readProcStat(host().pid());
  return {
    ociVersion: bundle.spec.ociVersion,
    id,
    pid: 0,
    pidStartTime: "",
    bundle: bundle.dir,
    rootfs: bundle.rootfs,
    annotations: bundle.spec.annotations,
    created: new Date().toISOString(),
    ...cgroups,
    ...(noNewKeyring ? { noNewKeyring: true } : {}),
    creating: true,
    ...(self ? { creator: { pid: host().pid(), startTime: self.startTime } } : {}),
  };
}
