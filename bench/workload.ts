/**
 * The benchmark workload: a realistic x86_64 server policy (61 entries, 13
 * with argument predicates of up to 8 terms), a call mix dominated by
 * read, write, futex, mmap and epoll_wait, a few calls the policy denies
 * (made in forked children), and a hand-written JavaScript function
 * specialised to the policy as the baseline.
 */

/** The policy, as a task would install it (S2.5). */
export const POLICY = [
  '# a network daemon',
  'read: fd < 1024 && count <= 0x1000000',
  'write: fd == 1 || fd == 2 || (fd > 2 && fd < 1024 && count <= 0x100000)',
  'futex: op == 0 || op == 1 || op == 128 || op == 129 || op == 9 || op == 137',
  'mmap: !(prot & 4) && (fd < 1024 || fd == 0xffffffffffffffff) && len <= 0x40000000 && !(flags & 0x10)',
  'epoll_wait: epfd < 1024 && maxevents <= 1024',
  'mprotect: !(prot & 4)',
  'ioctl: fd < 1024 && (cmd == 0x5401 || cmd == 0x541b || cmd == 0x5421)',
  'fcntl: cmd == 1 || cmd == 2 || cmd == 3 || cmd == 4',
  'openat: !(flags & 3) && !(flags & 0x40)',
  'socket: family == 1 || family == 2 || family == 10',
  'clone: clone_flags & 0x10000',
  'madvise: behavior == 4 || behavior == 8',
  'kill: pid == 0 && sig == 0',
  ...[
    'close',
    'fstat',
    'lseek',
    'munmap',
    'brk',
    'rt_sigaction',
    'rt_sigprocmask',
    'rt_sigreturn',
    'pread64',
    'readv',
    'writev',
    'access',
    'sched_yield',
    'dup',
    'dup2',
    'nanosleep',
    'getpid',
    'connect',
    'sendto',
    'recvfrom',
    'recvmsg',
    'shutdown',
    'bind',
    'getsockname',
    'setsockopt',
    'getsockopt',
    'fork',
    'exit',
    'getdents64',
    'getcwd',
    'gettimeofday',
    'getuid',
    'gettid',
    'clock_gettime',
    'clock_nanosleep',
    'exit_group',
    'epoll_ctl',
    'newfstatat',
    'set_robust_list',
    'epoll_pwait',
    'accept4',
    'eventfd2',
    'epoll_create1',
    'pipe2',
    'prlimit64',
    'getrandom',
    'rseq',
    'set_tid_address',
  ].map((n) => `${n}: 1`),
].join('\n');

/** Calls in the mix (a power of two, cycled). */
export const MIX_SIZE = 4096;

/** The call mix: numbers, arguments as 12 uint32 words per call, and which calls the policy denies. */
export interface Mix {
  readonly nrs: Int32Array;
  readonly args: Uint32Array;
  readonly denied: Uint8Array;
}

/** A small deterministic generator, so every run measures the same mix. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x1_0000_0000;
  };
}

type Shape = readonly [nr: number, weight: number, args: (r: () => number) => readonly number[]];
const ANON = 0xffff_ffff;
const SHAPES: readonly Shape[] = [
  [0, 25, (r) => [3 + Math.floor(r() * 60), 0, 0x7f00_1000, 0x7fff, 4096, 0]],
  [1, 18, (r) => [1 + Math.floor(r() * 40), 0, 0x7f00_2000, 0x7fff, 512, 0]],
  [202, 20, (r) => [0x7f00_3000, 0x7fff, r() < 0.5 ? 128 : 129, 0, 1, 0]],
  [9, 8, (r) => [0, 0, 1 << 20, 0, r() < 0.8 ? 3 : 1, 0, 0x22, 0, ANON, ANON, 0, 0]],
  [232, 15, (r) => [5, 0, 0x7f00_4000, 0x7fff, 64, 0, Math.floor(r() * 1000), 0]],
  [3, 3, (r) => [3 + Math.floor(r() * 60), 0]],
  [228, 4, () => [1, 0, 0x7f00_5000, 0x7fff]],
  [10, 2, () => [0x7f00_6000, 0x7fff, 4096, 0, 1, 0]],
  [16, 2, () => [7, 0, 0x541b, 0, 0x7f00_7000, 0x7fff]],
  [186, 1, () => []],
  [20, 2, () => [7, 0, 0x7f00_8000, 0x7fff, 2, 0]],
];

/** Calls the policy denies: no entry (execve), a predicate false (write to fd 5000, mmap with PROT_EXEC). */
const DENIED: readonly Shape[] = [
  [59, 1, () => [0x7f00_9000, 0x7fff, 0, 0, 0, 0]],
  [1, 1, () => [5000, 0, 0x7f00_2000, 0x7fff, 16, 0]],
  [9, 1, () => [0, 0, 4096, 0, 7, 0, 0x22, 0, ANON, ANON, 0, 0]],
];

/** One denied call in `deniedEvery` calls (made by a forked child, which it kills). */
export function makeMix(deniedEvery = 256): Mix {
  const r = lcg(2011);
  const nrs = new Int32Array(MIX_SIZE);
  const args = new Uint32Array(MIX_SIZE * 12);
  const denied = new Uint8Array(MIX_SIZE);
  const total = SHAPES.reduce((s, [, w]) => s + w, 0);
  for (let i = 0; i < MIX_SIZE; i++) {
    let shape: Shape;
    if (i % deniedEvery === deniedEvery - 1) {
      shape = DENIED[((i / deniedEvery) % DENIED.length) | 0]!;
      denied[i] = 1;
    } else {
      let x = r() * total;
      shape = SHAPES.find(([, w]) => (x -= w) < 0) ?? SHAPES[0]!;
    }
    nrs[i] = shape[0];
    args.set(shape[2](r), i * 12);
  }
  return { nrs, args, denied };
}

/**
 * The baseline: the policy written by hand as one JavaScript function that
 * reads the native argument registers of a pt_regs row as uint32 words
 * (rdi at b+12, rsi b+10, rdx b+8, r10 b+20, r8 b+16; +1 for high halves).
 */
export function baselineAllows(nr: number, w: Uint32Array, b: number): boolean {
  const l0 = w[b + 12]!,
    h0 = w[b + 13]!,
    l1 = w[b + 10]!,
    h1 = w[b + 11]!,
    l2 = w[b + 8]!,
    h2 = w[b + 9]!;
  const l3 = w[b + 20]!,
    l4 = w[b + 16]!,
    h4 = w[b + 17]!;
  switch (nr) {
    case 0:
      return h0 === 0 && l0 < 1024 && h2 === 0 && l2 <= 0x100_0000;
    case 1:
      return h0 === 0 && (l0 === 1 || l0 === 2 || (l0 > 2 && l0 < 1024 && h2 === 0 && l2 <= 0x10_0000));
    case 202:
      return h1 === 0 && (l1 === 0 || l1 === 1 || l1 === 128 || l1 === 129 || l1 === 9 || l1 === 137);
    case 9:
      return (
        (l2 & 4) === 0 &&
        ((h4 === 0 && l4 < 1024) || (h4 === ANON && l4 === ANON)) &&
        h1 === 0 &&
        l1 <= 0x4000_0000 &&
        (l3 & 0x10) === 0
      );
    case 232:
      return h0 === 0 && l0 < 1024 && h2 === 0 && l2 <= 1024;
    case 10:
      return (l2 & 4) === 0;
    case 16:
      return h0 === 0 && l0 < 1024 && h1 === 0 && (l1 === 0x5401 || l1 === 0x541b || l1 === 0x5421);
    case 72:
      return h1 === 0 && l1 >= 1 && l1 <= 4;
    case 257:
      return (l2 & 3) === 0 && (l2 & 0x40) === 0;
    case 41:
      return h0 === 0 && (l0 === 1 || l0 === 2 || l0 === 10);
    case 56:
      return (l0 & 0x10000) !== 0;
    case 28:
      return h2 === 0 && (l2 === 4 || l2 === 8);
    case 62:
      return l0 === 0 && h0 === 0 && l1 === 0 && h1 === 0;
    case 3:
    case 5:
    case 8:
    case 11:
    case 12:
    case 13:
    case 14:
    case 15:
    case 17:
    case 19:
    case 20:
    case 21:
    case 24:
    case 32:
    case 33:
    case 35:
    case 39:
    case 42:
    case 44:
    case 45:
    case 47:
    case 48:
    case 49:
    case 51:
    case 54:
    case 55:
    case 57:
    case 60:
    case 217:
    case 79:
    case 96:
    case 102:
    case 186:
    case 228:
    case 230:
    case 231:
    case 233:
    case 262:
    case 273:
    case 281:
    case 288:
    case 290:
    case 291:
    case 293:
    case 302:
    case 318:
    case 334:
    case 218:
      return true;
    default:
      return false;
  }
}
