// The child cgroups of a cgroup directory: its subdirectories. A cgroup dir
// holds dozens of control files (a v1 memory cgroup about 50) and rarely a
// child, so names that are control files are passed over without an lstat
// each: `delete` walks every hierarchy the container is in, and that walk is
// on its fast path. A child named like a control file ("memory.x") would be
// missed; its parent's rmdir then fails with EBUSY, which is reported.
import { host } from "../sys/host.ts";
import * as path from "../sys/path.ts";

const CONTROL_FILE = /^(cgroup|cpu|cpuacct|cpuset|memory|devices|freezer|net_cls|net_prio|blkio|perf_event|hugetlb|pids|rdma|misc|io|irq)\.|^(tasks|notify_on_release|release_agent)$/;

export function childCgroups(dir: string): string[] {
  let names: string[] = [];
  try { names = host().readdir(dir); } catch { return []; }
  const out: string[] = [];
  for (const name of names) {
    if (CONTROL_FILE.test(name)) continue;
    const sub = path.join(dir, name);
    try { if (host().lstat(sub).isDirectory) out.push(sub); } catch { /* removed meanwhile */ }
  }
  return out;
}
