// Encodes a Plan into the byte stream that native/rt-exec reads (native/PLAN.md).
// Kept free of any runtime-specific API so unit tests run it under Node.

import { utf8Encode } from "../sys/utf8.ts";

export const PLAN_MAGIC = "RTPLAN01";

export enum Op {
  END = 0, MODE = 1, CGROUP_JOIN = 2, OPEN_FIFO = 3, NS_JOIN = 4, UID_MAP = 5, GID_MAP = 6,
  SETGROUPS = 7, CLONE = 8, CONSOLE = 9, SETHOSTNAME = 10, SETDOMAINNAME = 11, MOUNT = 12,
  PROPAGATE = 13, MAKE_ROOT_PRIVATE = 14, BIND_ROOTFS = 15, PIVOT_ROOT = 16, MOVE_ROOT = 17,
  MKNOD = 18, BIND_DEVICE = 19, SYMLINK = 20, MASK = 21, READONLY = 22, REMOUNT_RO = 23,
  SYSCTL = 24, OOM_SCORE_ADJ = 25, RLIMIT = 26, CHDIR = 27, UMASK = 28, SETGROUPS_IDS = 29,
  SETGID = 30, SETUID = 31, NO_NEW_PRIVS = 32, ENV = 33, ARGS = 34, WAIT_START = 35,
  CLOSE_FDS = 36, EXEC = 37, CAPS = 38, SECCOMP_INIT = 39, CONSOLE_SETUP = 40, MOUNT_SETATTR = 41,
  KEEP_CAPS = 42, SECCOMP_RULE = 43, SECCOMP_LOAD = 44, SECCOMP_LISTENER = 45, PERSONALITY = 46,
  SCHEDULER = 47, IOPRIO = 48, CPU_AFFINITY = 49, MEMPOLICY = 50, TIMENS = 51, DEVICE_FILTER = 52,
  USERNS_FD = 53, MOUNT_IDMAP = 54, CHROOT = 55, IDMAP_TREE = 56, NETDEV = 57, DUMPABLE = 58,
}

/** One step of the plan. `field` names the config.json field it came from (for errors). */
export interface PlanOp {
  op: Op;
  args: (string | number | bigint | Uint8Array)[];
  field: string;
}

export type Plan = PlanOp[];


function argBytes(a: string | number | bigint | Uint8Array): Uint8Array {
  if (a instanceof Uint8Array) return a;
  return utf8Encode(typeof a === "string" ? a : String(a));
}

/** Serialises ops (END appended) into one buffer. */
export function encodePlan(plan: Plan): Uint8Array {
  const parts: Uint8Array[] = [utf8Encode(PLAN_MAGIC)];
  let total = PLAN_MAGIC.length;
  const u32 = (n: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n, true);
    parts.push(b);
    total += 4;
  };
  for (const { op, args } of [...plan, { op: Op.END, args: [], field: "" }]) {
    u32(op);
    u32(args.length);
    for (const a of args) {
      const b = argBytes(a);
      u32(b.length);
      parts.push(b);
      total += b.length;
    }
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Human-readable form of a plan: one op a line. Used by `rt --debug` and tests. */
export function describePlan(plan: Plan): string {
  return plan
    .map((p, i) => `${i} ${Op[p.op]} ${p.args.map((a) => (a instanceof Uint8Array ? `<${a.length} bytes>` : JSON.stringify(String(a)))).join(" ")}  # ${p.field}`)
    .join("\n");
}

export type Report =
  | { kind: "PID"; pid: number }
  | { kind: "READY" }
  | { kind: "ERROR"; op: number; errno: number; message: string }
  | { kind: "EXIT"; status: number };

/** Parses one report line from rt-exec. */
export function parseReport(line: string): Report {
  const sp = line.indexOf(" ");
  const word = sp < 0 ? line : line.slice(0, sp);
  const rest = sp < 0 ? "" : line.slice(sp + 1);
  switch (word) {
    case "PID": return { kind: "PID", pid: Number(rest) };
    case "READY": return { kind: "READY" };
    case "EXIT": return { kind: "EXIT", status: Number(rest) };
    case "ERROR": {
      const m = /^(-?\d+) (\d+) ?(.*)$/s.exec(rest);
      if (!m) return { kind: "ERROR", op: -1, errno: 0, message: line };
      return { kind: "ERROR", op: Number(m[1]), errno: Number(m[2]), message: m[3] };
    }
    default: return { kind: "ERROR", op: -1, errno: 0, message: `unexpected report from rt-exec: ${line}` };
  }
}
