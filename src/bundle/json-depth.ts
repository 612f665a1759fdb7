// How deeply a JSON text nests, found before JSON.parse: the engines' parsers
// recurse, and a document of 100,000 "[" would end in a stack overflow (a
// RangeError or QuickJS's InternalError) that names no place.

/** No config or state nests anywhere near this deep (the schema's deepest leaf is 7 levels down). */
export const MAX_JSON_DEPTH = 64;

/** Where the text first opens more than maxDepth arrays or objects, as "line L, column C"; undefined if it never does. */
export function tooDeep(text: string, maxDepth = MAX_JSON_DEPTH): string | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return position(text, i);
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return undefined;
}

function position(text: string, offset: number): string {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return `line ${line}, column ${offset - start + 1}`;
}
