import { describe, expect, it } from "vitest";
import { ownCgroup, resolveCgroupDir } from "../../src/cgroups/hierarchy.ts";
import * as path from "node:path";

describe("resolveCgroupDir", () => {
  const own = ownCgroup();
  it("nests the default and relative paths under the caller's own cgroup", () => {
    expect(resolveCgroupDir(undefined, "c1", "/sys/fs/cgroup")).toBe(path.posix.join("/sys/fs/cgroup", own, "rt-c1"));
    expect(resolveCgroupDir("a/b", "c1", "/m")).toBe(path.posix.join("/m", own, "a/b"));
  });
  it("takes absolute paths from the hierarchy root", () => {
    expect(resolveCgroupDir("/machine/c1", "c1", "/sys/fs/cgroup/unified")).toBe("/sys/fs/cgroup/unified/machine/c1");
  });
  it("understands slice:prefix:name", () => {
    expect(resolveCgroupDir("machine-pod.slice:libpod:abc", "abc", "/m")).toBe("/m/machine.slice/machine-pod.slice/libpod-abc.scope");
  });
  it("refuses paths that climb out of the hierarchy", () => {
    expect(() => resolveCgroupDir("/../../etc", "c1", "/m")).toThrow('linux.cgroupsPath: "/../../etc": ".." is not allowed');
    expect(() => resolveCgroupDir("../sibling", "c1", "/m")).toThrow(/".." is not allowed/);
    expect(() => resolveCgroupDir("/", "c1", "/m")).toThrow(/root cgroup/);
  });
});
