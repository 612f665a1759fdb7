// Types of the modules the QuickJS executable offers (native/host/SYS.md).

declare module "rt:sys" {
  export const argv: string[];
  export function readFile(path: string, maxBytes?: number): string;
  export function writeFile(path: string, data: string, mode: number, how: "w" | "a" | "wx"): void;
  export function open(path: string, flags: number, mode?: number): number;
  export function close(fd: number): void;
  export function read(fd: number, max: number): Uint8Array;
  export function write(fd: number, data: string | Uint8Array, offset?: number): number;
  export function utf8Decode(bytes: Uint8Array): string;
  export function utf8Encode(s: string): Uint8Array;
  export function rename(from: string, to: string): void;
  export function mkdir(path: string, mode: number): void;
  export function rmdir(path: string): void;
  export function unlink(path: string): void;
  export interface Stat { mode: number; uid: number; gid: number; size: number; ino: number; dev: number }
  export function lstat(path: string): Stat;
  export function stat(path: string): Stat;
  export function readdir(path: string): string[];
  export function realpath(path: string): string;
  export function getcwd(): string;
  export function readlink(path: string): string;
  export function getpid(): number;
  export function getuid(): number;
  export function geteuid(): number;
  export function getenv(name: string): string | undefined;
  export function kill(pid: number, sig: number): void;
  /** Blocks these signals and returns a non-blocking signalfd for them. */
  export function signalfd(signals: number[]): number;
  /** The number of the next pending signal read from a signalfd; 0 if none. */
  export function readSignal(fd: number): number;
  export function unblockSignals(signals: number[]): void;
  export function socketpair(): [number, number];
  export function spawn(path: string, argv: string[], env: string[], fds: number[]): number;
  export function waitpid(pid: number, flags: number): [number, number];
  /** Runs a program to its end: text on stdin, rt's stderr as stdout/stderr; killed after timeoutMs (0: no limit). [wait status, timed out]. */
  export function run(path: string, argv: string[], env: string[], stdin: string, timeoutMs: number): [number, boolean];
  export function sleep(ms: number): void;
  /** sys_tty.c: a console socket rt listens on, raw mode, window sizes. */
  export function unixListen(path: string): number;
  export function recvFd(listenFd: number): number;
  export function ttyMakeRaw(fd: number): Uint8Array;
  export function ttyRestore(fd: number, saved: Uint8Array): void;
  export function ttyGetSize(fd: number): [number, number] | null;
  export function ttySetSize(fd: number, rows: number, cols: number): void;
  export function setNonblock(fd: number, on: boolean): void;
  export function exit(code: number): never;
  export const O_RDONLY: number, O_WRONLY: number, O_RDWR: number, O_CREAT: number, O_EXCL: number,
    O_TRUNC: number, O_APPEND: number, O_NONBLOCK: number, O_DIRECTORY: number, O_NOFOLLOW: number;
  export const S_IFMT: number, S_IFDIR: number, S_IFREG: number, S_IFIFO: number, S_IFLNK: number;
  export const WNOHANG: number, SIGCHLD: number;
  export const signals: Record<string, number>;
}

declare module "qjs:os" {
  export function setReadHandler(fd: number, handler: (() => void) | null): void;
  export function setTimeout(fn: () => void, ms: number): unknown;
  export function clearTimeout(t: unknown): void;
}
