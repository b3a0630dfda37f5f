/**
 * Docker's resolution of a profile file before runc sees it (O2 of
 * spec/18-oci.md): `archMap` picks the machine's architecture and its
 * sub-architectures; each rule's `includes` and `excludes` keep or drop it
 * by the container's capabilities, the machine's architecture (Go's name:
 * amd64, x86...) and the running kernel's version.
 */
import type { ArchName, DockerFilter, Profile, ProfileRule } from './profile.ts';

/** What Docker's conditions are resolved against. */
export interface DockerContext {
  /** The machine's architecture as Docker names it (Go's GOARCH mapped: amd64, x86, arm64...). */
  readonly arch: string;
  /** The container's bounding capabilities, `CAP_` names. */
  readonly caps: readonly string[];
  /** The running kernel's version, [major, minor]. */
  readonly kernel: readonly [number, number];
}

/** The capabilities `docker run` grants by default (Docker's oci.DefaultCapabilities). */
export const DOCKER_DEFAULT_CAPS: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Docker's architecture name for Node's `process.arch` (its GOARCH to "native" table). */
export const dockerArchOf = (nodeArch: string): string =>
  ({
    x64: 'amd64',
    ia32: 'x86',
    arm64: 'arm64',
    arm: 'arm',
    ppc64: 'ppc64le',
    s390x: 's390x',
    s390: 's390',
    mips: 'mipsle',
  })[nodeArch] ?? nodeArch;

/** The libseccomp architecture of Docker's native architecture name (its nativeToSeccomp table). */
const SECCOMP_ARCH_OF: Readonly<Record<string, ArchName>> = {
  x86: 'SCMP_ARCH_X86',
  amd64: 'SCMP_ARCH_X86_64',
  arm: 'SCMP_ARCH_ARM',
  arm64: 'SCMP_ARCH_AARCH64',
  mips64: 'SCMP_ARCH_MIPS64',
  mips64n32: 'SCMP_ARCH_MIPS64N32',
  mipsel64: 'SCMP_ARCH_MIPSEL64',
  mips3l64n32: 'SCMP_ARCH_MIPSEL64N32',
  mipsle: 'SCMP_ARCH_MIPSEL',
  ppc: 'SCMP_ARCH_PPC',
  ppc64: 'SCMP_ARCH_PPC64',
  ppc64le: 'SCMP_ARCH_PPC64LE',
  s390: 'SCMP_ARCH_S390',
  s390x: 'SCMP_ARCH_S390X',
};

/** `CAP_SYS_ADMIN`, `sys_admin` and `SYS_ADMIN` all name CAP_SYS_ADMIN. */
export const capName = (c: string): string => {
  const u = c.trim().toUpperCase();
  return u.startsWith('CAP_') ? u : `CAP_${u}`;
};

/** "X.Y[.Z...]" (e.g. os.release()'s "6.1.0-18-amd64") as [X, Y], or undefined. */
export function kernelVersion(release: string): readonly [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m === null ? undefined : [Number(m[1]), Number(m[2])];
}

const atLeast = (k: readonly [number, number], v: readonly [number, number]): boolean =>
  k[0] > v[0] || (k[0] === v[0] && k[1] >= v[1]);

/** Why Docker dropped a rule, in words, or undefined when it keeps it. */
export function dockerDrops(rule: ProfileRule, ctx: DockerContext): string | undefined {
  const has = (c: string): boolean => ctx.caps.includes(capName(c));
  const ex: DockerFilter = rule.excludes;
  const inc: DockerFilter = rule.includes;
  if (ex.arches.includes(ctx.arch)) return `excludes.arches lists ${ctx.arch}, the machine's architecture`;
  const exCap = ex.caps.find(has);
  if (exCap !== undefined) return `excludes.caps lists ${capName(exCap)}, which the container has`;
  if (ex.minKernel !== undefined && atLeast(ctx.kernel, ex.minKernel))
    return `excludes.minKernel is ${ex.minKernel.join('.')} and the kernel is ${ctx.kernel.join('.')}`;
  if (inc.arches.length > 0 && !inc.arches.includes(ctx.arch))
    return `includes.arches is [${inc.arches.join(', ')}], without ${ctx.arch}, the machine's architecture`;
  const missing = inc.caps.find((c) => !has(c));
  if (missing !== undefined) return `includes.caps needs ${capName(missing)}, which the container lacks`;
  if (inc.minKernel !== undefined && !atLeast(ctx.kernel, inc.minKernel))
    return `includes.minKernel is ${inc.minKernel.join('.')} and the kernel is ${ctx.kernel.join('.')}`;
  return undefined;
}

/** A rule Docker removed, and the condition that removed it. */
export interface RemovedRule {
  readonly index: number;
  readonly names: readonly string[];
  readonly reason: string;
}

/** A profile as runc receives it: the rules Docker kept (with their index in the file) and the architectures. */
export interface ResolvedProfile {
  readonly profile: Profile;
  /** For each rule of `profile.syscalls`, its index in the file. */
  readonly indices: readonly number[];
  readonly removed: readonly RemovedRule[];
}

/**
 * O2 Docker's resolution: with `archMap`, the architectures are the entry
 * for the machine's architecture and its sub-architectures (none when no
 * entry matches: libseccomp then has the native one only); each rule is
 * kept or removed by its conditions, checked in Docker's order (excludes
 * arches, caps, minKernel; then includes arches, caps, minKernel). A
 * config.json's profile is returned as it is: runc has no such conditions.
 */
export function resolveDocker(p: Profile, ctx: DockerContext): ResolvedProfile {
  if (p.shape === 'config') return { profile: p, indices: p.syscalls.map((_, i) => i), removed: [] };
  const native = SECCOMP_ARCH_OF[ctx.arch];
  const entry = p.archMap.find((a) => a.architecture === native);
  const architectures =
    p.archMap.length > 0
      ? entry === undefined
        ? []
        : [entry.architecture, ...entry.subArchitectures]
      : p.architectures;
  const kept: ProfileRule[] = [];
  const indices: number[] = [];
  const removed: RemovedRule[] = [];
  p.syscalls.forEach((r, index) => {
    const reason = dockerDrops(r, ctx);
    if (reason === undefined) {
      kept.push(r);
      indices.push(index);
    } else removed.push({ index, names: r.names, reason });
  });
  return { profile: { ...p, architectures, archMap: [], syscalls: kept }, indices, removed };
}
