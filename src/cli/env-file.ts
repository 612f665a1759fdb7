// --env-file in Docker's format (docker exec --env-file): one KEY=VALUE a
// line, the value taken literally (no quotes, no expansion); blank lines and
// lines starting with # are skipped; a bare KEY takes the caller's value, and
// is left out when the caller has none. Leading blanks are dropped, a name
// with blanks in it is an error naming the file and line.
import { RtError } from "../errors.ts";

export function parseEnvFile(text: string, file: string, callerEnv: (name: string) => string | undefined): string[] {
  const out: string[] = [];
  const lines = text.replace(/^\uFEFF/, "").split("\n");
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, "").replace(/^\s+/, "");
    if (line === "" || line.startsWith("#")) return;
    const eq = line.indexOf("=");
    const name = eq >= 0 ? line.slice(0, eq) : line.replace(/\s+$/, "");
    const where = `--env-file ${file}:${i + 1}`;
    if (name === "") throw new RtError(`${where}: no variable name before "="`);
    if (/\s/.test(name)) throw new RtError(`${where}: variable name ${JSON.stringify(name)} contains blanks`);
    if (eq >= 0) out.push(line);
    else {
      const v = callerEnv(name);
      if (v !== undefined) out.push(`${name}=${v}`);
    }
  });
  return out;
}
