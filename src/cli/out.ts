// Output for the CLI, through the host (one write per call, nothing buffered).

/** Writes text to stdout. */
import { host } from "../sys/host.ts";

export function print(text: string): void {
  if (text !== "") host().stdout(text);
}

export function printErr(text: string): void {
  host().stderr(text);
}
