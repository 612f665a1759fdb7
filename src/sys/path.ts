// POSIX path arithmetic (the subset rt uses), free of any host module so that
// it runs unchanged under Node and in the QuickJS executable.
import { host } from "./host.ts";

export function isAbsolute(p: string): boolean {
  return p.startsWith("/");
}

/** Collapses "//", "." and ".." (never above "/" for absolute paths). */
export function normalize(p: string): string {
  if (p === "") return ".";
  const abs = isAbsolute(p);
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length && out[out.length - 1] !== "..") out.pop();
      else if (!abs) out.push("..");
      continue;
    }
    out.push(part);
  }
  const body = out.join("/");
  if (abs) return "/" + body;
  return body || ".";
}

export function join(...parts: string[]): string {
  return normalize(parts.filter((p) => p !== "").join("/"));
}

/** Resolves against the current directory, like path.resolve. */
export function resolve(...parts: string[]): string {
  let acc = "";
  for (let i = parts.length - 1; i >= 0 && !isAbsolute(acc); i--) {
    if (parts[i]) acc = acc ? `${parts[i]}/${acc}` : parts[i];
  }
  if (!isAbsolute(acc)) acc = `${host().cwd()}/${acc}`;
  const n = normalize(acc);
  return n.length > 1 && n.endsWith("/") ? n.slice(0, -1) : n;
}

export function dirname(p: string): string {
  const n = p.length > 1 ? p.replace(/\/+$/, "") : p;
  const i = n.lastIndexOf("/");
  if (i < 0) return ".";
  if (i === 0) return "/";
  return n.slice(0, i);
}

export function basename(p: string): string {
  const n = p.replace(/\/+$/, "");
  return n.slice(n.lastIndexOf("/") + 1);
}

/** The path from `from` to `to`, both resolved. */
export function relative(from: string, to: string): string {
  const a = resolve(from).split("/").filter(Boolean);
  const b = resolve(to).split("/").filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => ".."), ...b.slice(i)].join("/");
}
