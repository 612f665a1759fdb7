// linux.seccomp → SECCOMP_LISTENER (executor) and SECCOMP_INIT, SECCOMP_RULE…,
// SECCOMP_LOAD (init). plan.ts places the filter: just before WAIT_START when
// process.noNewPrivileges is set, else before the uid switch and capability
// drop (loading needs CAP_SYS_ADMIN without no_new_privs).
//
// Every name is resolved here to the number the kernel or libseccomp takes:
// actions to SECCOMP_RET_* values with their data, arches to AUDIT_ARCH
// tokens, flags to SECCOMP_FILTER_FLAG_* bits, operators to SCMP_CMP_*.
// What semantic.ts refuses (arches and flags this libseccomp lacks, NOTIFY
// without a listener, …) never reaches this file.
import { LIBSECCOMP_SYSCALLS, LIBSECCOMP_VERSION } from "../bundle/generated/seccomp.js";
import { Op } from "../process/wire.ts";
import type { LinuxSyscallArg, SeccompAction, SeccompOperator } from "../spec/types.ts";
import type { PlanContext, PlanOp } from "./context.ts";

export interface SeccompOps {
  /** Before CLONE: SECCOMP_LISTENER for SCMP_ACT_NOTIFY. */
  parent: PlanOp[];
  /** SECCOMP_INIT, SECCOMP_RULE…, SECCOMP_LOAD: one filter. Empty without linux.seccomp. */
  filter: PlanOp[];
}

/** The kernel's SECCOMP_RET_* actions (linux/seccomp.h); the low 16 bits are the action's data. */
export const SECCOMP_RET = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0x00000000,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  USER_NOTIF: 0x7fc00000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const;

const EPERM = 1;

/** Config action → SECCOMP_RET_* value, data included (the errno of ERRNO, the tracer's value of TRACE: EPERM when absent, as the spec says). */
export function seccompAction(action: SeccompAction, errnoRet: number | undefined): number {
  const data = (errnoRet ?? EPERM) & 0xffff;
  switch (action) {
    case "SCMP_ACT_KILL": // libseccomp's old name for KILL_THREAD
    case "SCMP_ACT_KILL_THREAD": return SECCOMP_RET.KILL_THREAD;
    case "SCMP_ACT_KILL_PROCESS": return SECCOMP_RET.KILL_PROCESS;
    case "SCMP_ACT_TRAP": return SECCOMP_RET.TRAP;
    case "SCMP_ACT_ERRNO": return SECCOMP_RET.ERRNO + data;
    case "SCMP_ACT_TRACE": return SECCOMP_RET.TRACE + data;
    case "SCMP_ACT_ALLOW": return SECCOMP_RET.ALLOW;
    case "SCMP_ACT_LOG": return SECCOMP_RET.LOG;
    case "SCMP_ACT_NOTIFY": return SECCOMP_RET.USER_NOTIF;
  }
}

// AUDIT_ARCH_* (linux/audit.h): the ELF machine, | 0x80000000 for 64-bit,
// | 0x40000000 for little-endian. seccomp.h defines SCMP_ARCH_* as these;
// test/unit/seccomp.test.ts compares them with what libseccomp itself says.
const B64 = 0x80000000, LE = 0x40000000, MIPS_N32 = 0x20000000;
export const SECCOMP_ARCHS: Readonly<Record<string, number>> = {
  SCMP_ARCH_X86: 3 + LE,
  SCMP_ARCH_X86_64: 62 + B64 + LE,
  SCMP_ARCH_X32: 62 + LE,
  SCMP_ARCH_ARM: 40 + LE,
  SCMP_ARCH_AARCH64: 183 + B64 + LE,
  SCMP_ARCH_MIPS: 8,
  SCMP_ARCH_MIPS64: 8 + B64,
  SCMP_ARCH_MIPS64N32: 8 + B64 + MIPS_N32,
  SCMP_ARCH_MIPSEL: 8 + LE,
  SCMP_ARCH_MIPSEL64: 8 + B64 + LE,
  SCMP_ARCH_MIPSEL64N32: 8 + B64 + LE + MIPS_N32,
  SCMP_ARCH_PPC: 20,
  SCMP_ARCH_PPC64: 21 + B64,
  SCMP_ARCH_PPC64LE: 21 + B64 + LE,
  SCMP_ARCH_S390: 22,
  SCMP_ARCH_S390X: 22 + B64,
  SCMP_ARCH_PARISC: 15,
  SCMP_ARCH_PARISC64: 15 + B64,
  SCMP_ARCH_RISCV64: 243 + B64 + LE,
  SCMP_ARCH_LOONGARCH64: 258 + B64 + LE,
  SCMP_ARCH_M68K: 4,
  SCMP_ARCH_SH: 42 + LE,
  SCMP_ARCH_SHEB: 42,
};

/** SECCOMP_FILTER_FLAG_* (linux/seccomp.h). */
export const SECCOMP_FLAGS: Readonly<Record<string, number>> = {
  SECCOMP_FILTER_FLAG_TSYNC: 1,
  SECCOMP_FILTER_FLAG_LOG: 2,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: 32,
};

/** enum scmp_compare (seccomp.h). */
export const SCMP_CMP: Readonly<Record<SeccompOperator, number>> = {
  SCMP_CMP_NE: 1, SCMP_CMP_LT: 2, SCMP_CMP_LE: 3, SCMP_CMP_EQ: 4, SCMP_CMP_GE: 5, SCMP_CMP_GT: 6, SCMP_CMP_MASKED_EQ: 7,
};

/** The runtime-spec version of the container process state sent to the listener. */
const PROCESS_STATE_VERSION = "1.3.0";

let knownSyscalls: Set<string> | undefined;
/** Whether the libseccomp in rt-exec resolves this syscall name. */
export function libseccompKnows(name: string): boolean {
  knownSyscalls ??= new Set(LIBSECCOMP_SYSCALLS);
  return knownSyscalls.has(name);
}

type Condition = [index: number, op: number, value: string, valueTwo: string];

/**
 * One rule's conditions as SECCOMP_RULE condition groups. As runc does: all
 * of them ANDed in one rule, unless two compare the same argument; then each
 * is a rule of its own, and any one of them matching is enough.
 */
export function conditionGroups(args: LinuxSyscallArg[] | undefined): Condition[][] {
  const conds: Condition[] = (args ?? []).map((a) => [
    a.index,
    SCMP_CMP[a.op],
    BigInt(a.value).toString(),
    a.op === "SCMP_CMP_MASKED_EQ" ? BigInt(a.valueTwo ?? 0).toString() : "0",
  ]);
  const indexes = new Set(conds.map((c) => c[0]));
  return indexes.size < conds.length ? conds.map((c) => [c]) : [conds];
}

export function seccompOps(ctx: PlanContext): SeccompOps {
  const sc = ctx.spec.linux?.seccomp;
  if (!sc) return { parent: [], filter: [] };
  const at = "linux.seccomp";
  const defaultAction = seccompAction(sc.defaultAction, sc.defaultErrnoRet);
  const flags = (sc.flags ?? []).reduce((m, f) => m | SECCOMP_FLAGS[f], 0);
  const archs = (sc.architectures ?? []).map((a) => SECCOMP_ARCHS[a]);
  const filter: PlanOp[] = [{ op: Op.SECCOMP_INIT, field: `${at}.defaultAction`, args: [defaultAction, flags, ...archs] }];
  let notify = false;
  (sc.syscalls ?? []).forEach((rule, i) => {
    const action = seccompAction(rule.action, rule.errnoRet);
    // Changes nothing, and libseccomp refuses it (as runc, skipped).
    if (action === defaultAction) return;
    const groups = conditionGroups(rule.args);
    rule.names.forEach((name, j) => {
      if (!libseccompKnows(name)) {
        ctx.warn(`${at}.syscalls[${i}].names[${j}]: unknown syscall ${JSON.stringify(name)} skipped (libseccomp ${LIBSECCOMP_VERSION} does not know it)`);
        return;
      }
      for (const g of groups) filter.push({ op: Op.SECCOMP_RULE, field: `${at}.syscalls[${i}] (${name})`, args: [name, action, ...g.flat()] });
      if (rule.action === "SCMP_ACT_NOTIFY") notify = true;
    });
  });
  if (!notify) {
    filter.push({ op: Op.SECCOMP_LOAD, field: at, args: [] });
    return { parent: [], filter };
  }
  // semantic.ts makes sure there is a listenerPath when NOTIFY is used.
  // A failed send names the listener in its message; a failed load is the filter's.
  filter.push({ op: Op.SECCOMP_LOAD, field: at, args: processStatePieces(ctx) });
  return { parent: [{ op: Op.SECCOMP_LISTENER, field: `${at}.listenerPath`, args: [sc.listenerPath ?? ""] }], filter };
}

/**
 * The container process state (config-linux.md) in the pieces that the
 * init's host pid joins: it is known only once the init is cloned, and the
 * state names it twice (its own `pid` and the container state's).
 */
function processStatePieces(ctx: PlanContext): string[] {
  const { spec, input } = ctx;
  const j = JSON.stringify;
  const metadata = spec.linux?.seccomp?.listenerMetadata;
  const annotations = spec.annotations && Object.keys(spec.annotations).length ? `,"annotations":${j(spec.annotations)}` : "";
  return [
    `{"ociVersion":${j(PROCESS_STATE_VERSION)},"fds":["seccompFd"],"pid":`,
    `,${metadata !== undefined ? `"metadata":${j(metadata)},` : ""}"state":{"ociVersion":${j(spec.ociVersion)},"id":${j(input.id ?? "")},"status":"creating","pid":`,
    `,"bundle":${j(input.bundle)}${annotations}}}`,
  ];
}
