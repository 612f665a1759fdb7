// --log/--log-format: where rt's own diagnostics go. Errors always reach
// stderr too; engines (containerd, CRI-O) read the log file as JSON lines.
import { printErr } from "./out.ts";
import { host } from "../sys/host.ts";

export type LogFormat = "text" | "json";

export class Logger {
  constructor(private readonly file: string | undefined, private readonly format: LogFormat, readonly debugEnabled: boolean) {}

  error(msg: string): void {
    printErr(`rt: ${msg}\n`);
    this.write("error", msg);
  }

  warn(msg: string): void {
    printErr(`rt: warning: ${msg}\n`);
    this.write("warning", msg);
  }

  debug(msg: string): void {
    if (!this.debugEnabled) return;
    if (!this.file) printErr(`rt: debug: ${msg}\n`);
    this.write("debug", msg);
  }

  private write(level: string, msg: string): void {
    if (!this.file) return;
    const time = new Date().toISOString();
    const line = this.format === "json" ? JSON.stringify({ level, msg, time }) : `time="${time}" level=${level} msg=${JSON.stringify(msg)}`;
    try {
      host().writeFile(this.file, line + "\n", 0o644, "a");
    } catch {
      /* the log is best effort; stderr already has the message */
    }
  }
}
