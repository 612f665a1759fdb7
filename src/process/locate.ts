// Finds native/rt-exec: next to the rt executable when installed or built
// (dist/rt + dist/rt-exec), else in the source tree's build output.
import { host } from "../sys/host.ts";
import { exists } from "../sys/files.ts";
import * as path from "../sys/path.ts";
import { RtError } from "../errors.ts";

export function executorPath(): string {
  const candidates: string[] = [];
  const override = host().env("RT_EXEC");
  if (override) candidates.push(override);
  candidates.push(path.join(path.dirname(host().execPath()), "rt-exec"));
  const here = host().sourceDir();
  if (here) candidates.push(path.resolve(here, "../../dist/rt-exec"), path.resolve(here, "../../native/build/rt-exec"));
  for (const c of candidates) if (exists(c)) return c;
  throw new RtError(`cannot find the rt-exec executor (looked in ${candidates.join(", ")}); run npm install to build it`);
}
