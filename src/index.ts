// The package's library API: the same operations as the CLI, in-process.
//
//   import { Runtime } from "rt-runtime";
//   const rt = new Runtime({ root: "/run/rt" });
//   const c = await rt.create("web", { bundle: "/bundles/web" });
//   rt.start("web");
//   ...
import "./sys/host-node.ts";

export { Runtime, type RuntimeOptions, type CreateOptions, type Created, type DamagedEntry } from "./runtime.ts";
export { createContainer, startContainer, waitContainer, killContainer, deleteContainer, containerState, listContainers, type Where } from "./containers.ts";
export { RtError, UsageError } from "./errors.ts";
export { parseSignal } from "./signals.ts";
export type { Spec, State, Status } from "./spec/types.ts";
