// Finds native/rt-exec: next to the rt executable when installed or built
// (dist/rt + dist/rt-exec), else in the source tree's build output.
import { fs } from "../sys/fs.ts";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { RtError } from "../errors.ts";

export function executorPath(): string {
  const candidates: string[] = [];
  if (process.env.RT_EXEC) candidates.push(process.env.RT_EXEC);
  candidates.push(path.join(path.dirname(process.execPath), "rt-exec"));
  if (import.meta.url.startsWith("file:")) {
    const here = path.dirname(fileURLToPath(import.meta.url));
    candidates.push(path.resolve(here, "../../dist/rt-exec"), path.resolve(here, "../../native/build/rt-exec"));
  }
  for (const c of candidates) if (fs.existsSync(c)) return c;
  throw new RtError(`cannot find the rt-exec executor (looked in ${candidates.join(", ")}); run npm install to build it`);
}
