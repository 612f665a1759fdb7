// rt checkpoint <id>: as podman calls runc's (src/container/checkpoint.ts).
import { print } from "./out.ts";
import type { Globals } from "./main.ts";
import { parseCommand } from "./parse.ts";
import { runtimeFor } from "./runtime-for.ts";
import { CRIU_OPTIONS, CRIU_USAGE, criuValues } from "./criu-options.ts";

const options = {
  ...CRIU_OPTIONS,
  "leave-running": { type: "boolean" },
} as const;

export async function run(argv: string[], g: Globals): Promise<number> {
  const { values, positionals } = parseCommand("checkpoint", argv, options, { min: 1, max: 1, names: "<container-id>" });
  if (values.help) {
    print(`usage: rt checkpoint [--leave-running] ${CRIU_USAGE} <container-id>\n`);
    return 0;
  }
  await runtimeFor(g).checkpoint(positionals[0], { ...criuValues(values), leaveRunning: values["leave-running"] });
  return 0;
}
