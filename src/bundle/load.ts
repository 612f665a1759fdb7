// Reads <bundle>/config.json and checks it completely before anything is
// created: JSON syntax, the schema, the semantic rules, and that the rootfs
// exists, and nothing it asks for is something rt would drop (refused by
// name, see ./unsupported.ts). Every problem names its field.
import { host } from "../sys/host.ts";
import * as path from "../sys/path.ts";
import { RtError, describeSysError } from "../errors.ts";
import type { Spec } from "../spec/types.ts";
import { checkConfig, configWarnings, formatIssues } from "./validate.ts";

export interface Bundle {
  dir: string;
  spec: Spec;
  rootfs: string;
  /** Things the spec says to log but not refuse (e.g. capability names this kernel may not know). */
  warnings: string[];
}

export function loadBundle(bundleDir: string): Bundle {
  const dir = path.resolve(bundleDir);
  const file = path.join(dir, "config.json");
  let text: string;
  try {
    text = host().readFile(file);
  } catch (e) {
    throw new RtError(`bundle ${dir}: cannot read config.json: ${describeSysError(e)}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new RtError(`config.json: invalid JSON: ${(e as Error).message}`);
  }
  const issues = checkConfig(doc);
  if (issues.length) throw new RtError(formatIssues(issues));
  const spec = doc as Spec;
  if (!spec.root?.path) throw new RtError("config.json: root.path: required on Linux");
  const rootfs = path.resolve(dir, spec.root.path);
  let isDir: boolean;
  try {
    isDir = host().stat(rootfs).isDirectory;
  } catch (e) {
    throw new RtError(`config.json: root.path: ${rootfs}: ${describeSysError(e)}`);
  }
  if (!isDir) throw new RtError(`config.json: root.path: ${rootfs} is not a directory`);
  const warnings = configWarnings(doc).map((w) => `config.json: ${w.path}: ${w.message}`);
  return { dir, spec, rootfs: host().realpath(rootfs), warnings };
}
