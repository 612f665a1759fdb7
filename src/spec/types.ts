// TypeScript types of the OCI runtime-spec v1.3 config.json (Linux portions),
// state and features documents. Written from the spec text; field names follow it.

export interface Spec {
  ociVersion: string;
  root?: Root;
  mounts?: Mount[];
  process?: Process;
  hostname?: string;
  domainname?: string;
  hooks?: Hooks;
  annotations?: Record<string, string>;
  linux?: Linux;
  [platform: string]: unknown;
}

export interface Root {
  path: string;
  readonly?: boolean;
}

export interface Mount {
  destination: string;
  source?: string;
  type?: string;
  options?: string[];
  uidMappings?: IDMapping[];
  gidMappings?: IDMapping[];
}

export interface Process {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  cwd: string;
  env?: string[];
  args?: string[];
  commandLine?: string;
  rlimits?: POSIXRlimit[];
  apparmorProfile?: string;
  capabilities?: LinuxCapabilities;
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
  scheduler?: Scheduler;
  selinuxLabel?: string;
  ioPriority?: { class: "IOPRIO_CLASS_RT" | "IOPRIO_CLASS_BE" | "IOPRIO_CLASS_IDLE"; priority: number };
  execCPUAffinity?: { initial?: string; final?: string };
  /** Required on Linux (see src/bundle/semantic.ts); Windows uses username only. */
  user: User;
}

export interface User {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
  username?: string;
}

export interface POSIXRlimit {
  type: string;
  hard: number;
  soft: number;
}

export interface LinuxCapabilities {
  bounding?: string[];
  effective?: string[];
  inheritable?: string[];
  permitted?: string[];
  ambient?: string[];
}

export interface Scheduler {
  policy: string;
  nice?: number;
  priority?: number;
  flags?: string[];
  runtime?: number;
  deadline?: number;
  period?: number;
}

export interface Hook {
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}

export interface Hooks {
  prestart?: Hook[];
  createRuntime?: Hook[];
  createContainer?: Hook[];
  startContainer?: Hook[];
  poststart?: Hook[];
  poststop?: Hook[];
}

export type NamespaceType = "pid" | "network" | "mount" | "ipc" | "uts" | "user" | "cgroup" | "time";

export interface LinuxNamespace {
  type: NamespaceType;
  path?: string;
}

export interface IDMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface LinuxDevice {
  path: string;
  type: "c" | "b" | "u" | "p";
  major?: number;
  minor?: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

export interface LinuxDeviceCgroup {
  allow: boolean;
  type?: string;
  major?: number;
  minor?: number;
  access?: string;
}

export interface LinuxResources {
  devices?: LinuxDeviceCgroup[];
  memory?: {
    limit?: number;
    reservation?: number;
    swap?: number;
    kernel?: number;
    kernelTCP?: number;
    swappiness?: number;
    disableOOMKiller?: boolean;
    useHierarchy?: boolean;
    checkBeforeUpdate?: boolean;
  };
  cpu?: {
    shares?: number;
    quota?: number;
    burst?: number;
    period?: number;
    realtimeRuntime?: number;
    realtimePeriod?: number;
    cpus?: string;
    mems?: string;
    idle?: number;
  };
  pids?: { limit?: number };
  blockIO?: LinuxBlockIO;
  hugepageLimits?: { pageSize: string; limit: number }[];
  network?: { classID?: number; priorities?: { name: string; priority: number }[] };
  rdma?: Record<string, { hcaHandles?: number; hcaObjects?: number }>;
  unified?: Record<string, string>;
}

export interface Linux {
  namespaces?: LinuxNamespace[];
  uidMappings?: IDMapping[];
  gidMappings?: IDMapping[];
  timeOffsets?: Record<string, { secs?: number; nanosecs?: number }>;
  devices?: LinuxDevice[];
  netDevices?: Record<string, { name?: string }>;
  cgroupsPath?: string;
  resources?: LinuxResources;
  rootfsPropagation?: string;
  seccomp?: LinuxSeccomp;
  sysctl?: Record<string, string>;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  mountLabel?: string;
  intelRdt?: LinuxIntelRdt;
  memoryPolicy?: LinuxMemoryPolicy;
  personality?: { domain: "LINUX" | "LINUX32"; flags?: string[] };
}

export interface LinuxBlockIODevice {
  major: number;
  minor: number;
}

export interface LinuxBlockIO {
  weight?: number;
  leafWeight?: number;
  weightDevice?: (LinuxBlockIODevice & { weight?: number; leafWeight?: number })[];
  throttleReadBpsDevice?: (LinuxBlockIODevice & { rate: number })[];
  throttleWriteBpsDevice?: (LinuxBlockIODevice & { rate: number })[];
  throttleReadIOPSDevice?: (LinuxBlockIODevice & { rate: number })[];
  throttleWriteIOPSDevice?: (LinuxBlockIODevice & { rate: number })[];
}

export type SeccompAction =
  | "SCMP_ACT_KILL" | "SCMP_ACT_KILL_PROCESS" | "SCMP_ACT_KILL_THREAD" | "SCMP_ACT_TRAP" | "SCMP_ACT_ERRNO"
  | "SCMP_ACT_TRACE" | "SCMP_ACT_ALLOW" | "SCMP_ACT_LOG" | "SCMP_ACT_NOTIFY";

export type SeccompOperator =
  | "SCMP_CMP_NE" | "SCMP_CMP_LT" | "SCMP_CMP_LE" | "SCMP_CMP_EQ" | "SCMP_CMP_GE" | "SCMP_CMP_GT" | "SCMP_CMP_MASKED_EQ";

export interface LinuxSyscallArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: SeccompOperator;
}

export interface LinuxSyscall {
  names: string[];
  action: SeccompAction;
  errnoRet?: number;
  args?: LinuxSyscallArg[];
}

export interface LinuxSeccomp {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: LinuxSyscall[];
}

export interface LinuxIntelRdt {
  closID?: string;
  l3CacheSchema?: string;
  memBwSchema?: string;
  schemata?: string[];
  enableMonitoring?: boolean;
}

export interface LinuxMemoryPolicy {
  mode: string;
  nodes?: string;
  flags?: string[];
}

/** state.json as `rt state` prints it (runtime.md "State"). */
export type Status = "creating" | "created" | "running" | "paused" | "stopped";

export interface State {
  ociVersion: string;
  id: string;
  status: Status;
  pid?: number;
  bundle: string;
  annotations?: Record<string, string>;
}

/** The features document (features.md, features-linux.md). Every optional member may also be null. */
export interface Features {
  ociVersionMin: string;
  ociVersionMax: string;
  hooks?: string[] | null;
  mountOptions?: string[] | null;
  annotations?: Record<string, string> | null;
  potentiallyUnsafeConfigAnnotations?: string[] | null;
  linux?: LinuxFeatures | null;
}

export interface FeatureToggle {
  enabled?: boolean | null;
}

export interface LinuxFeatures {
  namespaces?: NamespaceType[] | null;
  capabilities?: string[] | null;
  cgroup?: { v1?: boolean | null; v2?: boolean | null; systemd?: boolean | null; systemdUser?: boolean | null; rdma?: boolean | null } | null;
  seccomp?: {
    enabled?: boolean | null;
    actions?: string[] | null;
    operators?: string[] | null;
    archs?: string[] | null;
    knownFlags?: string[] | null;
    supportedFlags?: string[] | null;
  } | null;
  apparmor?: FeatureToggle | null;
  selinux?: FeatureToggle | null;
  intelRdt?: { enabled?: boolean | null; schemata?: boolean | null; monitoring?: boolean | null } | null;
  memoryPolicy?: { modes?: string[] | null; flags?: string[] | null } | null;
  mountExtensions?: { idmap?: FeatureToggle | null } | null;
  netDevices?: FeatureToggle | null;
}
