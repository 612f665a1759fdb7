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
  USERNS_FD = 53, MOUNT_IDMAP = 54, CHROOT = 55, IDMAP_TREE = 56, NETDEV = 57,
  HOOK_FIFO = 58, HOOK_PID = 59, HOOK_PAUSE = 60, HOOK_RUN = 61, KEYRING = 62, DUMPABLE = 63, SETSID = 64,
  TMPCOPYUP = 65,
}

/** One step of the plan. `field` names the config.json field it came from (for errors). */
export interface PlanOp {
  op: Op;
  args: (string | number | bigint | Uint8Array)[];
  field: string;
}

export type Plan = PlanOp[];


/** An arg as it goes on the wire: bytes, or a string that is all ASCII (its chars are its bytes). */
function wireArg(a: string | number | bigint | Uint8Array): Uint8Array | string {
  if (a instanceof Uint8Array) return a;
  const s = typeof a === "string" ? a : String(a);
  return /^[\x00-\x7f]*$/.test(s) ? s : utf8Encode(s);
}

/**
 * Serialises ops (END appended) into one buffer, sized first and written in
 * place: a seccomp profile brings hundreds of ops, and under QuickJS a small
 * array per number and per string would cost milliseconds.
 */
export function encodePlan(plan: Plan): Uint8Array {
  const ops = [...plan, { op: Op.END, args: [], field: "" }];
  let total = PLAN_MAGIC.length;
  const args = ops.map((o) => {
    total += 8;
    return o.args.map((a) => {
      const w = wireArg(a);
      total += 4 + w.length;
      return w;
    });
  });
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let off = 0;
  const ascii = (s: string) => {
    for (let i = 0; i < s.length; i++) out[off++] = s.charCodeAt(i);
  };
  const u32 = (n: number) => {
    view.setUint32(off, n, true);
    off += 4;
  };
  ascii(PLAN_MAGIC);
  ops.forEach((o, i) => {
    u32(o.op);
    u32(args[i].length);
    for (const w of args[i]) {
      u32(w.length);
      if (typeof w === "string") ascii(w);
      else {
        out.set(w, off);
        off += w.length;
      }
    }
  });
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
  | { kind: "EXIT"; status: number }
  | { kind: "HOOKS"; hooks: string };

/** Parses one report line from rt-exec. */
export function parseReport(line: string): Report {
  const sp = line.indexOf(" ");
  const word = sp < 0 ? line : line.slice(0, sp);
  const rest = sp < 0 ? "" : line.slice(sp + 1);
  switch (word) {
    case "PID": return { kind: "PID", pid: Number(rest) };
    case "READY": return { kind: "READY" };
    case "EXIT": return { kind: "EXIT", status: Number(rest) };
    case "HOOKS": return { kind: "HOOKS", hooks: rest };
    case "ERROR": {
      const m = /^(-?\d+) (\d+) ?(.*)$/s.exec(rest);
      if (!m) return { kind: "ERROR", op: -1, errno: 0, message: line };
      return { kind: "ERROR", op: Number(m[1]), errno: Number(m[2]), message: m[3] };
    }
    default: return { kind: "ERROR", op: -1, errno: 0, message: `unexpected report from rt-exec: ${line}` };
  }
}
