// What state.json must be before rt acts on it (src/state/record.ts).
import { describe, expect, it } from "vitest";
import { checkRecord } from "../../src/state/record.ts";

const good = { ociVersion: "1.3.0", id: "a", pid: 10, pidStartTime: "5", bundle: "/b", cgroupDir: "/sys/fs/cgroup/rt-a", cgroupCreated: ["/sys/fs/cgroup/rt-a"] };

describe("checkRecord", () => {
  it("accepts a record of this container, creating or not", () => {
    expect(checkRecord(good, "a")).toBeNull();
    expect(checkRecord({ ...good, creating: true, creator: { pid: 3, startTime: "9" } }, "a")).toBeNull();
  });
  const bad: [string, unknown, RegExp][] = [
    ["null", null, /not a JSON object/],
    ["an array", [good], /not a JSON object/],
    ["{}", {}, /its id is undefined/],
    ["another container's", { ...good, id: "b" }, /its id is "b", not "a"/],
    ["a string pid", { ...good, pid: "10" }, /pid is not a number/],
    ["a negative pid", { ...good, pid: -1 }, /pid is not a pid/],
    ["a fractional pid", { ...good, pid: 1.5 }, /pid is not a pid/],
    ["cgroupCreated not a list", { ...good, cgroupCreated: "/x" }, /cgroupCreated is not a list/],
    ["cgroupCreated with a number", { ...good, cgroupCreated: [1] }, /cgroupCreated is not a list/],
    ["a mistyped devicesV1Created", { ...good, devicesV1Created: {} }, /devicesV1Created/],
    ["a mistyped creating", { ...good, creating: "yes" }, /creating is not a boolean/],
    ["a creator without a start time", { ...good, creator: { pid: 3 } }, /creator is not a process/],
    ["null annotations", { ...good, annotations: null }, /annotations is not an object/],
  ];
  for (const [what, value, why] of bad) it(`refuses ${what}`, () => expect(checkRecord(value, "a")).toMatch(why));
});
