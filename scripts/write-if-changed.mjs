// Generated files are rewritten only when their text changes (atomically), so
// an unchanged build does not make the bundler or make redo work.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

export function writeIfChanged(file, text) {
  if (existsSync(file) && readFileSync(file, "utf8") === text) return;
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}
