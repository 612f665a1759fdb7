// Limits that the kernel or rt's executor enforce on what a config carries,
// checked up front so that `validate` refuses what `create` would, naming the
// field (and not an op's argument index, or a broken pipe, at create time).
// They run after the schema has passed, so field types can be trusted here.
import { utf8Encode } from "../sys/utf8.ts";
import { parseIdList } from "../linux/process-attrs.ts";
import { MAX_OP_ARGS } from "../process/plan-limits.ts";
import type { Spec } from "../spec/types.ts";

/** native/plan.h: at most 65536 ops in a plan. Lists that become one op or more per entry are capped so that the sum stays below. */
export const MAX_LIST = 4096;
export const MAX_ENV = 16384;
/** <linux/utsname.h> __NEW_UTS_LEN: sethostname(2) and setdomainname(2) take at most 64 bytes. */
export const MAX_UTS_NAME = 64;
/** (uid_t)-1 and (gid_t)-1 are not ids: setresuid(2), chown(2) take them as "leave unchanged". */
const NO_ID = 4294967295;

type Add = (path: string, message: string) => void;

/** A NUL byte cannot reach the kernel in a C string: every string field, and every key, is checked. */
function nulIssues(v: unknown, at: string, add: Add, sub: (base: string, key: string | number) => string): void {
  if (typeof v === "string") {
    if (v.includes("\0")) add(at, "must not contain a NUL byte");
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => nulIssues(x, sub(at, i), add, sub));
  } else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      if (k.includes("\0")) add(sub(at, k), "key must not contain a NUL byte");
      else nulIssues(x, sub(at, k), add, sub);
    }
  }
}

export function limitIssues(spec: Spec, add: Add, sub: (base: string, key: string | number) => string): void {
  // process.args and process.env have their own wording in semantic.ts;
  // annotations never reach the kernel.
  for (const [k, v] of Object.entries(spec)) {
    if (k === "annotations") continue;
    if (k === "process" && v && typeof v === "object") {
      for (const [pk, pv] of Object.entries(v)) if (pk !== "args" && pk !== "env") nulIssues(pv, sub(sub("", "process"), pk), add, sub);
    } else {
      nulIssues(v, sub("", k), add, sub);
    }
  }

  for (const f of ["hostname", "domainname"] as const) {
    const name = spec[f];
    if (typeof name === "string" && utf8Encode(name).length > MAX_UTS_NAME) {
      add(f, `at most ${MAX_UTS_NAME} bytes (the kernel's limit; got ${utf8Encode(name).length})`);
    }
  }

  const proc = spec.process;
  const user = proc?.user;
  if (user) {
    if (user.uid === NO_ID) add("process.user.uid", `${NO_ID} is (uid_t)-1, which is no uid`);
    if (user.gid === NO_ID) add("process.user.gid", `${NO_ID} is (gid_t)-1, which is no gid`);
    user.additionalGids?.forEach((g, i) => {
      if (g === NO_ID) add(`process.user.additionalGids[${i}]`, `${NO_ID} is (gid_t)-1, which is no gid`);
    });
  }
  spec.linux?.devices?.forEach((d, i) => {
    if (d.uid === NO_ID) add(`linux.devices[${i}].uid`, `${NO_ID} is (uid_t)-1, which is no uid`);
    if (d.gid === NO_ID) add(`linux.devices[${i}].gid`, `${NO_ID} is (gid_t)-1, which is no gid`);
  });

  // Each of these lists is the arguments of one op of the plan.
  const lists: [string, unknown[] | undefined][] = [
    ["process.args", proc?.args],
    ["process.user.additionalGids", user?.additionalGids],
  ];
  for (const [at, list] of lists) {
    if (list && list.length > MAX_OP_ARGS) add(at, `${list.length} entries: rt takes at most ${MAX_OP_ARGS}`);
  }
  // A CPU list is one op whose arguments are the CPUs it expands to.
  for (const f of ["initial", "final"] as const) {
    const list = proc?.execCPUAffinity?.[f];
    if (typeof list !== "string") continue;
    let cpus: number[];
    try { cpus = parseIdList(list, ""); } catch { continue; } // worded by semantic.ts
    if (cpus.length > MAX_OP_ARGS) add(`process.execCPUAffinity.${f}`, `names ${cpus.length} CPUs: rt takes at most ${MAX_OP_ARGS}`);
  }

  // Lists of which each entry is one op or more (the plan takes 65536 ops in all).
  const many: [string, number, number][] = [
    ["process.env", proc?.env?.length ?? 0, MAX_ENV],
    ["mounts", spec.mounts?.length ?? 0, MAX_LIST],
    ["linux.maskedPaths", spec.linux?.maskedPaths?.length ?? 0, MAX_LIST],
    ["linux.readonlyPaths", spec.linux?.readonlyPaths?.length ?? 0, MAX_LIST],
    ["linux.devices", spec.linux?.devices?.length ?? 0, MAX_LIST],
    ["linux.sysctl", Object.keys(spec.linux?.sysctl ?? {}).length, MAX_LIST],
  ];
  for (const [at, n, most] of many) {
    if (n > most) add(at, `${n} entries: rt takes at most ${most}`);
  }
}
