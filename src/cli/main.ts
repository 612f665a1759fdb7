// rt's entry point: global options, then one command. Each command's module
// is imported only when that command runs, so start-up loads what it needs.
import { print } from "./out.ts";
import { RtError, UsageError, describeSysError, isSysError } from "../errors.ts";
import { Logger, type LogFormat } from "./log.ts";

export const VERSION = "0.1.0";
export const SPEC_VERSION = "1.3.0";

export interface Globals {
  /** --root; "" when not given (runtime-for.ts picks the default for the caller). */
  root: string;
  log?: string;
  logFormat: LogFormat;
  debug: boolean;
  logger: Logger;
  systemdCgroup: boolean;
}

type CommandModule = { run(args: string[], g: Globals): Promise<number> | number };

const COMMANDS: Record<string, [summary: string, load: () => Promise<CommandModule>]> = {
  create: ["create a container from a bundle", () => import("./create.ts")],
  start: ["run the user program of a created container", () => import("./start.ts")],
  state: ["print a container's state as JSON", () => import("./state.ts")],
  kill: ["send a signal to a container's process(es)", () => import("./kill.ts")],
  delete: ["delete a stopped container and its resources", () => import("./delete.ts")],
  pause: ["freeze every process of a running container", () => import("./pause.ts")],
  resume: ["thaw a paused container", () => import("./resume.ts")],
  update: ["change a container's resource limits", () => import("./update.ts")],
  events: ["print a container's stats and OOM events as JSON", () => import("./events.ts")],
  run: ["create and start a container (and wait for it)", () => import("./run.ts")],
  exec: ["run another process in a container", () => import("./exec.ts")],
  list: ["list containers", () => import("./list.ts")],
  ps: ["list the processes of a container", () => import("./ps.ts")],
  checkpoint: ["checkpoint a running container with CRIU", () => import("./checkpoint.ts")],
  restore: ["restore a checkpointed container with CRIU (--detach)", () => import("./restore.ts")],
  features: ["print what this build of rt supports (features.md) as JSON", () => import("./features.ts")],
  spec: ["write a starter config.json", () => import("./spec.ts")],
  validate: ["check a bundle's config.json without creating anything", () => import("./validate.ts")],
};

const GLOBAL_HELP = `rt ${VERSION}: an OCI runtime (runtime-spec ${SPEC_VERSION})

usage: rt [global options] <command> [command options] <arguments>

global options:
  --root <dir>              state directory (default /run/rt; for a non-root user $XDG_RUNTIME_DIR/rt)
  --log <file>              also write diagnostics to <file>
  --log-format text|json    format of --log lines (default text)
  --debug                   print the plan and executor reports
  --systemd-cgroup          refused by create, run and restore (no systemd driver yet); accepted, and without effect, by the other commands
  -v, --version             print versions
  -h, --help                this help

commands:
${Object.entries(COMMANDS).map(([n, [s]]) => `  ${n.padEnd(10)} ${s}`).join("\n")}

Run 'rt <command> --help' for a command's options.`;

function parseGlobals(argv: string[]): { g: Omit<Globals, "logger">; rest: string[]; version: boolean; help: boolean } {
  const g: Omit<Globals, "logger"> = { root: "", logFormat: "text", debug: false, systemdCgroup: false };
  let version = false;
  let help = false;
  let i = 0;
  const value = (name: string) => {
    const eq = argv[i].indexOf("=");
    if (eq >= 0) return argv[i].slice(eq + 1);
    if (i + 1 >= argv.length) throw new UsageError(`${name} needs a value`);
    return argv[++i];
  };
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("-")) break;
    const name = a.split("=")[0];
    switch (name) {
      case "--root": g.root = value(name); break;
      case "--log": g.log = value(name); break;
      case "--log-format": {
        const f = value(name);
        if (f !== "text" && f !== "json") throw new UsageError(`--log-format: must be text or json, not ${JSON.stringify(f)}`);
        g.logFormat = f;
        break;
      }
      case "--debug": g.debug = true; break;
      case "--systemd-cgroup": g.systemdCgroup = true; break;
      case "--version": case "-v": version = true; break;
      case "--help": case "-h": help = true; break;
      default: throw new UsageError(`unknown global option ${a}\nRun 'rt --help' for usage.`);
    }
  }
  return { g, rest: argv.slice(i), version, help };
}

export async function main(argv: string[]): Promise<number> {
  let logger = new Logger(undefined, "text", false);
  try {
    const { g, rest, version, help } = parseGlobals(argv);
    logger = new Logger(g.log, g.logFormat, g.debug);
    if (version) {
      print(`rt version ${VERSION}\nspec: ${SPEC_VERSION}\n`);
      return 0;
    }
    if (help || rest.length === 0) {
      print(GLOBAL_HELP + "\n");
      return help ? 0 : 2;
    }
    const [command, ...args] = rest;
    const entry = COMMANDS[command];
    if (!entry) throw new UsageError(`unknown command "${command}"\nRun 'rt --help' for usage.`);
    const mod = await entry[1]();
    return await mod.run(args, { ...g, logger });
  } catch (e) {
    if (e instanceof RtError) {
      logger.error(e.message);
      return e.exitCode;
    }
    // An I/O failure that no caller worded (ENOSPC renaming state.json, EMFILE
    // opening /proc/self/cgroup …) is still an answer, not a crash: one line
    // with the call, the file and the errno.
    if (isSysError(e)) {
      logger.error(describeSysError(e));
      return 1;
    }
    // QuickJS's stack has no message line (Node's does): print both, once.
    const err = e as Error;
    const stack = err?.stack ?? "";
    logger.error(`internal error: ${stack.startsWith(`${err?.name}: `) ? stack : `${err?.message ?? e}\n${stack}`.trimEnd()}`);
    return 1;
  }
}
