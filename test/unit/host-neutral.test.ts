// The host-neutral replacements for node:path, TextEncoder and util.parseArgs
// (the QuickJS executable has none of them) must agree with the originals.
import { describe, expect, it } from "vitest";
import * as nodePath from "node:path";
import * as path from "../../src/sys/path.ts";
import { utf8Encode } from "../../src/sys/utf8.ts";
import { parseCommand } from "../../src/cli/parse.ts";

const samples = ["/", "/a", "/a/", "//a//b/", "/a/./b/../c", "/..", "/../x", "a/b", "a/../..", "./a", "", ".", "..", "a//b/./c/..", "/a/b/c/../../..", "/a/b/"];

describe("path", () => {
  it("normalize, join, dirname, basename agree with node:path.posix", () => {
    for (const s of samples) {
      expect(path.normalize(s), s).toBe(nodePath.posix.normalize(s).replace(/(.)\/$/, "$1"));
      if (s) {
        expect(path.dirname(s), s).toBe(nodePath.posix.dirname(s));
        expect(path.basename(s), s).toBe(nodePath.posix.basename(s));
      }
      expect(path.join("/x", s), s).toBe(nodePath.posix.join("/x", s).replace(/(.)\/$/, "$1"));
    }
  });

  it("resolve and relative agree with node:path (against the current directory)", () => {
    for (const s of samples) {
      expect(path.resolve(s), s).toBe(nodePath.resolve(s));
      expect(path.resolve("/base", s), s).toBe(nodePath.resolve("/base", s));
      expect(path.relative("/a/b", path.resolve("/", s)), s).toBe(nodePath.relative("/a/b", nodePath.resolve("/", s)));
    }
  });
});

describe("utf8Encode", () => {
  it("matches TextEncoder on ASCII, multi-byte, astral and lone surrogates", () => {
    for (const s of ["", "plain", "été", "日本語", "😀 x", "a\u0000b", "\ud800x", "x\udfff"]) {
      expect(Array.from(utf8Encode(s)), JSON.stringify(s)).toEqual(Array.from(new TextEncoder().encode(s)));
    }
  });
});

describe("parseCommand", () => {
  const opts = { bundle: { type: "string", short: "b" }, detach: { type: "boolean", short: "d" } } as const;
  const parse = (argv: string[]) => parseCommand("run", argv, opts, { min: 1, max: 2, names: "<id>" });

  it("takes long, --name=value, short forms and positionals in any order", () => {
    expect(parse(["--bundle", "/b", "c1"])).toEqual({ values: { bundle: "/b" }, positionals: ["c1"] });
    expect(parse(["c1", "--bundle=/b", "-d"])).toEqual({ values: { bundle: "/b", detach: true }, positionals: ["c1"] });
    expect(parse(["-b", "/b", "c1", "--", "--not-an-option"])).toEqual({ values: { bundle: "/b" }, positionals: ["c1", "--not-an-option"] });
  });

  it("names the offending argument and shows the usage", () => {
    expect(() => parse(["--bogus", "c1"])).toThrow(/run: unknown option '--bogus'\nusage: rt run \[--bundle <value>\] \[--detach\] <id>/);
    expect(() => parse(["c1", "--bundle"])).toThrow(/option '--bundle <value>' needs a value/);
    expect(() => parse(["c1", "--detach=yes"])).toThrow(/option '--detach' takes no value/);
    expect(() => parse([])).toThrow(/expected <id>, got 0 argument/);
    expect(() => parse(["a", "b", "c"])).toThrow(/got 3 argument/);
  });

  it("--help needs no positionals", () => {
    expect(parse(["--help"]).values.help).toBe(true);
  });
});
