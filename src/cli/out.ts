// Output for the CLI, through the host (one write per call, nothing buffered).
import { host } from "../sys/host.ts";
import { RtError, describeSysError } from "../errors.ts";

/** Writes text to stdout; a failing write (ENOSPC on /dev/full, EPIPE) is a one-line error naming stdout. */
export function print(text: string): void {
  if (text === "") return;
  try {
    host().stdout(text);
  } catch (e) {
    throw new RtError(`writing to stdout: ${describeSysError(e)}`);
  }
}

export function printErr(text: string): void {
  host().stderr(text);
}
