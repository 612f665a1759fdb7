// The plan's wire format (native/PLAN.md "Wire format"), decoded back here
// as rt-exec reads it: magic, then u32 opcode, u32 argc, u32-length args,
// little-endian, END last.
import { describe, expect, it } from "vitest";
import { encodePlan, Op, PLAN_MAGIC, type Plan } from "../../src/process/wire.ts";

function decode(bytes: Uint8Array): { op: number; args: Uint8Array[] }[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect(new TextDecoder().decode(bytes.slice(0, 8))).toBe(PLAN_MAGIC);
  let off = 8;
  const u32 = () => ((off += 4), view.getUint32(off - 4, true));
  const out: { op: number; args: Uint8Array[] }[] = [];
  while (off < bytes.length) {
    const op = u32(), argc = u32(), args: Uint8Array[] = [];
    for (let i = 0; i < argc; i++) {
      const len = u32();
      args.push(bytes.slice(off, (off += len)));
    }
    out.push({ op, args });
  }
  expect(off).toBe(bytes.length);
  return out;
}

describe("encodePlan", () => {
  it("writes every arg as its bytes: ASCII, UTF-8, numbers, bigints and binary", () => {
    const plan: Plan = [
      { op: Op.ARGS, args: ["probe", "", "é", "x\u{1F600}y", 42, -7, 2n ** 64n - 1n, new Uint8Array([0, 255, 7])], field: "" },
      { op: Op.SECCOMP_LOAD, args: [], field: "" },
    ];
    const ops = decode(encodePlan(plan));
    expect(ops.map((o) => o.op)).toEqual([Op.ARGS, Op.SECCOMP_LOAD, Op.END]);
    const text = ops[0].args.slice(0, 7).map((a) => new TextDecoder().decode(a));
    expect(text).toEqual(["probe", "", "é", "x\u{1F600}y", "42", "-7", "18446744073709551615"]);
    expect([...ops[0].args[7]]).toEqual([0, 255, 7]);
    expect(ops[1].args).toEqual([]);
    expect(ops[2].args).toEqual([]);
  });

  it("an empty plan is the magic and END", () => {
    expect([...encodePlan([])]).toEqual([...new TextEncoder().encode(PLAN_MAGIC), 0, 0, 0, 0, 0, 0, 0, 0]);
  });
});
