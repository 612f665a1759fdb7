// node:fs, loaded on first use. In the Bun executable a top-level import of
// node:fs is evaluated at start-up and costs ≈ 2–3 ms of every invocation,
// even `rt --version`; through this proxy only commands that touch files pay.
import type * as NodeFs from "node:fs";

type Fs = typeof NodeFs;
let loaded: Fs | undefined;
const load = (): Fs => (loaded ??= (process as unknown as { getBuiltinModule(id: string): Fs }).getBuiltinModule("node:fs"));

export const fs: Fs = new Proxy({} as Fs, { get: (_target, key) => load()[key as keyof Fs] });
