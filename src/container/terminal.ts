// A foreground `rt run` whose process.terminal is true and that was given no
// --console-socket: rt is the console socket's other end itself. It listens
// on a socket in its state root (0700), has create send the pty master
// there (CONSOLE, CONSOLE_SETUP: native/PLAN.md), receives it, and joins
// it to its own stdio (host().attachTerminal: raw mode, window size, the
// copy loop). A detached run has nobody to hold the master: create then
// requires --console-socket, as runc does.
import { host } from "../sys/host.ts";
import * as path from "../sys/path.ts";
import { mkdirAll } from "../sys/files.ts";
import { RtError, describeSysError } from "../errors.ts";
import type { AttachedTerminal } from "../sys/host.ts";
import type { OperationContext } from "./context.ts";
import { createContainer, type CreateOptions, type Created } from "./create.ts";
import { deleteContainer } from "./delete.ts";

/**
 * Does the bundle ask for a terminal? Read without the validators: a broken
 * config.json is create's to report, by field; here it only means "no".
 */
export function wantsOwnTerminal(bundle: string | undefined): boolean {
  try {
    const doc = JSON.parse(host().readFile(path.join(bundle ?? host().cwd(), "config.json")));
    return doc?.process?.terminal === true;
  } catch {
    return false;
  }
}

export async function attachRunTerminal(ctx: OperationContext, id: string, opts: CreateOptions): Promise<{ created: Created; terminal: AttachedTerminal }> {
  // In the state root, which only root (or the rootless caller) can enter;
  // named by rt's pid, so concurrent runs never collide, and short enough
  // for sun_path whatever the id.
  const socket = path.join(ctx.store.root, `.console-${host().pid()}.sock`);
  let listener;
  try {
    mkdirAll(ctx.store.root, 0o700);
    listener = host().listenConsole(socket);
  } catch (e) {
    throw new RtError(`process.terminal: listening for the terminal on ${socket}: ${describeSysError(e)}`);
  }
  let created: Created | undefined;
  try {
    created = await createContainer(ctx, id, { ...opts, consoleSocket: socket }, "wait", true);
    const master = listener.receive();
    return { created, terminal: host().attachTerminal(master) };
  } catch (e) {
    if (created) { try { deleteContainer(ctx, id, true); } catch { /* the error being reported matters more */ } }
    if (e instanceof RtError) throw e;
    throw new RtError(`process.terminal: receiving the container's terminal: ${describeSysError(e)}`);
  } finally {
    listener.close();
  }
}
