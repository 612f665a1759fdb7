// rt exec <id> [options] [--process FILE | COMMAND ARGS...]: runc's flags.
// Options come before COMMAND: everything from the first word after the id
// is the command line (so `rt exec c sh -c 'x'` passes -c to sh, as runc does).
import { host } from "../sys/host.ts";
import { RtError, UsageError, describeSysError } from "../errors.ts";
import { print } from "./out.ts";
import type { Globals } from "./main.ts";
import { intOption } from "./parse.ts";
import { parseEnvFile } from "./env-file.ts";
import { runtimeFor } from "./runtime-for.ts";
import { forwardSignals } from "../container/run.ts";
import type { ExecOptions } from "../runtime.ts";
import type { Process } from "../spec/types.ts";

interface Flag { name: string; short?: string; value: boolean; many?: boolean }

const FLAGS: Flag[] = [
  { name: "process", short: "p", value: true }, { name: "tty", short: "t", value: false },
  { name: "console-socket", value: true }, { name: "detach", short: "d", value: false },
  { name: "pid-file", value: true }, { name: "env", short: "e", value: true, many: true },
  { name: "env-file", value: true, many: true }, { name: "user", short: "u", value: true },
  { name: "additional-gids", short: "g", value: true, many: true }, { name: "cwd", value: true },
  { name: "cap", short: "c", value: true, many: true }, { name: "no-new-privs", value: false },
  { name: "apparmor", value: true }, { name: "process-label", value: true },
  { name: "preserve-fds", value: true }, { name: "ignore-paused", value: false },
  { name: "cgroup", value: true, many: true }, { name: "help", short: "h", value: false },
];

const USAGE = `usage: rt exec [options] <container-id> [--process <file> | <command> [args...]]

  -p, --process <file>        the process as JSON (runtime-spec's process object); no COMMAND then
  -t, --tty                   give the process a terminal (its master goes to --console-socket)
      --console-socket <path> AF_UNIX socket that receives the terminal's master
  -d, --detach                return once the process runs (default: wait, exit with its status)
      --pid-file <file>       write the process's host pid here
  -e, --env KEY=VALUE         set an environment variable (repeatable)
      --env-file <file>       KEY=VALUE lines (# comments; a bare KEY takes rt's own value)
  -u, --user uid[:gid]        run as this user
  -g, --additional-gids gid   add a supplementary group (repeatable)
      --cwd <dir>             working directory inside the container
  -c, --cap CAP_NAME          add a capability (repeatable)
      --no-new-privs          set no_new_privs
      --apparmor <profile>    refused: this rt applies no AppArmor profile
      --process-label <label> refused: this rt applies no SELinux label
      --preserve-fds <n>      pass fds 3 … 3+n-1 on to the process
      --ignore-paused         exec even if the container is paused
      --cgroup [ctrl:]path    join this sub-cgroup of the container's cgroup (repeatable)
`;

function parse(argv: string[]): { values: Record<string, string[] | boolean>; id: string; command: string[] } {
  const values: Record<string, string[] | boolean> = {};
  let id: string | undefined;
  let i = 0;
  const fail = (msg: string): never => { throw new UsageError(`exec: ${msg}\n${USAGE.split("\n")[0]}`); };
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") { i++; break; }
    if (!arg.startsWith("-") || arg === "-") {
      if (id !== undefined) break; // the command starts here
      id = arg;
      continue;
    }
    const eq = arg.indexOf("=");
    const long = arg.startsWith("--");
    const key = arg.slice(long ? 2 : 1, eq >= 0 ? eq : undefined);
    const flag = FLAGS.find((f) => (long ? f.name === key : f.short === key));
    if (!flag) fail(`unknown option '${arg}'`);
    const f = flag!;
    if (!f.value) {
      if (eq >= 0) fail(`option '${arg.slice(0, eq)}' takes no value`);
      values[f.name] = true;
      continue;
    }
    let v: string;
    if (eq >= 0) v = arg.slice(eq + 1);
    else if (i + 1 < argv.length) v = argv[++i];
    else return fail(`option '${arg} <value>' needs a value`);
    if (!f.many && values[f.name] !== undefined) fail(`--${f.name} given twice`);
    values[f.name] = [...((values[f.name] as string[] | undefined) ?? []), v];
  }
  const rest = argv.slice(i);
  if (id === undefined) {
    if (values.help) return { values, id: "", command: [] };
    if (!rest.length) fail("expected <container-id>");
    id = rest.shift()!;
  }
  return { values, id, command: rest };
}

const one = (v: string[] | boolean | undefined): string | undefined => (Array.isArray(v) ? v[0] : undefined);
const many = (v: string[] | boolean | undefined): string[] => (Array.isArray(v) ? v : []);

function idNumber(s: string, flag: string): number {
  if (!/^\d+$/.test(s) || Number(s) > 0xfffffffe) throw new UsageError(`${flag}: not a uid/gid number: ${JSON.stringify(s)}`);
  return Number(s);
}

function readText(file: string, flag: string): string {
  try {
    return host().readFile(file);
  } catch (e) {
    throw new RtError(`${flag} ${file}: ${describeSysError(e)}`);
  }
}

export function toExecOptions(values: Record<string, string[] | boolean>, command: string[]): ExecOptions {
  const opts: ExecOptions = {
    consoleSocket: one(values["console-socket"]),
    detach: values.detach === true,
    pidFile: one(values["pid-file"]),
    preserveFds: intOption("preserve-fds", one(values["preserve-fds"]), 0),
    ignorePaused: values["ignore-paused"] === true,
    apparmor: one(values.apparmor),
    processLabel: one(values["process-label"]),
  };
  if (values.cgroup) opts.cgroup = many(values.cgroup);
  const file = one(values.process);
  if (file !== undefined) {
    if (command.length) throw new UsageError("exec: give either --process FILE or a COMMAND, not both");
    let p: unknown;
    try {
      p = JSON.parse(readText(file, "--process"));
    } catch (e) {
      if (e instanceof RtError) throw e;
      throw new RtError(`--process ${file}: invalid JSON: ${(e as Error).message}`);
    }
    if (p === null || typeof p !== "object" || Array.isArray(p)) throw new RtError(`--process ${file}: not a JSON object`);
    opts.process = p as Process;
  } else {
    if (!command.length) throw new UsageError("exec: a COMMAND or --process FILE is required");
    opts.args = command;
  }
  // Flags that shape the process are only set when given, so --process can refuse them.
  if (values.tty) opts.tty = true;
  const env = [
    ...many(values["env-file"]).flatMap((f) => parseEnvFile(readText(f, "--env-file"), f, (n) => host().env(n))),
    ...many(values.env),
  ];
  for (const e of many(values.env)) if (!/^[^=]+=/.test(e)) throw new UsageError(`--env: expected KEY=VALUE, got ${JSON.stringify(e)}`);
  if (env.length) opts.env = env;
  const user = one(values.user);
  if (user !== undefined) {
    const [u, g, extra] = user.split(":");
    if (extra !== undefined) throw new UsageError(`--user: expected uid[:gid], got ${JSON.stringify(user)}`);
    opts.user = { uid: idNumber(u, "--user"), ...(g !== undefined ? { gid: idNumber(g, "--user") } : {}) };
  }
  if (values["additional-gids"]) opts.additionalGids = many(values["additional-gids"]).flatMap((s) => s.split(",")).map((s) => idNumber(s, "--additional-gids"));
  const cwd = one(values.cwd);
  if (cwd !== undefined) opts.cwd = cwd;
  if (values.cap) opts.caps = many(values.cap);
  if (values["no-new-privs"]) opts.noNewPrivileges = true;
  return opts;
}

export async function run(argv: string[], g: Globals): Promise<number> {
  const { values, id, command } = parse(argv);
  if (values.help) {
    print(USAGE);
    return 0;
  }
  const opts = toExecOptions(values, command);
  const execd = await runtimeFor(g).exec(id, opts);
  if (opts.detach) return 0;
  // In the foreground rt is the process's stand-in: signals sent to rt go to
  // it, and rt's exit status is its (128+n for a signal).
  const forward = forwardSignals(execd.pid);
  try {
    return await execd.exited;
  } finally {
    forward.stop();
  }
}
