// Reads <bundle>/config.json and checks it completely before anything is
// created: JSON syntax, the schema, the semantic rules, and that the rootfs
// exists, and nothing it asks for is something rt would drop (refused by
// name, see ./unsupported.ts). Every problem names its field.
import { host } from "../sys/host.ts";
import * as path from "../sys/path.ts";
import { RtError, describeSysError, printable } from "../errors.ts";
import type { Spec } from "../spec/types.ts";
import { checkConfig, configWarnings, formatIssues } from "./validate.ts";
import { MAX_JSON_DEPTH, tooDeep } from "./json-depth.ts";

export interface Bundle {
  dir: string;
  spec: Spec;
  rootfs: string;
  /** Things the spec says to log but not refuse (e.g. capability names this kernel may not know). */
  warnings: string[];
}

/** config.json is read whole into memory: larger than this, it is refused (engines' configs are tens of KiB). */
export const CONFIG_MAX_BYTES = 1024 * 1024;

export function loadBundle(bundleDir: string): Bundle {
  const dir = path.resolve(bundleDir);
  const file = path.join(dir, "config.json");
  const text = readConfigText(dir, file);
  const deep = tooDeep(text);
  if (deep !== undefined) throw new RtError(`config.json: nests too deeply: more than ${MAX_JSON_DEPTH} levels of arrays and objects at ${deep}`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new RtError(`config.json: invalid JSON: ${oneLine((e as Error).message)}`);
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
    throw new RtError(`config.json: root.path: ${describeSysError(e)}`);
  }
  if (!isDir) throw new RtError(`config.json: root.path: ${printable(rootfs)} is not a directory`);
  const warnings = configWarnings(doc).map((w) => `config.json: ${w.path}: ${w.message}`);
  return { dir, spec, rootfs: host().realpath(rootfs), warnings };
}

/** The text of config.json: a regular file of at most CONFIG_MAX_BYTES (never /dev/zero, a fifo, a directory). */
function readConfigText(dir: string, file: string): string {
  const cannot = (why: string) => new RtError(`bundle ${dir}: cannot read config.json: ${why}`);
  let st;
  try {
    st = host().stat(file);
  } catch (e) {
    throw cannot(describeSysError(e));
  }
  if (!st.isFile) throw cannot(`${file} is not a regular file`);
  if (st.size > CONFIG_MAX_BYTES) throw cannot(`${file} has ${st.size} bytes: rt reads at most ${CONFIG_MAX_BYTES} (1 MiB)`);
  try {
    return host().readFile(file, CONFIG_MAX_BYTES);
  } catch (e) {
    // Replaced or grown since the stat.
    const code = (e as { code?: string }).code;
    if (code === "EFBIG") throw cannot(`${file} has more than ${CONFIG_MAX_BYTES} bytes (1 MiB), the most rt reads`);
    if (code === "EINVAL") throw cannot(`${file} is not a regular file`);
    throw cannot(describeSysError(e));
  }
}

/** Node's JSON.parse quotes the text around the fault, newlines and all: one line, control characters escaped. */
function oneLine(message: string): string {
  return message.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === "\n" ? "\\n" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
}
