// User namespaces: the id maps and setgroups written for a new one, what the
// init does first in one (become its root before any mount), how device
// nodes get into a container that cannot mknod, and idmapped mounts.
//
// Inside a new user namespace the init starts with the host ids it was
// cloned with, which are unmapped there (the overflow id, 65534): files it
// made would fail with EOVERFLOW, and devpts refuses such an owner. So its
// first ops are SETGID 0 / SETUID 0. setresuid(2) needs CAP_SETUID in the
// namespace, which the init has from clone; a change of uid to the
// namespace's root keeps the capability sets (commoncap only clears them
// when every uid leaves root), so the mounts, device binds and chowns that
// follow run with full capabilities as uid 0 of the namespace. uid and gid 0
// must be mapped for that: semantic.ts refuses a config where they are not.
import { RtError } from "../errors.ts";
import * as path from "../sys/path.ts";
import { Op } from "../process/wire.ts";
import type { IDMapping, Mount } from "../spec/types.ts";
import type { PlanContext, PlanOp } from "./context.ts";
import type { DeviceNode } from "./devices.ts";
import { parseMountOptions } from "./mount-options.ts";
import { callerIds, findHelper, ownIdOnly, subordinateRanges, uncoveredMapping } from "./rootless.ts";

export interface UserNamespaceOps {
  /**
   * Before any NS_JOIN: USERNS_FD and IDMAP_TREE for idmapped mounts. Idmapping a
   * host filesystem needs CAP_SYS_ADMIN in the initial user namespace, which the
   * executor loses once it joins another user namespace, and the init never has.
   */
  beforeJoin: PlanOp[];
  /** Before CLONE: SETGROUPS, UID_MAP, GID_MAP of a new user namespace. */
  parent: PlanOp[];
  /** First ops of the init, before any mount: SETGID 0, SETUID 0. */
  atStart: PlanOp[];
  /** The op that puts mounts[i] in place when it is idmapped (MOUNT_IDMAP), its target created as `create` says. */
  idmapMount(i: number, create: string): PlanOp | undefined;
  /** In a user namespace (new or joined): true. Character and block devices cannot be made there. */
  inUserNamespace: boolean;
  /** setgroups(2) is denied in the new namespace (rootless, own gid only): no SETGROUPS_IDS. */
  setgroupsDenied: boolean;
}

/** Whether mounts[i] is idmapped, and how: own mappings win (config.md), recursion only with ridmap. */
export function idmapOf(m: Mount): { recursive: boolean } | undefined {
  const opts = m.options ?? [];
  if (opts.includes("ridmap")) return { recursive: true };
  if (opts.includes("idmap") || m.uidMappings?.length || m.gidMappings?.length) return { recursive: false };
  return undefined;
}

export function userNamespaceOps(ctx: PlanContext): UserNamespaceOps {
  const linux = ctx.spec.linux;
  const newUserNs = ctx.ns.has("user") && !ctx.ns.join.some((j) => j.type === "user");
  const inUserNamespace = ctx.ns.has("user");
  const parent: PlanOp[] = [];
  const atStart: PlanOp[] = [];
  const caller = ctx.input.caller ?? callerIds();
  const rootless = caller.uid !== 0;
  if (rootless && !inUserNamespace) {
    throw new RtError(`linux.namespaces: rt run by uid ${caller.uid} (not root) needs a user namespace ("rt spec --rootless" writes such a config)`);
  }
  let setgroupsDenied = false;
  if (newUserNs) {
    if (!linux?.uidMappings?.length || !linux?.gidMappings?.length) {
      throw new RtError("linux.uidMappings: a new user namespace needs linux.uidMappings and linux.gidMappings");
    }
    if (!rootless) {
      // setgroups(2) stays allowed: root may write gid_map without denying it
      // (the kernel insists on "deny" only for a writer without CAP_SETGID
      // over the parent namespace), and process.user's additionalGids need
      // it. Written before gid_map, as the kernel requires.
      parent.push({ op: Op.SETGROUPS, field: "linux.gidMappings", args: ["allow"] });
      parent.push({ op: Op.UID_MAP, field: "linux.uidMappings", args: [idMap(linux.uidMappings)] });
      parent.push({ op: Op.GID_MAP, field: "linux.gidMappings", args: [idMap(linux.gidMappings)] });
    } else {
      // The namespace's owner may write a map of its own id alone; setgroups
      // must then be denied first (else any user could drop a group that
      // denies it access). Anything more goes through newuidmap/newgidmap,
      // which check /etc/subuid and /etc/subgid and leave setgroups allowed.
      parent.push(...rootlessMap("uid", linux.uidMappings, caller.uid));
      if (ownIdOnly(linux.gidMappings, caller.gid)) {
        setgroupsDenied = true;
        parent.push({ op: Op.SETGROUPS, field: "linux.gidMappings", args: ["deny"] });
      }
      parent.push(...rootlessMap("gid", linux.gidMappings, caller.gid));
      if (setgroupsDenied && ctx.spec.process?.user.additionalGids?.length) {
        throw new RtError(`process.user.additionalGids: cannot be set when rt, run by uid ${caller.uid}, maps only its own gid ${caller.gid} (setgroups is denied in that user namespace; newgidmap and a range in /etc/subgid allow it)`);
      }
    }
  }
  if (inUserNamespace) {
    const field = newUserNs ? "linux.uidMappings" : `linux.namespaces[${ctx.ns.join.find((j) => j.type === "user")!.index}].path`;
    atStart.push({ op: Op.SETGID, field: newUserNs ? "linux.gidMappings" : field, args: [0] });
    atStart.push({ op: Op.SETUID, field, args: [0] });
  }

  // Idmapped mounts: one USERNS_FD per distinct mapping, one tree per mount.
  const beforeJoin: PlanOp[] = [];
  const mountOps = new Map<number, PlanOp>();
  const usernsIndex = new Map<string, number>();
  let trees = 0;
  (ctx.spec.mounts ?? []).forEach((m, i) => {
    const idmap = idmapOf(m);
    if (!idmap) return;
    const field = `mounts[${i}] (${m.destination})`;
    if (rootless) throw new RtError(`mounts[${i}].options: idmapped mounts need root (idmapping a host filesystem needs CAP_SYS_ADMIN in the initial user namespace); rt runs as uid ${caller.uid}`);
    const opts = parseMountOptions(m.options, m.type, `mounts[${i}]`);
    // semantic.ts refuses these first; the plan never builds what it cannot honour.
    if (!opts.bind) throw new RtError(`mounts[${i}].options: idmapped mounts must be bind mounts ("bind" or "rbind")`);
    const own = m.uidMappings?.length ? m : undefined;
    if (!own && !newUserNs) throw new RtError(`mounts[${i}].options: idmap without the mount's own uidMappings/gidMappings needs a new user namespace with linux.uidMappings`);
    const maps: [string, string] = own
      ? [idMap(own.uidMappings!), idMap(own.gidMappings ?? [])]
      : [idMap(linux!.uidMappings!), idMap(linux!.gidMappings!)];
    const key = maps.join("|");
    let ui = usernsIndex.get(key);
    if (ui === undefined) {
      ui = usernsIndex.size;
      usernsIndex.set(key, ui);
      beforeJoin.push({ op: Op.USERNS_FD, field: own ? `mounts[${i}].uidMappings` : "linux.uidMappings", args: maps });
    }
    const source = path.resolve(ctx.input.bundle, m.source ?? "");
    beforeJoin.push({ op: Op.IDMAP_TREE, field, args: [source, ui, opts.recursive ? 1 : 0, idmap.recursive ? 1 : 0] });
    mountOps.set(i, { op: Op.MOUNT_IDMAP, field, args: [m.destination, "", ctx.input.rootfs, trees++] });
  });

  const idmapMount = (i: number, create: string): PlanOp | undefined => {
    const op = mountOps.get(i);
    return op && { ...op, args: [op.args[0], create, ...op.args.slice(2)] };
  };
  return { beforeJoin, parent, atStart, idmapMount, inUserNamespace, setgroupsDenied };
}

/** UID_MAP/GID_MAP for a non-root caller: its own id written directly, anything else by newuidmap/newgidmap. */
function rootlessMap(kind: "uid" | "gid", maps: IDMapping[], own: number): PlanOp[] {
  const field = `linux.${kind}Mappings`;
  const op = kind === "uid" ? Op.UID_MAP : Op.GID_MAP;
  if (ownIdOnly(maps, own)) return [{ op, field, args: [idMap(maps)] }];
  const name = kind === "uid" ? "newuidmap" : "newgidmap";
  const file = kind === "uid" ? "/etc/subuid" : "/etc/subgid";
  const helper = findHelper(name);
  if (!helper) throw new RtError(`${field}: maps host ids other than ${kind} ${own} (the caller's own): that needs ${name} (Debian package uidmap) and a range in ${file}`);
  const bad = uncoveredMapping(maps, own, subordinateRanges(file, own));
  if (bad >= 0) {
    const m = maps[bad];
    throw new RtError(`${field}[${bad}]: host ids ${m.hostID}…${m.hostID + m.size - 1} are neither ${kind} ${own} nor in its ranges in ${file}`);
  }
  return [{ op, field, args: [idMap(maps), helper] }];
}

/**
 * Device nodes in a user namespace: the kernel refuses mknod of a character
 * or block device there (it needs CAP_MKNOD in the initial namespace), so the
 * host's node at the same path is bind-mounted, as runc does. A bind cannot
 * change the node, so BIND_DEVICE checks the host's node is the one asked
 * for: type and numbers always, the mode and owner where the config sets
 * them (owner as host ids, through the maps). Fifos can still be made.
 */
export function bindDeviceOp(ctx: PlanContext, d: DeviceNode): PlanOp | undefined {
  if (d.type === "p") return undefined;
  const m = /^linux\.devices\[(\d+)\]$/.exec(d.field);
  const cfg = m ? ctx.spec.linux?.devices?.[Number(m[1])] : undefined;
  const linux = ctx.spec.linux;
  const hostId = (kind: "uid" | "gid", id: number | undefined): number => {
    if (id === undefined) return -1;
    const maps = kind === "uid" ? linux?.uidMappings : linux?.gidMappings;
    const joined = ctx.ns.join.some((j) => j.type === "user");
    if (joined || !maps?.length) throw new RtError(`${d.field}.${kind}: cannot be checked against the host's node in a user namespace joined by path`);
    const h = toHost(maps, id);
    if (h === undefined) throw new RtError(`${d.field}.${kind}: ${id} is not mapped in linux.${kind}Mappings`);
    return h;
  };
  return {
    op: Op.BIND_DEVICE,
    field: d.field,
    args: [d.path, ctx.input.rootfs, d.type, d.major, d.minor, cfg?.fileMode ?? -1, hostId("uid", cfg?.uid), hostId("gid", cfg?.gid)],
  };
}

/** The host id that container id `id` maps to, if any. */
export function toHost(maps: IDMapping[], id: number): number | undefined {
  const m = maps.find((x) => id >= x.containerID && id < x.containerID + x.size);
  return m ? m.hostID + (id - m.containerID) : undefined;
}

export function idMap(maps: { containerID: number; hostID: number; size: number }[]): string {
  return maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join("");
}
