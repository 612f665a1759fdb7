// rt exec → a plan for native/rt-exec (the same executor and ops as create,
// see native/PLAN.md): join every namespace of the container's init, join its
// cgroups, clone a child with no new namespace (a joined pid namespace is
// entered by the child), then the process part that create uses too
// (process-plan.ts): terminal, limits, attributes, seccomp, ids,
// capabilities, cwd, env, argv, fds. Every decision is made here.
import { host } from "../sys/host.ts";
import { RtError } from "../errors.ts";
import { Op, type Plan } from "../process/wire.ts";
import type { Spec } from "../spec/types.ts";
import type { PlanContext } from "./context.ts";
import type { NamespacePlan } from "./namespaces.ts";
import type { PlanInput } from "./plan.ts";
import { capabilityOps } from "./capabilities.ts";
import { seccompOps } from "./seccomp.ts";
import { processAttrOps } from "./process-attrs.ts";
import { processOps } from "./process-plan.ts";

/** Namespace types as runtime-spec names them, and their files under /proc/<pid>/ns. */
const NS_FILES: [type: string, file: string][] = [
  // setns order: the user namespace first (it owns the others, and joining it
  // gives the capabilities the other joins need there); mount last, because
  // after it /proc/<pid> no longer names the init.
  ["user", "user"], ["pid", "pid"], ["uts", "uts"], ["ipc", "ipc"], ["network", "net"],
  ["cgroup", "cgroup"], ["time", "time"], ["mount", "mnt"],
];

export interface JoinedNamespace {
  type: string;
  path: string;
}

/**
 * The init's namespaces that are not rt's own, in setns order. Those it
 * shares with rt are skipped, as runc does: setns into one's own user
 * namespace is EINVAL, and the others would change nothing.
 */
export function initNamespaces(pid: number): JoinedNamespace[] {
  const out: JoinedNamespace[] = [];
  for (const [type, file] of NS_FILES) {
    const path = `/proc/${pid}/ns/${file}`;
    let theirs: string;
    try {
      theirs = host().readlink(path);
    } catch (e) {
      // A kernel without this namespace type (time before 5.6) has no file:
      // nothing to join. Anything else (the init gone) is an error.
      if ((e as NodeJS.ErrnoException).code === "ENOENT" && isLive(pid)) continue;
      throw new RtError(`container init (pid ${pid}): cannot read ${path}: it exited`);
    }
    if (theirs !== host().readlink(`/proc/self/ns/${file}`)) out.push({ type, path });
  }
  return out;
}

function isLive(pid: number): boolean {
  try {
    host().readlink(`/proc/${pid}/exe`);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== "ENOENT";
  }
}

export interface ExecPlanInput {
  /** The container's config with `process` replaced by the exec'd process (flags and --process applied). */
  spec: Spec;
  bundle: string;
  rootfs: string;
  /** The init's namespaces to join (initNamespaces). */
  join: JoinedNamespace[];
  /** Each hierarchy the process joins: the container's unified cgroup first, then the v1 devices one. */
  cgroups: { dir: string; field: string }[];
  /** setgroups(2) is denied in the joined user namespace (/proc/<pid>/setgroups). */
  setgroupsDenied: boolean;
  /** wait: rt stays in the foreground for the exit status; detach: rt returns once the process runs. */
  mode: "detach" | "wait";
  /** --preserve-fds: fds 3 … 3+n-1 go through to the process. */
  preserveFds: number;
  consoleSocket?: string;
  /** The container's session keyring to join (keyringName), or none when create kept the caller's (--no-new-keyring). */
  keyring?: string;
  warn?: (msg: string) => void;
}

export function buildExecPlan(input: ExecPlanInput): Plan {
  const { spec } = input;
  const proc = spec.process;
  if (!proc) throw new RtError("process: required to exec");
  if (!proc.args?.length) throw new RtError("process.args: exec needs a program to run");
  if (!proc.cwd.startsWith("/")) throw new RtError(`process.cwd: must be an absolute path (got ${JSON.stringify(proc.cwd)})`);
  if (proc.user.additionalGids?.length && input.setgroupsDenied) {
    throw new RtError("process.user.additionalGids: the container's user namespace denies setgroups(2)");
  }
  const types = new Set(input.join.map((j) => j.type));
  // No namespace is made: CLONE gets no flags and no time namespace is unshared.
  const ns: NamespacePlan = { cloneFlags: 0, newTime: false, join: input.join.map((j, index) => ({ ...j, index })), has: (t) => types.has(t) };
  const planInput: PlanInput = {
    spec, bundle: input.bundle, rootfs: input.rootfs, cgroupDir: input.cgroups[0]?.dir ?? "", fifoPath: "",
    mode: input.mode, preserveFds: input.preserveFds, listenFds: 0, noPivot: false,
    consoleSocket: input.consoleSocket, startImmediately: true, warn: input.warn,
  };
  const ctx: PlanContext = { spec, input: planInput, ns, warn: input.warn ?? (() => {}) };
  const attrs = processAttrOps(ctx);
  const seccomp = seccompOps(ctx);
  const caps = capabilityOps(ctx);

  const plan: Plan = [];
  const add = (op: Op, field: string, ...args: (string | number)[]) => plan.push({ op, args, field });
  // --- in the executor ---
  add(Op.MODE, "", input.mode);
  // Until execve, neither the executor nor the child may be ptraced or have
  // its /proc/<pid>/mem, environ or fds opened by a process of the
  // container (CVE-2016-9962): the child sits in the container's pid
  // namespace while it still has rt's capabilities and fds.
  add(Op.DUMPABLE, "exec", 0);
  // Never "born": the cgroup is the container's, and may have seen cgroup.kill.
  for (const c of input.cgroups) add(Op.CGROUP_JOIN, c.field, c.dir, "migrate");
  if (input.consoleSocket) add(Op.CONSOLE, "--console-socket", input.consoleSocket);
  plan.push(...seccomp.parent); // host paths: before the mount namespace is joined
  for (const j of joinOrder(input.join, spec)) add(Op.NS_JOIN, `namespace ${j.type} of the container (${j.path})`, j.type, j.path);
  plan.push(...attrs.parent); // execCPUAffinity.initial
  add(Op.CLONE, "exec", 0);

  // --- in the exec'd process ---
  // The init's session keyring, as runc's exec joins it: by name, first,
  // while the process still has rt's ids (create made it searchable by them).
  // Without it the process would keep rt's caller's keyring, which create
  // took from the container unless --no-new-keyring asked for sharing it.
  if (input.keyring) add(Op.KEYRING, "session keyring of the container (create --no-new-keyring keeps the caller's)", input.keyring, 0);
  plan.push(...attrs.atStart); // execCPUAffinity.final, once in the cgroup
  // Joining the mount namespace made the container's root this process's
  // root and cwd (setns). A container that shares rt's mount namespace
  // was chrooted into its rootfs: so is this process. Either way process.cwd
  // is then resolved inside the container's root.
  if (!types.has("mount")) add(Op.CHROOT, "root.path", input.rootfs);
  else add(Op.CHDIR, "root", "/");
  if (proc.oomScoreAdj !== undefined) add(Op.OOM_SCORE_ADJ, "process.oomScoreAdj", proc.oomScoreAdj);
  plan.push(...processOps({
    process: proc, attrs, seccomp, caps, consoleSocket: input.consoleSocket,
    setgroupsDenied: input.setgroupsDenied, extraFds: input.preserveFds, listenFds: 0,
  }));
  return plan;
}

/**
 * setns order. The user namespace comes first: the namespaces the container
 * made with it are owned by it, and joining it gives the capabilities their
 * setns needs. Those owned elsewhere come before it, while rt still has its
 * own capabilities (once in the container's user namespace, rt has none over
 * them: setns is EPERM): a new time namespace (the executor unshares it
 * before cloning the init, in rt's user namespace: TIMENS) and, when the
 * container made its user namespace, the namespaces its config gave a path
 * for (they existed before it). Mount is always last: after it,
 * /proc/<pid>/ns no longer names the init.
 */
export function joinOrder(join: JoinedNamespace[], spec: Spec): JoinedNamespace[] {
  const cfg = spec.linux?.namespaces ?? [];
  const userByPath = cfg.some((n) => n.type === "user" && n.path);
  const outside = (t: string) => t !== "user" && t !== "mount" && cfg.some((n) => n.type === t && (t === "time" ? !n.path : !!n.path && !userByPath));
  const rank = (j: JoinedNamespace) => (j.type === "mount" ? 3 : j.type === "user" ? 1 : outside(j.type) ? 0 : 2);
  return [...join].sort((a, b) => rank(a) - rank(b)); // stable: NS_FILES order within a rank
}
