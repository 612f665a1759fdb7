// One error type for everything rt reports to its caller. `message` is what the
// user sees; it names the offending field, argument or syscall.

export class RtError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = "RtError";
  }
}

/** A command line mistake: exit code 2 and a usage hint, as CLI tools conventionally do. */
export class UsageError extends RtError {
  constructor(message: string) {
    super(message, 2);
    this.name = "UsageError";
  }
}

/** Describes a Node/Bun system error as "syscall path: strerror (CODE)". */
export function describeSysError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err === "object" && err.code) {
    const dest = (err as { dest?: string }).dest;
    const what = [err.syscall, err.path && printable(err.path), dest && `-> ${printable(dest)}`].filter(Boolean).join(" ");
    const text = (err.message || "").replace(/^[A-Z]+: /, "").replace(/, \w+( [\s\S]*)?$/, "");
    return `${what}: ${text || err.code} (${err.code})`;
  }
  return String(e instanceof Error ? e.message : e);
}

/** A system error as the hosts throw them (code, syscall; see src/sys/host.ts): an I/O failure, not a bug in rt. */
export function isSysError(e: unknown): boolean {
  const err = e as { code?: unknown; syscall?: unknown } | null;
  return !!err && typeof err === "object" && typeof err.code === "string" && /^E[A-Z0-9]+$/.test(err.code) && typeof err.syscall === "string";
}

/** A path as it can be shown on one line: quoted as JSON if it holds a newline or another control character. */
export function printable(p: string): string {
  return /[\u0000-\u001f\u007f]/.test(p) ? JSON.stringify(p) : p;
}
