/**
 * Symbolic constants of the UAPI headers [ext] (spec/15-constants.md): the
 * O_*, AT_*, PROT_*, MAP_*, MADV_*, AF_*, SOCK_*, F_*, CLONE_*, FUTEX_*,
 * SIG* and PR_* names, per ABI, from data generated from the real headers
 * (scripts/gen-constants.ts), and the decoding of argument values back to
 * names for explanations.
 */
import type { Abi } from './table.ts';
import { CONSTANT_ROWS } from './tables/constants.ts';

// Built on first use, per ABI: a command that names no constant does not pay for the table at start.
const TABLES: Partial<Record<Abi, ReadonlyMap<string, bigint>>> = {};

function table(abi: Abi): ReadonlyMap<string, bigint> {
  let t = TABLES[abi];
  if (t !== undefined) return t;
  const m = new Map<string, bigint>();
  for (const [name, a, b] of CONSTANT_ROWS) {
    const v = abi === 'ia32' && b !== undefined ? b : a;
    if (v !== null) m.set(name, BigInt(v));
  }
  t = TABLES[abi] = m;
  return t;
}

/** The value of constant `name` for `abi` as its header defines it (a C long long), or undefined. */
export const constantValue = (abi: Abi, name: string): bigint | undefined => table(abi).get(name);

/** Every constant name of `abi`, sorted. */
export const constantNames = (abi: Abi): readonly string[] => [...table(abi).keys()].sort();

/** C types whose values the kernel reads as 32 bits or fewer (S10a, and negative constants, C-G3). */
const NARROW =
  /^(?:const )?(?:int|unsigned int|unsigned|pid_t|uid_t|gid_t|umode_t|key_serial_t|key_t|clockid_t|mqd_t|qid_t|rwf_t|timer_t|__s32|__u32|u32|old_uid_t|old_gid_t|compat_\w+|enum \w+)$/;

/** Whether an argument of C type `type` is 32 bits or narrower. */
export const isNarrowType = (type: string): boolean => NARROW.test(type);

/** Names that repeat another name's value; decoding prefers the other (strace's choice). */
const ALIASES = new Set([
  'O_NDELAY',
  'O_FSYNC',
  'O_RSYNC',
  'AF_LOCAL',
  'SIGIOT',
  'SIGPOLL',
  'SIGUNUSED',
  'MAP_FILE',
  'MAP_ANON',
  'AF_FILE',
]);

/** How one argument's values are shown: candidate names, and how they combine. */
interface Decoder {
  /** Names of the family a value may be made of. */
  readonly names: RegExp;
  /** `enum`: one name for the whole value; `flags`: names of disjoint bits joined with `|`. */
  readonly style: 'enum' | 'flags';
  /** Bits that hold a small enum rather than flags (O_ACCMODE, the socket type, the futex command, clone's signal). */
  readonly field?: { readonly mask: bigint; readonly names: RegExp; readonly showZero?: boolean };
}

const NOT_FLAG = /(?:_MASK|_SHIFT|^O_ACCMODE|^MAP_TYPE|^MAP_HUGE_\w+|^CSIGNAL)$/;
const SIGNALS = /^SIG(?!STKSZ$|RTMIN$|_)[A-Z]+[0-9]*$/;
const OPEN: Decoder = { names: /^O_/, style: 'flags', field: { mask: 3n, names: /^O_(?:RDONLY|WRONLY|RDWR)$/ } };
const AT_FLAGS: Decoder = {
  names: /^AT_(?:SYMLINK_NOFOLLOW|SYMLINK_FOLLOW|NO_AUTOMOUNT|EMPTY_PATH|REMOVEDIR)$/,
  style: 'flags',
};
const DFD: Decoder = { names: /^AT_FDCWD$/, style: 'enum' };
const SIG: Decoder = { names: SIGNALS, style: 'enum' };

/** Decoders by argument name, for the calls listed (unistd names of either ABI). */
const BY_CALL: Readonly<Record<string, Readonly<Record<string, Decoder>>>> = {
  open: { flags: OPEN },
  openat: { dfd: DFD, flags: OPEN },
  pipe2: { flags: OPEN },
  dup3: { flags: OPEN },
  mmap: { prot: { names: /^PROT_/, style: 'flags' }, flags: { names: /^MAP_/, style: 'flags' } },
  mmap2: { prot: { names: /^PROT_/, style: 'flags' }, flags: { names: /^MAP_/, style: 'flags' } },
  mprotect: { prot: { names: /^PROT_/, style: 'flags' } },
  pkey_mprotect: { prot: { names: /^PROT_/, style: 'flags' } },
  madvise: { behavior: { names: /^MADV_/, style: 'enum' } },
  process_madvise: { behavior: { names: /^MADV_/, style: 'enum' } },
  socket: {
    family: { names: /^AF_/, style: 'enum' },
    type: { names: /^SOCK_(?:NONBLOCK|CLOEXEC)$/, style: 'flags', field: { mask: 0xfn, names: /^SOCK_/ } },
  },
  socketpair: {
    family: { names: /^AF_/, style: 'enum' },
    type: { names: /^SOCK_(?:NONBLOCK|CLOEXEC)$/, style: 'flags', field: { mask: 0xfn, names: /^SOCK_/ } },
  },
  accept4: { flags: { names: /^SOCK_(?:NONBLOCK|CLOEXEC)$/, style: 'flags' } },
  clone: { clone_flags: { names: /^CLONE_/, style: 'flags', field: { mask: 0xffn, names: SIGNALS } } },
  fcntl: { cmd: { names: /^F_(?!RDLCK|WRLCK|UNLCK|EXLCK|SHLCK|OWNER_|SEAL_|LINUX_SPECIFIC_BASE)/, style: 'enum' } },
  fcntl64: { cmd: { names: /^F_(?!RDLCK|WRLCK|UNLCK|EXLCK|SHLCK|OWNER_|SEAL_|LINUX_SPECIFIC_BASE)/, style: 'enum' } },
  futex: {
    op: {
      names: /^FUTEX_(?:PRIVATE_FLAG|CLOCK_REALTIME)$/,
      style: 'flags',
      field: {
        mask: 0x7fn,
        names:
          /^FUTEX_(?!PRIVATE_FLAG|CLOCK_REALTIME|\w*_PRIVATE$|OP_|WAITV_MAX|32$|BITSET_MATCH_ANY|\w*_MASK$|OWNER_DIED|WAITERS|TID_MASK)/,
        showZero: true,
      },
    },
  },
  kill: { sig: SIG },
  tkill: { sig: SIG },
  tgkill: { sig: SIG },
  rt_sigaction: { sig: SIG },
  rt_sigqueueinfo: { sig: SIG },
  pidfd_send_signal: { sig: SIG },
  prctl: { option: { names: /^PR_(?:SET|GET|CAP|TASK|MCE_KILL$|MPX|PAC|SCHED_CORE$|SVE_|SME_)/, style: 'enum' } },
  newfstatat: { dfd: DFD, flag: AT_FLAGS },
  fstatat64: { dfd: DFD, flag: AT_FLAGS },
  unlinkat: { dfd: DFD, flag: AT_FLAGS },
  linkat: { olddfd: DFD, newdfd: DFD, flags: AT_FLAGS },
  fchownat: { dfd: DFD, flag: AT_FLAGS },
  statx: { dfd: DFD, flags: AT_FLAGS },
  execveat: { fd: DFD, flags: AT_FLAGS },
  faccessat: { dfd: DFD },
  faccessat2: { dfd: DFD },
  mkdirat: { dfd: DFD },
  fchmodat: { dfd: DFD },
  renameat2: { olddfd: DFD, newdfd: DFD },
};

const popcount = (v: bigint): number => v.toString(2).replace(/0/g, '').length;

/** Candidates `[name, value]` of `re` in `abi`, best name first for each value. */
function candidates(abi: Abi, re: RegExp): readonly (readonly [string, bigint])[] {
  const rank = (n: string): number => (ALIASES.has(n) ? 1 : 0);
  return [...table(abi)]
    .filter(([n]) => re.test(n))
    .sort(([a], [b]) => rank(a) - rank(b) || a.length - b.length || (a < b ? -1 : 1));
}

/** The one name whose value is `v` (compared as is, and as a 32-bit int for negative constants). */
function enumName(abi: Abi, re: RegExp, v: bigint): string | undefined {
  return candidates(abi, re).find(([, c]) => c === v || (c < 0n && BigInt.asUintN(32, c) === v))?.[0];
}

function flagNames(abi: Abi, d: Decoder, v: bigint): string | undefined {
  if (v === 0n) {
    const zero = enumName(abi, d.field?.names ?? d.names, 0n);
    return zero !== undefined && !ALIASES.has(zero) ? zero : undefined;
  }
  const parts: string[] = [];
  let rest = v;
  if (d.field !== undefined) {
    const f = enumName(abi, d.field.names, v & d.field.mask);
    // A zero field (O_RDONLY, no exit signal) is left out when flags follow: `O_CLOEXEC`.
    if (f !== undefined && ((v & d.field.mask) !== 0n || d.field.showZero === true)) parts.push(f);
    if (f !== undefined) rest &= ~d.field.mask;
  }
  const found: (readonly [string, bigint])[] = [];
  const bits = candidates(abi, d.names)
    .filter(([n, c]) => c > 0n && !NOT_FLAG.test(n) && (d.field === undefined || (c & d.field.mask) === 0n))
    .sort(([, a], [, b]) => popcount(b) - popcount(a));
  for (const [n, c] of bits) {
    if ((rest & c) === c) {
      found.push([n, c]);
      rest &= ~c;
    }
  }
  parts.push(...found.sort(([, a], [, b]) => (a < b ? -1 : 1)).map(([n]) => n));
  if (parts.length === 0) return undefined;
  if (rest !== 0n) parts.push(`0x${rest.toString(16)}`);
  return parts.join('|');
}

/**
 * The names that make up `value` of argument `arg` of call `call` (unistd
 * name) in `abi`, as strace would print them (`O_RDWR|O_CLOEXEC`,
 * `AF_UNIX`, `AT_FDCWD`), or undefined when the argument has no family or
 * the value no name.
 */
export function decodeArg(abi: Abi, call: string, arg: string, value: bigint): string | undefined {
  const d = BY_CALL[call]?.[arg];
  if (d === undefined) return undefined;
  return d.style === 'enum' ? enumName(abi, d.names, value) : flagNames(abi, d, value);
}
