// rt exec: run one more process in a running (or created) container. It
// joins every namespace and cgroup of the init and gets the container's
// process settings (config.json in the recorded bundle, as runc reads it),
// with the caller's overrides, or the whole process from --process. The
// container is not changed: the process's exit stops nothing.
import { host } from "../sys/host.ts";
import * as path from "../sys/path.ts";
import { RtError, describeSysError } from "../errors.ts";
import { deriveStatus } from "../state/status.ts";
import { writeFileAtomic, type ContainerRecord } from "../state/store.ts";
import type { Process, Spec } from "../spec/types.ts";
import type { CapSet } from "../linux/capabilities.ts";
import { mustRead, type OperationContext } from "./context.ts";
import { keyringName } from "../linux/keyring.ts";

export interface ExecOptions {
  /** The whole process (runc's --process); exclusive with the fields that shape it below. */
  process?: Process;
  /** The program and its arguments (without `process`). */
  args?: string[];
  /** Environment entries added to the container's (a later KEY= replaces an earlier one). */
  env?: string[];
  user?: { uid: number; gid?: number };
  additionalGids?: number[];
  cwd?: string;
  /** Capabilities added (bounding, effective, permitted; inheritable and ambient too where the process has inheritable ones). */
  caps?: string[];
  noNewPrivileges?: boolean;
  apparmor?: string;
  processLabel?: string;
  tty?: boolean;
  consoleSocket?: string;
  /** Return once the process runs; else `exited` gives its exit status. */
  detach?: boolean;
  pidFile?: string;
  preserveFds?: number;
  /** Exec even if the container is frozen (the process freezes with it). */
  ignorePaused?: boolean;
  /** runc's --cgroup: `[controller[,controller]:]path`, a sub-cgroup of the container's own that the process joins. */
  cgroup?: string[];
}

export interface Execd {
  /** Host pid of the exec'd process. */
  pid: number;
  /** Resolves with its exit status (128+n for a signal) in the foreground; 0 once detached. */
  exited: Promise<number>;
}

// Shaping flags that --process excludes (the file is the whole process).
const SHAPING: [keyof ExecOptions, string][] = [
  ["args", "COMMAND"], ["env", "--env"], ["user", "--user"], ["additionalGids", "--additional-gids"], ["cwd", "--cwd"],
  ["caps", "--cap"], ["noNewPrivileges", "--no-new-privs"], ["tty", "--tty"],
];

async function execDeps() {
  const [validate, plan, executor, names, unsupported] = await Promise.all([
    import("../bundle/validate.ts"),
    import("../linux/exec-plan.ts"),
    import("../process/executor.ts"),
    import("../linux/capability-names.ts"),
    import("../bundle/unsupported.ts"),
  ]);
  return { validate, plan, executor, names, unsupported };
}

export async function execProcess(ctx: OperationContext, id: string, opts: ExecOptions): Promise<Execd> {
  const rec = mustRead(ctx, id);
  const status = deriveStatus(ctx.store, rec);
  const paused = status === "paused" || ((status === "running" || status === "created") && isPaused(rec));
  if (!paused && status !== "running" && status !== "created") throw new RtError(`cannot exec in container "${id}": it is ${status}`);
  if (!opts.ignorePaused && paused) throw new RtError(`cannot exec in container "${id}": it is paused (--ignore-paused to exec anyway)`);
  const d = await execDeps();
  const facts = d.unsupported.hostFacts();
  const lsm = (name: string, has: boolean) => (has ? `rt does not apply ${name} labels yet` : `this host has no ${name}`);
  if (opts.apparmor) throw new RtError(`--apparmor: ${lsm("AppArmor", facts.apparmor)}`);
  if (opts.processLabel) throw new RtError(`--process-label: ${lsm("SELinux", facts.selinux)}`);

  const spec = readConfig(rec.bundle);
  const proc = opts.process ? fromFile(opts, spec) : fromFlags(opts, spec, d.names.LINUX_CAPABILITIES);
  const origin = opts.process ? "--process" : "exec";
  // The process is checked as a config's would be (schema, semantics, the
  // refusals of the ledger), so exec accepts nothing create would refuse;
  // the rest of the config is checked with it (it may have changed since).
  const execSpec: Spec = { ...spec, process: proc };
  const issues = d.validate.checkConfig(execSpec);
  if (issues.length) throw new RtError(d.validate.formatIssues(issues, origin));
  if (proc.terminal && !opts.consoleSocket) throw new RtError(`${opts.process ? "--process: process.terminal" : "--tty"}: --console-socket is required to receive the terminal`);
  if (!proc.terminal && opts.consoleSocket) throw new RtError(`--console-socket given, but ${opts.process ? "process.terminal is false" : "--tty is not"}`);

  const join = d.plan.initNamespaces(rec.pid);
  const setgroupsDenied = join.some((j) => j.type === "user") && readOr(`/proc/${rec.pid}/setgroups`, "allow").trim() === "deny";
  const mode = opts.detach ? "detach" : "wait";
  const plan = d.plan.buildExecPlan({
    spec: execSpec,
    bundle: rec.bundle,
    rootfs: rec.rootfs,
    join,
    cgroups: execCgroups(rec, opts.cgroup ?? []),
    setgroupsDenied,
    mode,
    preserveFds: opts.preserveFds ?? 0,
    consoleSocket: opts.consoleSocket,
    keyring: rec.noNewKeyring ? undefined : keyringName(rec.id),
    warn: ctx.warn,
  });
  const launched = await d.executor.launch(plan, opts.preserveFds ?? 0, ctx.debug, mode === "wait");
  if (opts.pidFile) writeFileAtomic(opts.pidFile, String(launched.pid));
  return { pid: launched.pid, exited: launched.exited };
}

/** runc's --process: the file is the process; capabilities and rlimits it leaves out are the container's. */
function fromFile(opts: ExecOptions, spec: Spec): Process {
  for (const [key, flag] of SHAPING) {
    // conmon (podman exec -t) passes --tty beside a file whose terminal is true: a --tty that agrees is accepted
    if (key === "tty" && opts.tty !== undefined) {
      const terminal = opts.process!.terminal ?? false;
      if (opts.tty !== terminal) throw new RtError(`--tty${opts.tty ? "" : "=false"} disagrees with --process: its process.terminal is ${terminal}`);
      continue;
    }
    if (opts[key] !== undefined) throw new RtError(`${flag} cannot be combined with --process (the file gives the whole process)`);
  }
  const p = { ...opts.process! };
  if (p.capabilities === undefined && spec.process?.capabilities) p.capabilities = spec.process.capabilities;
  if (p.rlimits === undefined && spec.process?.rlimits) p.rlimits = spec.process.rlimits;
  return p;
}

/** The container's process with the flags applied, as runc's exec does. */
function fromFlags(opts: ExecOptions, spec: Spec, known: Record<string, number>): Process {
  if (!spec.process) throw new RtError("config.json: process: the container has none to start from; use --process");
  if (!opts.args?.length) throw new RtError("exec: a COMMAND or --process FILE is required");
  const base = spec.process;
  const p: Process = structuredCloneJson(base);
  p.args = opts.args;
  p.terminal = opts.tty ?? false;
  if (!p.terminal) delete p.consoleSize;
  p.env = mergeEnv(base.env ?? [], opts.env ?? []);
  if (opts.user) {
    p.user.uid = opts.user.uid;
    if (opts.user.gid !== undefined) p.user.gid = opts.user.gid;
  }
  if (opts.additionalGids?.length) p.user.additionalGids = [...(p.user.additionalGids ?? []), ...opts.additionalGids];
  if (opts.cwd !== undefined) {
    if (!opts.cwd.startsWith("/")) throw new RtError(`--cwd: must be an absolute path inside the container (got ${JSON.stringify(opts.cwd)})`);
    p.cwd = opts.cwd;
  }
  if (opts.noNewPrivileges) p.noNewPrivileges = true;
  if (opts.caps?.length) {
    const c = (p.capabilities = { ...(p.capabilities ?? {}) });
    const withInheritable = (c.inheritable ?? []).length > 0;
    for (const name of opts.caps) {
      if (!Object.prototype.hasOwnProperty.call(known, name)) throw new RtError(`--cap: unknown capability ${JSON.stringify(name)} (names are CAP_…)`);
      const sets: CapSet[] = ["bounding", "effective", "permitted", ...(withInheritable ? (["inheritable", "ambient"] as const) : [])];
      for (const s of sets) if (!(c[s] ?? []).includes(name)) c[s] = [...(c[s] ?? []), name];
    }
  }
  return p;
}

function structuredCloneJson<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** env with additions: an entry whose name is already there replaces it in place, else it is appended. */
export function mergeEnv(env: string[], add: string[]): string[] {
  const out = [...env];
  const nameOf = (e: string) => (e.includes("=") ? e.slice(0, e.indexOf("=")) : e);
  for (const e of add) {
    const i = out.findIndex((x) => nameOf(x) === nameOf(e));
    if (i >= 0) out[i] = e;
    else out.push(e);
  }
  return out;
}

/** Each hierarchy the container is in (unified, then v1 devices, then the other v1 ones), or the --cgroup sub-cgroups of them. */
function execCgroups(rec: ContainerRecord, subs: string[]): { dir: string; field: string }[] {
  const hierarchies: { name: string; dir: string; field: string }[] = [];
  if (rec.cgroupDir) hierarchies.push({ name: "unified", dir: rec.cgroupDir, field: "linux.cgroupsPath" });
  if (rec.devicesV1Dir) hierarchies.push({ name: "devices", dir: rec.devicesV1Dir, field: "linux.cgroupsPath (devices)" });
  for (const c of rec.v1Cgroups ?? []) hierarchies.push({ name: c.hierarchy, dir: c.dir, field: `linux.cgroupsPath (${c.hierarchy})` });
  const chosen = new Map<string, string>();
  for (const s of subs) {
    const colon = s.indexOf(":");
    const names = colon >= 0 ? s.slice(0, colon).split(",") : hierarchies.map((h) => h.name);
    const sub = colon >= 0 ? s.slice(colon + 1) : s;
    if (!sub || sub.startsWith("/") || sub.split("/").some((c) => c === ".." || c === "." || c === "")) {
      throw new RtError(`--cgroup ${s}: the path must be relative to the container's cgroup, without . or .. components`);
    }
    for (const n of names) {
      if (!hierarchies.some((h) => h.name === n)) {
        throw new RtError(`--cgroup ${s}: the container is in no "${n}" hierarchy (it has: ${hierarchies.map((h) => h.name).join(", ") || "none"})`);
      }
      chosen.set(n, sub);
    }
  }
  return hierarchies.map((h) => {
    const sub = chosen.get(h.name);
    return sub ? { dir: path.join(h.dir, sub), field: `--cgroup ${h.name === "unified" ? "" : `${h.name}:`}${sub}` } : { dir: h.dir, field: h.field };
  });
}

/** config.json of the recorded bundle, as runc's exec reads it for the process to start from. */
function readConfig(bundle: string): Spec {
  const file = path.join(bundle, "config.json");
  let text: string;
  try {
    text = host().readFile(file);
  } catch (e) {
    throw new RtError(`bundle ${bundle}: cannot read config.json: ${describeSysError(e)}`);
  }
  try {
    return JSON.parse(text) as Spec;
  } catch (e) {
    throw new RtError(`${file}: invalid JSON: ${(e as Error).message}`);
  }
}

function readOr(file: string, fallback: string): string {
  try { return host().readFile(file); } catch { return fallback; }
}

/** Frozen: cgroup.freeze in the unified cgroup, or a v1 freezer cgroup of the init FROZEN (or FREEZING). */
export function isPaused(rec: ContainerRecord): boolean {
  if (rec.cgroupDir && readOr(path.join(rec.cgroupDir, "cgroup.freeze"), "0").trim() === "1") return true;
  const line = readOr(`/proc/${rec.pid}/cgroup`, "").split("\n").find((l) => /^\d+:([^:]*,)?freezer(,[^:]*)?:/.test(l));
  if (!line) return false;
  const rel = line.slice(line.indexOf(":", line.indexOf(":") + 1) + 1);
  const state = readOr(path.join("/sys/fs/cgroup/freezer", rel, "freezer.state"), "THAWED").trim();
  return state === "FROZEN" || state === "FREEZING";
}
