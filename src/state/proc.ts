// Facts about a host process read from /proc: liveness and start time, which
// together tell our container's pid from a reused one.
import { fs } from "../sys/fs.ts";
import { readText } from "../sys/files.ts";

export interface ProcStat {
  state: string;
  startTime: string;
}

export function readProcStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  return parseProcStat(text);
}

export async function readProcStatAsync(pid: number): Promise<ProcStat | null> {
  const text = pid > 0 ? await readText(`/proc/${pid}/stat`) : null;
  return text === null ? null : parseProcStat(text);
}

function parseProcStat(text: string): ProcStat {
  // comm may contain spaces and parentheses: fields start after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0], startTime: fields[19] };
}

/** True if stat shows our live process (not a zombie) that started at startTime. */
export function isSameLive(st: ProcStat | null, startTime: string): boolean {
  return st !== null && st.startTime === startTime && st.state !== "Z" && st.state !== "X";
}

export function isSameLiveProcess(pid: number, startTime: string): boolean {
  return isSameLive(readProcStat(pid), startTime);
}
