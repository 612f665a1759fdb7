// Argument parsing shared by the commands: util.parseArgs (no dependency, no
// start-up cost) with errors turned into usage errors that name the argument.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../errors.ts";

export type Options = NonNullable<ParseArgsConfig["options"]>;

export interface ParsedCommand {
  // Values of the declared options: string for "string" options, boolean for "boolean" ones.
  values: { help?: boolean } & Record<string, any>;
  positionals: string[];
}

export function parseCommand(command: string, argv: string[], options: Options, positionals: { min: number; max: number; names: string }): ParsedCommand {
  let parsed: ParsedCommand;
  try {
    parsed = parseArgs({ args: argv, options: { help: { type: "boolean", short: "h" }, ...options }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${command}: ${(e as Error).message.replace(/\. To specify.*$/s, "")}\nusage: rt ${command} ${usageOf(options)}${positionals.names}`);
  }
  const n = parsed.positionals.length;
  if (!parsed.values.help && (n < positionals.min || n > positionals.max)) {
    throw new UsageError(`${command}: expected ${positionals.names.trim() || "no arguments"}, got ${n} argument(s)\nusage: rt ${command} ${usageOf(options)}${positionals.names}`);
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
