// The ledger: README's "Spec coverage" section lists every leaf path of the
// config schema (spec-schemas/) with its status and the test that shows it.
// Fail closed means nothing the schema allows is accepted and dropped, so this
// test fails when the schema and the ledger, or the ledger and the refusal
// table (src/bundle/unsupported.ts), or the ledger and the tests drift apart.
//
// A ledger row:  | `path` | status | `test file` › test title |
//  - path: a leaf of the schema, written as below;
//  - status: `applied`, `validated only` (checked, and nothing to carry out),
//    or `refused: <reason>` (exactly the reason rt prints on this host); an
//    applied field with refused values says so after the word, `applied
//    (refused: …)`;
//  - test: a file under the repository and the title of one test in it (the
//    title appears in the file as a string literal).
//
// What counts as a leaf, walking from config.schema.json and following every
// $ref (into defs*.schema.json and config-linux.schema.json):
//  - a node with `properties` is not a leaf: each property is walked, `a.b`;
//  - a map (an object whose `additionalProperties` is a schema, no
//    `properties`) is walked through its values, `a.*` (`linux.sysctl.*`,
//    `linux.netDevices.*.name`);
//  - an array whose items are objects with properties (or maps) is walked
//    through its items, `a[]` (`mounts[].options`, `linux.seccomp.syscalls[].args[].op`);
//  - everything else is a leaf: scalars, arrays of scalars (`process.args`,
//    `process.capabilities.bounding`), objects with no properties of their own;
//  - the other platforms' objects (`windows`, `solaris`, `vm`, `zos`,
//    `freebsd`, defined in config-other-platforms.schema.json) are leaves as a
//    whole: the ledger covers the Linux portions, and rt refuses each of those
//    objects entire.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { REFUSALS, hostFacts } from "../../src/bundle/unsupported.ts";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SCHEMA_DIR = path.join(REPO, "spec-schemas");
const OTHER_PLATFORMS = "config-other-platforms.schema.json";

type Node = Record<string, any>;
interface Located { node: Node; file: string }

const schemaFiles = new Map<string, Node>();
function load(file: string): Node {
  if (!schemaFiles.has(file)) schemaFiles.set(file, JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, file), "utf8")));
  return schemaFiles.get(file)!;
}

/** Follows $refs (`defs.schema.json#/definitions/X`, `#/definitions/X`, `config-linux.schema.json`) to a node without one. */
function resolve(at: Located): Located {
  let { node, file } = at;
  for (let hops = 0; node.$ref !== undefined; hops++) {
    if (hops > 32) throw new Error(`$ref loop in ${file}`);
    const [target, pointer = ""] = String(node.$ref).split("#");
    if (target) file = target;
    node = load(file);
    for (const seg of pointer.split("/").filter(Boolean)) node = node?.[seg];
    if (!node) throw new Error(`unresolved $ref ${at.node.$ref} in ${at.file}`);
  }
  return { node, file };
}

const isMap = (n: Node) => !n.properties && n.additionalProperties !== null && typeof n.additionalProperties === "object";

/** Every leaf path of config.schema.json, by the rules above. */
function schemaLeaves(): string[] {
  const out: string[] = [];
  const walk = (at: Located, p: string) => {
    const { node, file } = resolve(at);
    if (file === OTHER_PLATFORMS) return void out.push(p);
    if (node.properties) {
      for (const [k, child] of Object.entries(node.properties as Record<string, Node>)) walk({ node: child, file }, p ? `${p}.${k}` : k);
      return;
    }
    if (isMap(node)) return walk({ node: node.additionalProperties, file }, `${p}.*`);
    if (node.items && typeof node.items === "object") {
      const items = resolve({ node: node.items, file });
      if (items.node.properties || isMap(items.node)) return walk(items, `${p}[]`);
    }
    out.push(p);
  };
  walk({ node: load("config.schema.json"), file: "config.schema.json" }, "");
  return out;
}

interface Row { line: number; path: string; status: string; file: string; title: string }

/** The rows of README's "Spec coverage" section; a line that starts like a row but is not one is an error. */
function ledger(): { rows: Row[]; malformed: string[] } {
  const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8").split("\n");
  const start = readme.findIndex((l) => /^## Spec coverage/.test(l));
  if (start < 0) throw new Error('README.md has no "## Spec coverage" section');
  const rows: Row[] = [];
  const malformed: string[] = [];
  for (let i = start + 1; i < readme.length && !/^## /.test(readme[i]); i++) {
    const l = readme[i];
    if (!l.startsWith("| `")) continue;
    const m = /^\| `([^`]+)` \| (.+?) \| `([^`]+)` › (.+?) \|$/.exec(l);
    if (m) rows.push({ line: i + 1, path: m[1], status: m[2], file: m[3], title: m[4] });
    else malformed.push(`README.md:${i + 1}: ${l}`);
  }
  return { rows, malformed };
}

/** Does the ledger path `row` lie at or under the refusal path `at`? */
const under = (row: string, at: string) => row === at || row.startsWith(`${at}.`) || row.startsWith(`${at}[`);
const reasonOf = (r: (typeof REFUSALS)[number]) => (typeof r.reason === "string" ? r.reason : r.reason(hostFacts()));
const literal = (text: string, s: string) => [`"${s}"`, `'${s}'`, `\`${s}\``].some((q) => text.includes(q));

describe("the ledger (README, Spec coverage)", () => {
  const leaves = schemaLeaves();
  const { rows, malformed } = ledger();
  const where = (r: Row) => `README.md:${r.line} ${r.path}`;

  it("finds the schema's leaves and the ledger's rows", () => {
    expect(leaves.length).toBeGreaterThan(150);
    expect(leaves).toContain("mounts[].options");
    expect(leaves).toContain("linux.sysctl.*");
    expect(leaves).toContain("linux.seccomp.syscalls[].args[].op");
    expect(malformed, "lines that look like ledger rows but are not").toEqual([]);
    expect(rows.length).toBeGreaterThan(0);
  });

  it("has a row for every leaf path of the config schema", () => {
    const listed = new Set(rows.map((r) => r.path));
    expect(leaves.filter((p) => !listed.has(p)), "schema paths missing from the ledger").toEqual([]);
  });

  it("names only paths the schema has, each once", () => {
    const known = new Set(leaves);
    expect(rows.filter((r) => !known.has(r.path)).map(where), "ledger rows for paths the schema does not have").toEqual([]);
    const seen = new Set<string>();
    expect(rows.filter((r) => seen.has(r.path) || !seen.add(r.path)).map(where), "duplicate rows").toEqual([]);
  });

  it("gives every row a status: applied, validated only, or refused with the reason", () => {
    expect(rows.filter((r) => !/^(applied|validated only|refused: \S)/.test(r.status)).map(where)).toEqual([]);
  });

  it("names for every row a test file that exists and contains that test title", () => {
    const bad: string[] = [];
    const texts = new Map<string, string | null>();
    for (const r of rows) {
      if (!texts.has(r.file)) {
        const f = path.join(REPO, r.file);
        texts.set(r.file, /\.test\.ts$/.test(r.file) && fs.existsSync(f) ? fs.readFileSync(f, "utf8") : null);
      }
      const text = texts.get(r.file);
      if (text === null || text === undefined) bad.push(`${where(r)}: no test file ${r.file}`);
      else if (!literal(text, r.title)) bad.push(`${where(r)}: ${r.file} has no test titled "${r.title}"`);
    }
    expect(bad).toEqual([]);
  });

  it("says refused exactly where src/bundle/unsupported.ts refuses, with the reason rt gives on this host", () => {
    const bad: string[] = [];
    for (const r of rows) {
      const covering = REFUSALS.filter((e) => under(r.path, e.path));
      const whole = covering.filter((e) => !e.when);
      if (r.status.startsWith("refused: ")) {
        const reason = r.status.slice("refused: ".length);
        if (!covering.length) bad.push(`${where(r)}: refused in the ledger, but no refusal in unsupported.ts covers it`);
        else if (!covering.some((e) => reasonOf(e) === reason)) bad.push(`${where(r)}: reason "${reason}" is not what rt says (${covering.map(reasonOf).join(" / ")})`);
      } else if (r.status.includes("refused")) {
        if (!covering.some((e) => e.when)) bad.push(`${where(r)}: names refused values, but no refusal in unsupported.ts picks values out here`);
      } else if (whole.length && r.status.startsWith("applied")) {
        bad.push(`${where(r)}: applied in the ledger, but unsupported.ts refuses ${whole[0].path}`);
      }
    }
    for (const e of REFUSALS) {
      if (!rows.some((r) => under(r.path, e.path) && r.status.includes("refused"))) bad.push(`unsupported.ts refuses ${e.path}, but no ledger row says so`);
    }
    expect(bad).toEqual([]);
  });
});
