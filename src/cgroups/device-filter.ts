// The cgroup v2 device controller: a BPF_PROG_TYPE_CGROUP_DEVICE program,
// generated here as raw `struct bpf_insn`s (8 bytes each, little-endian) and
// loaded by the executor (DEVICE_FILTER in native/PLAN.md). It decides as the
// v1 model of src/cgroups/device-rules.ts does:
//
//   r2 = ctx->access_type & 0xffff   device type (BPF_DEVCG_DEV_BLOCK 1, CHAR 2)
//   r3 = ctx->access_type >> 16      access asked for (BPF_DEVCG_ACC_*)
//   r4 = ctx->major, r5 = ctx->minor
//   for each exception: if it matches, return the opposite of the default
//   return the default
//
// An exception matches like v1's: with default-deny, when it grants all of
// the access asked for; with default-allow, when it denies any part of it.
import { ACC_ALL, ANY, type DeviceException, type DeviceState } from "./device-rules.ts";

/** struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; } */
const CTX_ACCESS_TYPE = 0, CTX_MAJOR = 4, CTX_MINOR = 8;
export const DEV_TYPE = { b: 1, c: 2 } as const;

// Opcodes (linux/bpf_common.h, linux/bpf.h).
export const BPF = {
  LDX_MEM_W: 0x61, // dst = *(u32 *)(src + off)
  ALU32_AND_K: 0x54,
  ALU32_RSH_K: 0x74,
  ALU32_MOV_K: 0xb4,
  ALU32_MOV_X: 0xbc,
  JEQ_K: 0x15,
  JNE_K: 0x55,
  JNE_X: 0x5d,
  EXIT: 0x95,
} as const;

export interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

const R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5;
const NEXT = -1; // placeholder offset: "skip to the next block", resolved per block

function insn(code: number, dst: number, src = 0, off = 0, imm = 0): Insn {
  return { code, dst, src, off, imm };
}

/** The instructions (before encoding); exported for tests. */
export function deviceFilterInsns(state: DeviceState): Insn[] {
  const out: Insn[] = [
    insn(BPF.LDX_MEM_W, R2, R1, CTX_ACCESS_TYPE),
    insn(BPF.ALU32_AND_K, R2, 0, 0, 0xffff),
    insn(BPF.LDX_MEM_W, R3, R1, CTX_ACCESS_TYPE),
    insn(BPF.ALU32_RSH_K, R3, 0, 0, 16),
    insn(BPF.LDX_MEM_W, R4, R1, CTX_MAJOR),
    insn(BPF.LDX_MEM_W, R5, R1, CTX_MINOR),
  ];
  for (const e of state.exceptions) out.push(...block(e, !state.defaultAllow));
  out.push(insn(BPF.ALU32_MOV_K, R0, 0, 0, state.defaultAllow ? 1 : 0), insn(BPF.EXIT, 0));
  return out;
}

/** One exception: a run of "goto next block unless it matches", then return its verdict. */
function block(e: DeviceException, allow: boolean): Insn[] {
  const b: Insn[] = [insn(BPF.JNE_K, R2, 0, NEXT, DEV_TYPE[e.type])];
  if (e.access !== ACC_ALL) {
    b.push(insn(BPF.ALU32_MOV_X, R1, R3), insn(BPF.ALU32_AND_K, R1, 0, 0, e.access));
    // An allow grants only access it covers whole; a deny bites on any overlap.
    b.push(allow ? insn(BPF.JNE_X, R1, R3, NEXT) : insn(BPF.JEQ_K, R1, 0, NEXT, 0));
  }
  for (const [reg, value] of [[R4, e.major], [R5, e.minor]]) {
    if (value === ANY) continue;
    if (value <= 0x7fffffff) {
      b.push(insn(BPF.JNE_K, reg, 0, NEXT, value));
    } else {
      // The immediate is sign-extended to 64 bits; a 32-bit move is not.
      b.push(insn(BPF.ALU32_MOV_K, R1, 0, 0, value | 0), insn(BPF.JNE_X, reg, R1, NEXT));
    }
  }
  b.push(insn(BPF.ALU32_MOV_K, R0, 0, 0, allow ? 1 : 0), insn(BPF.EXIT, 0));
  // A jump's offset counts from the instruction after it.
  b.forEach((x, i) => { if (x.off === NEXT && x.code !== BPF.EXIT) x.off = b.length - (i + 1); });
  return b;
}

export function encodeInsns(insns: Insn[]): Uint8Array {
  const out = new Uint8Array(insns.length * 8);
  const v = new DataView(out.buffer);
  insns.forEach((x, i) => {
    v.setUint8(i * 8, x.code);
    v.setUint8(i * 8 + 1, (x.src << 4) | x.dst);
    v.setInt16(i * 8 + 2, x.off, true);
    v.setInt32(i * 8 + 4, x.imm | 0, true);
  });
  return out;
}

/** The program DEVICE_FILTER loads. */
export function deviceFilterProgram(state: DeviceState): Uint8Array {
  return encodeInsns(deviceFilterInsns(state));
}
