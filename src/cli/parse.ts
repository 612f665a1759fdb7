// Argument parsing shared by the commands: GNU-style options (--name value,
// --name=value, -n value, -f, "--" ends the options) and positionals in any
// order. Errors are usage errors that name the argument.
import { UsageError } from "../errors.ts";

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
}
export type Options = Record<string, OptionSpec>;

export interface ParsedCommand {
  // Values of the declared options: string for "string" options, boolean for "boolean" ones.
  values: { help?: boolean } & Record<string, any>;
  positionals: string[];
}

export function parseCommand(command: string, argv: string[], options: Options, positionals: { min: number; max: number; names: string }): ParsedCommand {
  const all: Options = { help: { type: "boolean", short: "h" }, ...options };
  const usage = `\nusage: rt ${command} ${usageOf(options)}${positionals.names}`;
  const fail = (msg: string): never => { throw new UsageError(`${command}: ${msg}${usage}`); };
  const byShort = new Map(Object.entries(all).filter(([, o]) => o.short).map(([n, o]) => [o.short!, n]));
  const parsed: ParsedCommand = { values: {}, positionals: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      parsed.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      parsed.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const long = arg.startsWith("--");
    const key = long ? arg.slice(2, eq >= 0 ? eq : undefined) : arg.slice(1, eq >= 0 ? eq : undefined);
    const name = long ? key : byShort.get(key);
    const spec = name !== undefined ? all[name] : undefined;
    if (name === undefined || !spec) fail(`unknown option '${arg}'`);
    const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    if (spec!.type === "boolean") {
      if (inline !== undefined) fail(`option '${arg.slice(0, eq)}' takes no value`);
      parsed.values[name!] = true;
    } else if (inline !== undefined) {
      parsed.values[name!] = inline;
    } else {
      if (i + 1 >= argv.length) fail(`option '${arg} <value>' needs a value`);
      parsed.values[name!] = argv[++i];
    }
  }
  const n = parsed.positionals.length;
  if (!parsed.values.help && (n < positionals.min || n > positionals.max)) {
    fail(`expected ${positionals.names.trim() || "no arguments"}, got ${n} argument(s)`);
  }
  return parsed;
}

export function usageOf(options: Options): string {
  return Object.entries(options)
    .map(([name, o]) => (o.type === "string" ? `[--${name} <value>] ` : `[--${name}] `))
    .join("");
}

export function intOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name}: not a non-negative integer: ${JSON.stringify(value)}`);
  return Number(value);
}
