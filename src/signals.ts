// Signal names and numbers on Linux x86_64/arm64 (the kernel's, as kill -l lists them).
import { UsageError } from "./errors.ts";

const SIGNALS: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, IOT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10,
  SEGV: 11, USR2: 12, PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CLD: 17, CONT: 18,
  STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22, URG: 23, XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27,
  WINCH: 28, IO: 29, POLL: 29, PWR: 30, SYS: 31,
};
const SIGRTMIN = 34;
const SIGRTMAX = 64;

/** Accepts "TERM", "SIGTERM", "term", "15", "RTMIN+3", "SIGRTMAX-1". */
export function parseSignal(text: string | undefined, fallback = "TERM"): number {
  const raw = (text ?? fallback).trim();
  if (/^\d+$/.test(raw)) {
    const n = Number(raw);
    if (n >= 1 && n <= SIGRTMAX) return n;
    throw new UsageError(`invalid signal ${JSON.stringify(raw)}: numbers go from 1 to ${SIGRTMAX}`);
  }
  const name = raw.toUpperCase().replace(/^SIG/, "");
  if (name in SIGNALS) return SIGNALS[name];
  const rt = /^RT(MIN|MAX)(?:([+-])(\d+))?$/.exec(name);
  if (rt) {
    const base = rt[1] === "MIN" ? SIGRTMIN : SIGRTMAX;
    const n = base + (rt[2] === "-" ? -1 : 1) * Number(rt[3] ?? 0);
    if (n >= SIGRTMIN && n <= SIGRTMAX) return n;
  }
  throw new UsageError(`unknown signal ${JSON.stringify(raw)}`);
}

export function signalName(n: number): string {
  for (const [k, v] of Object.entries(SIGNALS)) if (v === n) return `SIG${k}`;
  return n >= SIGRTMIN ? `SIGRTMIN+${n - SIGRTMIN}` : String(n);
}
