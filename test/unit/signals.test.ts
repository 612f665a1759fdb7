import { describe, expect, it } from "vitest";
import { parseSignal, signalName } from "../../src/signals.ts";

describe("parseSignal", () => {
  it("accepts names with and without SIG, any case, and numbers", () => {
    expect(parseSignal("TERM")).toBe(15);
    expect(parseSignal("SIGKILL")).toBe(9);
    expect(parseSignal("sigusr1")).toBe(10);
    expect(parseSignal("2")).toBe(2);
    expect(parseSignal("RTMIN+2")).toBe(36);
    expect(parseSignal("SIGRTMAX")).toBe(64);
  });
  it("defaults to SIGTERM", () => expect(parseSignal(undefined)).toBe(15));
  it("rejects unknown names and out-of-range numbers, naming them", () => {
    expect(() => parseSignal("FOO")).toThrow(/unknown signal "FOO"/);
    expect(() => parseSignal("0")).toThrow(/invalid signal "0"/);
    expect(() => parseSignal("65")).toThrow(/invalid signal "65"/);
  });
  it("names numbers back", () => expect(signalName(15)).toBe("SIGTERM"));
});
