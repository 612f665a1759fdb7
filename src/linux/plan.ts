// Spec → Plan: every decision about how the container is built is made here,
// as an ordered list of ops for native/rt-exec (see native/PLAN.md). The plan
// is plain data, so tests can build and inspect it without root.
import { host } from "../sys/host.ts";
import * as path from "../sys/path.ts";
import { RtError } from "../errors.ts";
import { Op, type Plan } from "../process/wire.ts";
import type { Mount, Spec } from "../spec/types.ts";
import { CLONE_NEW, MS } from "./constants.ts";
import { DEV_SYMLINKS, resolveDevices } from "./devices.ts";
import { parseMountOptions } from "./mount-options.ts";
import { planNamespaces } from "./namespaces.ts";
import type { PlanContext } from "./context.ts";
import { capabilityOps } from "./capabilities.ts";
import { seccompOps } from "./seccomp.ts";
import { processAttrOps } from "./process-attrs.ts";
import { deviceControlOps } from "./device-control.ts";
import { bindDeviceOp, userNamespaceOps, type UserNamespaceOps } from "./userns.ts";
import { netDeviceOps } from "./netdevices.ts";
import { hookOps } from "./hooks.ts";
import { keyringOps } from "./keyring.ts";
import { processOps } from "./process-plan.ts";

export interface PlanInput {
  spec: Spec;
  /** The container id (the seccomp listener and the hooks' state are told it). */
  id?: string;
  bundle: string;
  /** Absolute host path of the root filesystem. */
  rootfs: string;
  cgroupDir: string;
  /** rt created cgroupDir in this create: the init can be born in it (see CGROUP_JOIN). */
  cgroupIsNew?: boolean;
  /** The container's cgroup in the v1 devices hierarchy (hybrid hosts), its rules already written; else the v2 device filter is used. */
  devicesV1Dir?: string;
  /** The container's cgroups in the other v1 hierarchies (cgroups/v1.ts), joined after devices. */
  v1Dirs?: string[];
  fifoPath: string;
  /** Where the init reports its startContainer hooks to `rt start` (HOOK_FIFO); needed only with such hooks. */
  hookFifoPath?: string;
  /** detach: the executor exits once the container is created; wait: it waits for the init and reports its exit. */
  mode: "detach" | "wait";
  /** Extra fds passed through after stdio: LISTEN_FDS's plus --preserve-fds's. */
  preserveFds: number;
  /** LISTEN_FDS of the caller (socket activation), exported to the container when > 0. */
  listenFds: number;
  noPivot: boolean;
  consoleSocket?: string;
  /** Skip the exec-fifo wait (used by `run`, which starts at once). */
  startImmediately?: boolean;
  /** Who runs rt (effective ids); default: read from /proc/self/status. Not root: rootless (userns.ts). */
  caller?: { uid: number; gid: number };
  /** What the spec says to log and go on with (rt prints these on stderr). */
  warn?: (msg: string) => void;
  /** The container's id: names its session keyring (keyring.ts). */
  containerId?: string;
  /** create --no-new-keyring: the init keeps the caller's session keyring. */
  noNewKeyring?: boolean;
}

const ROOTFS_PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC,
  slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC,
  shared: MS.SHARED, rshared: MS.SHARED | MS.REC,
  unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC,
};

export function buildPlan(input: PlanInput): Plan {
  const { spec } = input;
  const proc = spec.process;
  if (!proc) throw new RtError("process: required to create a container");
  const plan: Plan = [];
  const add = (op: Op, field: string, ...args: (string | number)[]) => plan.push({ op, args, field });
  const ns = planNamespaces(spec.linux?.namespaces);
  const ctx: PlanContext = { spec, input, ns, warn: input.warn ?? (() => {}) };
  // Each concern plans its own ops (one file each); this function only places them.
  const userns = userNamespaceOps(ctx);
  const attrs = processAttrOps(ctx);
  const devices = deviceControlOps(ctx);
  const seccomp = seccompOps(ctx);
  const caps = capabilityOps(ctx);
  const hooks = hookOps(ctx);

  // --- in the executor, before clone ---
  // First, while the executor is still dumpable (native/main.c): the init
  // inherits it, and no init of a user namespace could lower it.
  if (proc.oomScoreAdj !== undefined) add(Op.OOM_SCORE_ADJ, "process.oomScoreAdj", proc.oomScoreAdj);
  add(Op.MODE, "", input.mode);
  if (input.cgroupDir) add(Op.CGROUP_JOIN, "linux.cgroupsPath", input.cgroupDir, input.cgroupIsNew ? "born" : "migrate");
  plan.push(...devices.parent);
  // The other v1 hierarchies, migrated one after another right after the clone (one burst).
  for (const d of input.v1Dirs ?? []) add(Op.CGROUP_JOIN, "linux.cgroupsPath", d, "migrate");
  if (!input.startImmediately) add(Op.OPEN_FIFO, "", input.fifoPath);
  plan.push(...hooks.parent);
  if (input.consoleSocket) add(Op.CONSOLE, "--console-socket", input.consoleSocket);
  plan.push(...seccomp.parent);
  plan.push(...netDeviceOps(ctx)); // before NS_JOIN: devices are looked up in rt's own network namespace
  plan.push(...userns.beforeJoin);
  for (const j of ns.join) add(Op.NS_JOIN, `linux.namespaces[${j.index}].path`, j.type, j.path);
  plan.push(...userns.parent);
  plan.push(...attrs.parent);
  add(Op.CLONE, "linux.namespaces", ns.cloneFlags);

  // --- in the container init ---
  plan.push(...hooks.atStart);
  plan.push(...userns.atStart);
  plan.push(...keyringOps(ctx)); // as early as runc does: once the init has its user namespace's ids
  plan.push(...attrs.atStart);
  // A session of its own, as runc's init has (CONSOLE_SETUP makes one with a terminal).
  if (!proc.terminal) add(Op.SETSID, "process (a session of its own)");
  if (spec.hostname !== undefined) add(Op.SETHOSTNAME, "hostname", spec.hostname);
  if (spec.domainname !== undefined) add(Op.SETDOMAINNAME, "domainname", spec.domainname);

  if (ns.has("mount")) planOwnRoot(plan, ctx, userns, hooks.beforeRoot);
  else planSharedRoot(plan, spec, input, hooks.beforeRoot);

  plan.push(...processOps({
    process: proc, attrs, seccomp, caps, consoleSocket: input.consoleSocket,
    setgroupsDenied: userns.setgroupsDenied, extraFds: input.preserveFds, listenFds: input.listenFds,
    beforeWait: hooks.beforeWait, afterWait: hooks.afterWait,
  }));
  return plan;
}

/** The container's own mount namespace: its root, mounts, devices, sysctls, masks, read-only paths. */
function planOwnRoot(plan: Plan, ctx: PlanContext, userns: UserNamespaceOps, beforeRoot: Plan): void {
  const { spec, input } = ctx;
  const add = (op: Op, field: string, ...args: (string | number)[]) => plan.push({ op, args, field });
  // Before any mount, every mount of the new namespace becomes a slave (or,
  // for "private", private) so that nothing rt mounts reaches the host. A
  // shared root cannot come first: pivot_root refuses a new root whose parent
  // mount is shared (EINVAL), and the bind of the rootfs would propagate to
  // the host's peers. So "shared" and "unbindable" are set on the new "/"
  // after pivot_root, where they are what the container sees (as runc does).
  const propagation = spec.linux?.rootfsPropagation;
  const requested = propagation ? ROOTFS_PROPAGATION[propagation] : MS.SLAVE | MS.REC;
  if (requested === undefined) throw new RtError(`linux.rootfsPropagation: unknown value "${propagation}"`);
  const before = requested & MS.PRIVATE ? MS.PRIVATE | MS.REC : MS.SLAVE | MS.REC;
  const after = requested & (MS.SHARED | MS.UNBINDABLE) ? requested : 0;
  add(Op.MAKE_ROOT_PRIVATE, "linux.rootfsPropagation", before);
  add(Op.BIND_ROOTFS, "root.path", input.rootfs);

  const propagations: Plan = [];
  // A user namespace cannot mount cgroup2 unless it owns a cgroup namespace
  // of its own (podman --uidmap sends none): there the container's own
  // cgroup is bound from the host instead, as runc does.
  const ownCgroupNs = ctx.ns.has("cgroup") && !ctx.ns.join.some((j) => j.type === "cgroup");
  const cgroupBind = userns.inUserNamespace && !ownCgroupNs ? input.cgroupDir : "";
  (spec.mounts ?? []).forEach((m, i) => planMount(plan, propagations, m, i, input, userns, cgroupBind));
  // In a user namespace, character and block devices are bound from the host (see userns.ts).
  const nodes = resolveDevices(spec.linux?.devices);
  const bound = userns.inUserNamespace ? nodes.map((d) => bindDeviceOp(ctx, d)) : [];
  for (const b of bound) if (b) plan.push(b);

  plan.push(...beforeRoot); // prestart, createRuntime, createContainer (linux/hooks.ts)
  add(input.noPivot ? Op.MOVE_ROOT : Op.PIVOT_ROOT, "root.path", input.rootfs);
  if (after) add(Op.PROPAGATE, "linux.rootfsPropagation", "/", after, "/");
  // Per-mount propagation goes after pivot_root: detaching the old root makes
  // the tree below it a slave, which would undo a "shared" set earlier.
  plan.push(...propagations);

  for (const [i, d] of nodes.entries()) {
    if (bound[i]) continue;
    add(Op.MKNOD, d.field, d.path, d.type, d.major, d.minor, d.mode, d.uid, d.gid);
  }
  for (const [target, link] of DEV_SYMLINKS) add(Op.SYMLINK, "default /dev symlinks", target, link);

  for (const [key, value] of Object.entries(spec.linux?.sysctl ?? {})) add(Op.SYSCTL, `linux.sysctl["${key}"]`, key, value);
  (spec.linux?.maskedPaths ?? []).forEach((p, i) => add(Op.MASK, `linux.maskedPaths[${i}]`, p));
  (spec.linux?.readonlyPaths ?? []).forEach((p, i) => add(Op.READONLY, `linux.readonlyPaths[${i}]`, p));
  if (spec.root?.readonly) add(Op.REMOUNT_RO, "root.readonly", "/");
}

/**
 * No mount namespace in the config: the container shares rt's (the spec's
 * "inherit the runtime namespace"). runc then still bind-mounts the rootfs,
 * makes the config's mounts and chroots, all in the host's mount table; rt
 * changes nothing there: no propagation change, no bind, no mount, no
 * pivot_root, no device node or /dev link written into a tree the host
 * shares (the default devices are whatever root.path's /dev holds; with
 * root.path "/" that is the host's own /dev). The init only chroots into root.path (CHROOT), and the cwd is
 * resolved in there. Whatever would need a mount (mounts, maskedPaths,
 * readonlyPaths, root.readonly, rootfsPropagation, linux.devices) is refused
 * by name in src/bundle/semantic.ts; the check here keeps a caller that
 * skipped validation from having them dropped. Sysctls are written before
 * the chroot, through rt's /proc (the net/ipc/uts ones reach the init's own
 * namespaces: /proc/sys shows those of the writer).
 */
function planSharedRoot(plan: Plan, spec: Spec, input: PlanInput, beforeRoot: Plan): void {
  const l = spec.linux;
  const needsMounts: [string, boolean][] = [
    ["mounts", !!spec.mounts?.length], ["linux.maskedPaths", !!l?.maskedPaths?.length],
    ["linux.readonlyPaths", !!l?.readonlyPaths?.length], ["root.readonly", !!spec.root?.readonly],
    ["linux.rootfsPropagation", l?.rootfsPropagation !== undefined], ["linux.devices", !!l?.devices?.length],
  ];
  for (const [field, set] of needsMounts) {
    if (set) throw new RtError(`${field}: needs a mount namespace in linux.namespaces (without one it would change the host's mounts)`);
  }
  for (const [key, value] of Object.entries(l?.sysctl ?? {})) plan.push({ op: Op.SYSCTL, field: `linux.sysctl["${key}"]`, args: [key, value] });
  plan.push(...beforeRoot);
  plan.push({ op: Op.CHROOT, field: "root.path", args: [input.rootfs] });
}

function planMount(plan: Plan, propagations: Plan, m: Mount, i: number, input: PlanInput, userns: UserNamespaceOps, cgroupBind = ""): void {
  const field = `mounts[${i}] (${m.destination})`;
  const opts = parseMountOptions(m.options, m.type, `mounts[${i}]`);
  const target = m.destination;
  // Engines still write type "cgroup" (v1); rt manages cgroup v2 only, where the
  // container's view of its own cgroup is a cgroup2 mount.
  const type = m.type === "cgroup" ? "cgroup2" : (m.type ?? "");
  if (opts.bind) {
    const source = path.resolve(input.bundle, m.source ?? "");
    let create = "dir";
    try {
      if (!host().stat(source).isDirectory) create = "file";
    } catch {
      throw new RtError(`mounts[${i}].source: ${source} does not exist`);
    }
    const bindFlags = MS.BIND | (opts.recursive ? MS.REC : 0);
    // An idmapped mount: the tree the executor prepared (userns.ts), moved into place.
    plan.push(userns.idmapMount(i, create) ?? { op: Op.MOUNT, field, args: [source, target, "", bindFlags, "", create, input.rootfs] });
    // A bind mount ignores every other flag until it is remounted.
    const perMount = opts.flags & ~(MS.REMOUNT | MS.BIND | MS.REC);
    if (perMount) {
      plan.push({ op: Op.MOUNT, field, args: ["", target, "", MS.REMOUNT | MS.BIND | perMount, "", "", input.rootfs] });
    }
  } else if (type === "cgroup2" && cgroupBind) {
    plan.push({ op: Op.MOUNT, field, args: [cgroupBind, target, "", MS.BIND | MS.REC, "", "dir", input.rootfs] });
    const perMount = opts.flags & ~(MS.REMOUNT | MS.BIND | MS.REC);
    if (perMount) plan.push({ op: Op.MOUNT, field, args: ["", target, "", MS.REMOUNT | MS.BIND | perMount, "", "", input.rootfs] });
  } else {
    // tmpcopyup: the directory the tmpfs covers is opened before the mount
    // and its tree copied into the new tmpfs after it (native/PLAN.md TMPCOPYUP).
    const copyup = opts.tmpcopyup && type === "tmpfs";
    if (copyup) plan.push({ op: Op.TMPCOPYUP, field, args: ["open", target, input.rootfs] });
    plan.push({ op: Op.MOUNT, field, args: [m.source ?? type, target, type, opts.flags, opts.data, "dir", input.rootfs] });
    if (copyup) plan.push({ op: Op.TMPCOPYUP, field, args: ["copy", target, input.rootfs] });
  }
  if (opts.propagation) propagations.push({ op: Op.PROPAGATE, field, args: [target, opts.propagation, "/"] });
  // Recursive attributes right away, as runc does: they cover the tree this
  // mount brought, not mounts a later config entry puts beneath it.
  if (opts.attrSet || opts.attrClr) plan.push({ op: Op.MOUNT_SETATTR, field, args: [target, opts.attrSet, opts.attrClr, input.rootfs] });
}

export { CLONE_NEW };
