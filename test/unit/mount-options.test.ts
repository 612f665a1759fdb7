import { describe, expect, it } from "vitest";
import { parseMountOptions } from "../../src/linux/mount-options.ts";
import { MS } from "../../src/linux/constants.ts";

describe("parseMountOptions", () => {
  it("maps mount(8) flags and leaves filesystem options as data", () => {
    const o = parseMountOptions(["nosuid", "noexec", "nodev", "ro", "mode=755", "size=65536k"], "tmpfs", "mounts[0]");
    expect(o.flags).toBe(MS.NOSUID | MS.NOEXEC | MS.NODEV | MS.RDONLY);
    expect(o.data).toBe("mode=755,size=65536k");
    expect(o.bind).toBe(false);
  });
  it("a later option overrides an earlier one", () => {
    expect(parseMountOptions(["ro", "rw"], "tmpfs", "m").flags & MS.RDONLY).toBe(0);
    expect(parseMountOptions(["rw", "ro"], "tmpfs", "m").flags & MS.RDONLY).toBe(MS.RDONLY);
  });
  it("recognises bind, rbind and type bind", () => {
    expect(parseMountOptions(["rbind"], undefined, "m")).toMatchObject({ bind: true, recursive: true });
    expect(parseMountOptions([], "bind", "m")).toMatchObject({ bind: true, recursive: false });
  });
  it("separates propagation", () => {
    const o = parseMountOptions(["rbind", "rslave"], undefined, "m");
    expect(o.propagation).toBe(MS.SLAVE | MS.REC);
    expect(o.flags & MS.SLAVE).toBe(0);
  });
  it("maps recursive attributes to mount_setattr set/clear masks", () => {
    expect(parseMountOptions(["rbind", "rro", "rnosuid"], undefined, "m")).toMatchObject({ attrSet: 0x1 | 0x2, attrClr: 0 });
    expect(parseMountOptions(["rbind", "rro", "rrw"], undefined, "m")).toMatchObject({ attrSet: 0, attrClr: 0x1 });
    expect(parseMountOptions(["rbind", "rnoatime"], undefined, "m")).toMatchObject({ attrSet: 0x10, attrClr: 0x70 });
  });
  it("never passes idmap or ridmap to the filesystem (userns.ts plans them)", () => {
    expect(parseMountOptions(["rbind", "idmap", "ridmap", "size=1"], undefined, "mounts[4]")).toMatchObject({ bind: true, recursive: true, data: "size=1" });
  });
});
