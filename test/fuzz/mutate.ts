// A seeded, bounded mutation engine over JSON documents and argument vectors:
// the same seed gives the same cases, so any failure is replayed by its seed
// and case number (see fuzz-config.test.ts, `npm run fuzz`).

/** mulberry32: small, fast, and good enough to spread mutations. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rand = () => number;
export const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const int = (r: Rand, n: number) => Math.floor(r() * n);

/** Values that have broken runtimes: edges of the integer types, odd strings, wrong shapes. */
const STRINGS = [
  "", " ", "a\0b", "\0", "a\nb", "/x\ny", "..", "../../../etc", "/", "//", "/proc/self/exe", "/dev/zero", "/sys/fs/cgroup", "%d", "%s%n", "é", "\u{1F600}",
  "x".repeat(65), "y".repeat(256), "z".repeat(5000), "1", "-1", "0x10", "rw", "bind", "rbind", "ro", "nosuid", "idmap", "tmpfs", "proc",
  "CAP_SYS_ADMIN", "CAP_NOPE", "RLIMIT_NOFILE", "SCHED_FIFO", "MPOL_BIND", "net.ipv4.ip_forward", "vm.swappiness", "kernel.shmmax",
  "user", "network", "mount", "pid", "uts", "ipc", "cgroup", "time", "c", "b", "p", "u", "a", "rwm", "1.3.0", "2.0.0", "1.0.0-rc1",
];
const NUMBERS = [0, 1, -1, 2, 7, 64, 65, 255, 256, 4095, 4096, 4097, 65535, 65536, 2147483647, 2147483648, 4294967294, 4294967295, 4294967296,
  -2147483648, 9007199254740991, -9007199254740991, 1e300, 0.5, -0.0];

function randomValue(r: Rand, depth = 0): unknown {
  switch (int(r, depth > 2 ? 4 : 7)) {
    case 0: return pick(r, STRINGS);
    case 1: return pick(r, NUMBERS);
    case 2: return pick(r, [true, false, null]);
    case 3: return pick(r, STRINGS) + pick(r, STRINGS);
    case 4: return Array.from({ length: int(r, 4) }, () => randomValue(r, depth + 1));
    case 5: return Object.fromEntries(Array.from({ length: int(r, 3) }, () => [pick(r, STRINGS), randomValue(r, depth + 1)]));
    default: return Array.from({ length: pick(r, [4096, 4097, 5000]) }, () => pick(r, [1, "x"]));
  }
}

type Slot = { parent: Record<string, unknown> | unknown[]; key: string | number };

/** Every place in the document where a value sits. */
function slots(doc: unknown): Slot[] {
  const out: Slot[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach((x, i) => { out.push({ parent: v, key: i }); walk(x); });
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) { out.push({ parent: v as Record<string, unknown>, key: k }); walk(x); }
  };
  walk(doc);
  return out;
}

function mutateValue(r: Rand, v: unknown): unknown {
  if (typeof v === "number") return pick(r, [v + 1, v - 1, -v, v * 65536, pick(r, NUMBERS), String(v)]);
  if (typeof v === "string") {
    switch (int(r, 5)) {
      case 0: return v + pick(r, STRINGS);
      case 1: return v.slice(0, int(r, v.length + 1));
      case 2: return v.replace(/./, pick(r, ["\0", "/", ".", "%", "é"]));
      case 3: return v.repeat(pick(r, [2, 100]));
      default: return pick(r, STRINGS);
    }
  }
  if (Array.isArray(v)) return v.length && r() < 0.5 ? [...v, ...v] : [];
  return randomValue(r);
}

/** One to four changes to a copy of doc: a value replaced or perturbed, a key removed or added, an entry duplicated. */
export function mutateDoc(r: Rand, doc: unknown, most = 4): unknown {
  const copy = JSON.parse(JSON.stringify(doc));
  for (let n = 1 + int(r, most); n > 0; n--) {
    const all = slots(copy);
    if (!all.length) return randomValue(r);
    const { parent, key } = pick(r, all);
    const p = parent as Record<string | number, unknown>;
    switch (int(r, 6)) {
      case 0:
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete p[key];
        break;
      case 1: p[key] = randomValue(r); break;
      case 2: {
        const v = p[key];
        if (v && typeof v === "object" && !Array.isArray(v)) (v as Record<string, unknown>)[pick(r, STRINGS)] = randomValue(r);
        else if (Array.isArray(v)) v.push(v.length ? v[int(r, v.length)] : randomValue(r));
        else p[key] = mutateValue(r, v);
        break;
      }
      default: p[key] = mutateValue(r, p[key]);
    }
  }
  return copy;
}

/** Text-level damage now and then: cut short, a byte changed, nested very deep. */
export function mutateText(r: Rand, text: string): string {
  switch (int(r, 4)) {
    case 0: return text.slice(0, int(r, text.length));
    case 1: { const i = int(r, text.length); return text.slice(0, i) + pick(r, ["{", "}", "[", "\"", "\\", ",", "\0", "\uFFFD"]) + text.slice(i + 1); }
    case 2: return `{"ociVersion":"1.3.0","annotations":${"[".repeat(pick(r, [63, 64, 65, 1000, 200000]))}`;
    default: return text + pick(r, ["", "x", "{}", " ".repeat(1024 * 1024)]);
  }
}

/** An argument vector from the command's vocabulary, changed at one to three places. */
export function mutateArgv(r: Rand, vocab: readonly string[], base: readonly string[]): string[] {
  const argv = [...base];
  for (let n = 1 + int(r, 3); n > 0; n--) {
    const i = int(r, argv.length + 1);
    switch (int(r, 4)) {
      case 0: argv.splice(i, 1); break;
      case 1: argv.splice(i, 0, pick(r, vocab)); break;
      case 2: if (argv.length) argv[Math.min(i, argv.length - 1)] = pick(r, vocab); break;
      default: if (i < argv.length) argv[i] = `${argv[i]}=${pick(r, vocab)}`; break;
    }
  }
  return argv;
}
