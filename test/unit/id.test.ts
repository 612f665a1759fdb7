import { describe, expect, it } from "vitest";
import { validateId } from "../../src/state/id.ts";

describe("validateId", () => {
  it("accepts engine-style ids", () => {
    for (const id of ["abc", "a1b2c3d4e5f6", "my_container-1.2+x", "0"]) expect(validateId(id)).toBe(id);
  });
  it("rejects ids that could name another path", () => {
    for (const id of ["", ".", "..", "a/b", "../x", "a\0b", ".hidden", "-x", "a b", "x".repeat(1025)]) {
      expect(() => validateId(id)).toThrow(/container id/);
    }
  });
});
