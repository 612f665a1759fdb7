// The leaf paths of the config schema in spec-schemas/, for the ledger test
// (ledger.test.ts) and for anyone adding rows to the README's ledger.
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
//    `process.capabilities.bounding`), and objects with no properties of their own;
//  - the other platforms' objects (`windows`, `solaris`, `vm`, `zos`,
//    `freebsd`, from config-other-platforms.schema.json) are leaves as a
//    whole: the ledger covers the Linux portions, and rt refuses each of
//    those objects entire.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const SCHEMA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../spec-schemas");
const OTHER_PLATFORMS = "config-other-platforms.schema.json";

type Node = Record<string, any>;
interface Located { node: Node; file: string }

const files = new Map<string, Node>();
function load(file: string): Node {
  let doc = files.get(file);
  if (!doc) {
    doc = JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, file), "utf8")) as Node;
    files.set(file, doc);
  }
  return doc;
}

/** Follows $refs (`defs.schema.json#/definitions/X`, `#/definitions/X`, `config-linux.schema.json`) until a node has none. */
function resolve(at: Located): Located {
  let { node, file } = at;
  for (let hops = 0; node.$ref !== undefined; hops++) {
    if (hops > 32) throw new Error(`$ref loop at ${file}`);
    const [target, pointer = ""] = String(node.$ref).split("#");
    if (target) file = target;
    node = load(file);
    for (const seg of pointer.split("/").filter(Boolean)) node = node[seg];
    if (!node) throw new Error(`unresolved $ref ${at.node.$ref} in ${at.file}`);
  }
  return { node, file };
}

const isMap = (n: Node) => !n.properties && n.additionalProperties && typeof n.additionalProperties === "object";

/** Every leaf path of config.schema.json, in schema order. */
export function schemaLeaves(): string[] {
  const out: string[] = [];
  const walk = (at: Located, p: string) => {
    const { node, file } = resolve(at);
    if (file === OTHER_PLATFORMS) return void out.push(p);
    if (node.properties) {
      for (const [k, child] of Object.entries(node.properties as Record<string, Node>)) {
        walk({ node: child, file }, p ? `${p}.${k}` : k);
      }
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
