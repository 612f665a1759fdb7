import type { Globals } from "./main.ts";
import { Runtime } from "../runtime.ts";
import { defaultStateRoot } from "../linux/rootless.ts";

/** The library Runtime configured from the global options. */
export function runtimeFor(g: Globals): Runtime {
  return new Runtime({
    root: g.root || defaultStateRoot(),
    debug: g.debug ? (m) => g.logger.debug(m) : undefined,
    warn: (m) => g.logger.warn(m),
  });
}
