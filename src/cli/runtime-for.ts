import type { Globals } from "./main.ts";
import { RtError } from "../errors.ts";
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

/**
 * Commands that make cgroups (create, run, restore) refuse --systemd-cgroup:
 * rt has no systemd driver (it would ask systemd for a scope unit over
 * D-Bus), and placing the cgroup itself where systemd would is not what the
 * flag asks for. Fail closed. The other commands accept it, as engines pass
 * it to every call, and it changes nothing for them.
 */
export function refuseSystemdCgroup(g: Globals): void {
  if (g.systemdCgroup) throw new RtError("--systemd-cgroup: the systemd cgroup driver is not implemented yet (rt manages cgroups itself: use the engine's cgroupfs driver)");
}
