// The library API, in-process under Node: the engine cycle without a process
// start per step, the same validation and errors as the CLI.
import { afterAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { Runtime, RtError, createContainer, startContainer, waitContainer, killContainer, deleteContainer, containerState, listContainers } from "../../src/index.ts";
import { cleanupRoot, makeBundle, stateRoot, testSpec, tmpDir, uniqueId } from "../helpers.ts";

const root = stateRoot();
afterAll(() => cleanupRoot(root));

describe("library API", () => {
  it("create (watch) → start → wait for exit without polling → delete", async () => {
    const out = tmpDir();
    const rt = new Runtime({ root });
    const bundle = makeBundle(testSpec(["/bin/probe", "write", "/out/done", "yes"], (s) => { s.mounts!.push({ destination: "/out", source: out, options: ["rbind"] }); }));
    const id = uniqueId("lib");
    const created = await rt.create(id, { bundle, watch: true });
    expect(rt.state(id)).toMatchObject({ id, status: "created", pid: created.pid });
    rt.start(id);
    expect(await rt.wait(id)).toBe(0);
    expect(fs.readFileSync(path.join(out, "done"), "utf8")).toBe("yes");
    expect(rt.state(id).status).toBe("stopped");
    rt.delete(id);
    expect(() => rt.state(id)).toThrow(RtError);
  });

  it("reports the exit status and signals through wait", async () => {
    const rt = new Runtime({ root });
    const id = uniqueId("lib");
    await rt.create(id, { bundle: makeBundle(testSpec(["/bin/probe", "exit", "3"])), watch: true });
    rt.start(id);
    expect(await rt.wait(id)).toBe(3);
    rt.delete(id);
    const id2 = uniqueId("lib");
    await rt.create(id2, { bundle: makeBundle(testSpec(["/bin/probe", "sleep", "60"])), watch: true });
    rt.start(id2);
    rt.kill(id2, 9);
    expect(await rt.wait(id2)).toBe(128 + 9);
    rt.delete(id2);
  });

  it("gives the same field-naming errors as the CLI and leaves nothing behind", async () => {
    const rt = new Runtime({ root });
    const id = uniqueId("lib");
    const bundle = makeBundle(testSpec(["/bin/probe", "true"], (s) => { s.process!.rlimits = [{ type: "RLIMIT_NOPE", soft: 1, hard: 1 }]; }));
    await expect(rt.create(id, { bundle })).rejects.toThrow(/process\.rlimits\[0\]\.type/);
    expect(fs.existsSync(path.join(root, id))).toBe(false);
    expect(() => rt.wait(id)).toThrow(/not created with watch/);
  });

  it("the same cycle through the function-style API", async () => {
    const id = uniqueId("fn");
    const { pid } = await createContainer(id, { root, bundle: makeBundle(testSpec(["/bin/probe", "sleep", "60"])) });
    expect(containerState(id, { root })).toMatchObject({ id, status: "created", pid });
    expect(listContainers({ root }).map((s) => s.id)).toContain(id);
    startContainer(id, { root });
    expect(containerState(id, { root }).status).toBe("running");
    killContainer(id, "SIGKILL", { root });
    expect(await waitContainer(id, { root })).toBe(128 + 9);
    deleteContainer(id, { root });
    expect(fs.existsSync(path.join(root, id))).toBe(false);
  });

  it("the built package (dist/lib) runs the cycle in a plain Node process", () => {
    const id = uniqueId("pkg");
    const bundle = makeBundle(testSpec(["/bin/probe", "exit", "7"]));
    const lib = path.resolve(__dirname, "../../dist/lib/index.js");
    const script = `
      const rt = await import(${JSON.stringify(lib)});
      const o = { root: ${JSON.stringify(root)} };
      await rt.createContainer(${JSON.stringify(id)}, { ...o, bundle: ${JSON.stringify(bundle)} });
      rt.startContainer(${JSON.stringify(id)}, o);
      const status = await rt.waitContainer(${JSON.stringify(id)}, o);
      rt.deleteContainer(${JSON.stringify(id)}, o);
      console.log(JSON.stringify({ status }));`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ status: 7 });
    expect(fs.existsSync(path.join(root, id))).toBe(false);
  });
});
