// Facts about a host process read from /proc: liveness and start time, which
// together tell our container's pid from a reused one.
import { readTextOrNull } from "../sys/files.ts";

export interface ProcStat {
  state: string;
  startTime: string;
  ppid: number;
}

export function readProcStat(pid: number): ProcStat | null {
  const text = pid > 0 ? readTextOrNull(`/proc/${pid}/stat`) : null;
  if (text === null) return null;
  // comm may contain spaces and parentheses: fields start after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0], startTime: fields[19], ppid: Number(fields[1]) };
}

/** True if this is our live process (not a zombie) that started at startTime. */
export function isSameLiveProcess(pid: number, startTime: string): boolean {
  const st = readProcStat(pid);
  return st !== null && st.startTime === startTime && st.state !== "Z" && st.state !== "X";
}
