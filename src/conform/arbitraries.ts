/**
 * fast-check generators shared by `seccomp-spec conform` (at run time) and
 * the property suites (properties/ imports them from here): boundary-biased
 * 64-bit values, filter and policy texts built from the system call tables,
 * system call numbers, and whole protocol requests.
 */
import fc from 'fast-check';
import { syscallTable, type Abi } from '../x86/table.ts';
import { VECTORS, type Vector } from '../x86/vectors.ts';
import {
  ALLOW,
  errno,
  KILL_2011,
  KILL_PROCESS,
  KILL_THREAD,
  LOG,
  trace,
  trap,
  USER_NOTIF,
  type Action,
} from '../action/index.ts';
import type { CmpOp, Cond } from '../ruleset/index.ts';
import type { Call, Install, Request, RequestV2 } from './protocol.ts';
import { printRulesJson } from './rules-json.ts';

const M64 = (1n << 64n) - 1n;

/** Edges of the 64-bit range, of each 32-bit half, and of the small widths (C4, C5, S3.2). */
export const U64_EDGES: readonly bigint[] = [
  0n,
  1n,
  2n,
  0x7fn,
  0x80n,
  0xffn,
  0x100n,
  0xffffn,
  0x7fff_ffffn,
  0x8000_0000n,
  0xffff_fffen,
  0xffff_ffffn,
  0x1_0000_0000n,
  0x1_0000_0001n,
  0x1_ffff_ffffn,
  0x7fff_ffff_ffff_ffffn,
  0x8000_0000_0000_0000n,
  0x8000_0000_0000_0001n,
  0xffff_ffff_0000_0000n,
  0x8000_0000_8000_0000n,
  0x0000_0001_8000_0000n,
  0xffff_ffff_ffff_fffen,
  M64,
];

/** Boundary-biased unsigned 64-bit values: the edges above and their neighbours, small values, anything. */
export const u64 = (): fc.Arbitrary<bigint> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...U64_EDGES) },
    { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 20n }) },
    { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: M64 }) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...U64_EDGES), fc.constantFrom(-1n, 0n, 1n)).map(([e, d]) => (e + d) & M64),
    },
  );

/** System calls policies and calls concentrate on, so entries get hit. */
const POOL = [
  'read',
  'write',
  'open',
  'close',
  'mmap',
  'futex',
  'prctl',
  'fork',
  'vfork',
  'clone',
  'execve',
  'exit',
  'exit_group',
  'getpid',
  'gettid',
  'epoll_wait',
  'sigreturn',
  'rt_sigreturn',
  'ioctl',
];

/** Pool calls of `abi`. */
export const poolCalls = (abi: Abi) => syscallTable(abi).calls.filter((c) => POOL.includes(c.name));

/** A literal for an unsigned field: decimal, hex or octal, boundary-biased. */
const valueText = (): fc.Arbitrary<string> =>
  fc.oneof(
    u64().map((v) => v.toString()),
    u64().map((v) => `0x${v.toString(16)}`),
    fc.nat(64).map((v) => (v === 0 ? '0' : `0${v.toString(8)}`)),
    fc.constantFrom('1', '2'),
  );

/** A literal for a signed field (nr, common_pid): small, negative or at the 32-bit edges. */
const signedText = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.integer({ min: -5, max: 500 }).map(String),
    fc.constantFrom('0x7fffffff', '-2147483648', '0x100000000', '0x40000000'),
  );

/** The comparison operators of the filter language (S3.3). */
export const OPS = ['==', '!=', '<', '<=', '>', '>=', '&'] as const;

/** How `exprText` builds its expressions. */
export interface ExprTextOptions {
  /** The literal compared with `field` in a predicate; by default boundary-biased, signed for nr and common_pid. */
  readonly literal?: (field: string) => fc.Arbitrary<string>;
  /** The deepest nesting of operators; unbounded (fast-check's small depth) by default. */
  readonly maxDepth?: number;
}

const defaultLiteral = (f: string): fc.Arbitrary<string> =>
  f === 'nr' || f === 'common_pid' ? signedText() : valueText();

/**
 * A random filter expression (S3) over `fields` (argument names of one
 * call, plus nr and common fields): predicates joined by `&&` and `||`,
 * parenthesised and negated. The one filter-text generator of the project:
 * `conform`, the property suites and the engine tests all build on it.
 */
export function exprText(fields: readonly string[], opts: ExprTextOptions = {}): fc.Arbitrary<string> {
  const literal = opts.literal ?? defaultLiteral;
  const pred = fc
    .tuple(fc.constantFrom(...fields), fc.constantFrom(...OPS))
    .chain(([f, op]) => literal(f).map((v) => `${f} ${op} ${v}`));
  const shape =
    opts.maxDepth === undefined
      ? ({ depthSize: 'small', withCrossShrink: true } as const)
      : ({ depthSize: 'small', withCrossShrink: true, maxDepth: opts.maxDepth } as const);
  const { e } = fc.letrec<{ e: string }>((tie) => ({
    e: fc.oneof(
      shape,
      { weight: 4, arbitrary: pred },
      fc.tuple(tie('e'), tie('e')).map(([a, b]) => `${a} && ${b}`),
      fc.tuple(tie('e'), tie('e')).map(([a, b]) => `${a} || ${b}`),
      tie('e').map((a) => `(${a})`),
      tie('e').map((a) => `!(${a})`),
      tie('e').map((a) => `!${a.startsWith('(') || a.startsWith('!') ? a : `(${a})`}`),
    ),
  }));
  return e;
}

/** A filter for the call `nr` of `abi`: mostly `1`, `0` or an expression on its arguments. */
export function filterText(abi: Abi, nr: number): fc.Arbitrary<string> {
  const args =
    syscallTable(abi)
      .byNr(nr)
      ?.args.map((a) => a.name) ?? [];
  const fields = [...args, ...args, 'nr', 'common_pid', 'common_flags'];
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant('1') },
    { weight: 1, arbitrary: fc.constant('0') },
    { weight: 4, arbitrary: exprText(fields) },
  );
}

type PoolCall = ReturnType<typeof poolCalls>[number];

/** One policy line naming one of `calls` of `abi` by sys_ name, unistd name or number. */
export function policyLine(abi: Abi, calls: readonly PoolCall[] = poolCalls(abi)): fc.Arbitrary<string> {
  return fc
    .constantFrom(...calls)
    .chain((c) =>
      fc
        .tuple(fc.constantFrom(c.sysName, c.name, String(c.nr), `0x${c.nr.toString(16)}`), filterText(abi, c.nr))
        .map(([name, f]) => `${name}: ${f}`),
    );
}

const DAMAGE = ['', '(', ')', '|', '=', '$', 'x', '\0', '\n', '9'] as const;

/** Small damage to a text at a fraction `at` of its length: a dropped or foreign character, or a cut. */
const corrupt = (text: string, at: number, c: string, cut: boolean): string => {
  const i = Math.floor((at / 1000) * (text.length + 1));
  return cut ? text.slice(0, i) : text.slice(0, i) + c + text.slice(i + 1);
};

/**
 * A policy text (S2.5) for `abi`, over `calls` (the pool by default):
 * entries, comments, blanks, the directive, sometimes damaged (`nul`:
 * damage may include a NUL byte, which the protocol does not carry).
 * Built from tuples and maps only, so fast-check shrinks it line by line.
 */
export const policyTextFor = (
  abi: Abi,
  calls: readonly PoolCall[] = poolCalls(abi),
  nul = true,
): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.array(
        fc.oneof(
          { weight: 8, arbitrary: policyLine(abi, calls) },
          { weight: 1, arbitrary: fc.constantFrom('# comment', '', '  ', 'on_next_syscall: 1', 'nosuchcall: 1') },
        ),
        { minLength: 1, maxLength: 8 },
      ),
      fc.option(fc.tuple(fc.nat(1000), fc.constantFrom(...DAMAGE.filter((d) => nul || d !== '\0')), fc.boolean()), {
        freq: 6,
      }),
    )
    .map(([lines, damage]) => (damage === null ? lines.join('\n') : corrupt(lines.join('\n'), ...damage)));

/** A policy text for either ABI. */
export const policyText = (): fc.Arbitrary<string> =>
  fc.constantFrom<Abi>('x86_64', 'ia32').chain((abi) => policyTextFor(abi));

/** A system call number: pool and strict members of either ABI, edges, x32 numbers (bit 30). */
export const nrValue = (): fc.Arbitrary<bigint> =>
  fc
    .oneof(
      {
        weight: 6,
        arbitrary: fc.constantFrom(...[...poolCalls('x86_64'), ...poolCalls('ia32')].map((c) => BigInt(c.nr))),
      },
      { weight: 2, arbitrary: fc.constantFrom(0n, 1n, 3n, 4n, 15n, 60n, 119n, 172n, 157n, 231n, 252n) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          -1n,
          462n,
          463n,
          0x4000_0000n,
          0x4000_0001n,
          0xffff_ffffn,
          0x1_0000_0000n,
          2n ** 64n - 1n,
        ),
      },
      { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 600n }) },
    )
    .map((v) => BigInt.asUintN(64, v));

/** A call of the protocol: any vector, eax boundary-biased toward `calls`' numbers, six boundary-biased registers. */
const protocolCall = (calls: readonly PoolCall[]): fc.Arbitrary<Call> =>
  fc.record({
    vector: fc.constantFrom<Vector>(...VECTORS),
    nr: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...calls.map((c) => c.nr)) },
      { weight: 2, arbitrary: nrValue().map((v) => Number(BigInt.asIntN(32, v))) },
    ),
    args: fc.array(u64(), { minLength: 6, maxLength: 6 }),
  });

/**
 * Protocol requests (P2) for `conform`'s search: either ABI; up to four
 * installs over a few calls of the pool, so later texts merge with earlier
 * entries (S5.4) and repeated names merge within a text; calls through every
 * vector with boundary-biased numbers and arguments.
 */
export const request = (): fc.Arbitrary<Request> =>
  fc.constantFrom<Abi>('x86_64', 'ia32').chain((abi) =>
    fc.subarray([...poolCalls(abi)], { minLength: 1, maxLength: 4 }).chain((focus) =>
      fc.record({
        id: fc.constant(0),
        abi: fc.constant(abi),
        installs: fc.array(policyTextFor(abi, focus, false), { minLength: 1, maxLength: 4 }),
        calls: fc.array(protocolCall(focus), { minLength: 1, maxLength: 6 }),
      }),
    ),
  );

/** Every action, data included, weighted toward the common ones (A1). */
export const action = (): fc.Arbitrary<Action> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(ALLOW) },
    { weight: 1, arbitrary: fc.constantFrom(LOG, KILL_2011, KILL_PROCESS, KILL_THREAD, USER_NOTIF) },
    { weight: 3, arbitrary: fc.constantFrom(1, 2, 13, 38, 4095).map(errno) },
    { weight: 2, arbitrary: fc.constantFrom(0, 1, 7, 0xffff).map(trap) },
    { weight: 1, arbitrary: fc.constantFrom(0, 3).map(trace) },
  );

/** A condition on the first three arguments: comparisons and masks with edge constants, sometimes combined. */
const cond = (): fc.Arbitrary<Cond> => {
  const leaf = fc.oneof(
    fc
      .record({
        arg: fc.integer({ min: 0, max: 2 }),
        op: fc.constantFrom<CmpOp>('==', '!=', '<', '<=', '>', '>='),
        value: fc.constantFrom(...U64_EDGES),
      })
      .map((c): Cond => ({ kind: 'cmp', ...c })),
    fc
      .record({
        arg: fc.integer({ min: 0, max: 2 }),
        mask: fc.constantFrom(0xffn, 0xffff_ffffn, 1n << 33n, M64),
        value: fc.constantFrom(0n, 1n, 2n),
      })
      .map((c): Cond => ({ kind: 'masked', ...c })),
  );
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant<Cond>({ kind: 'true' }) },
    { weight: 4, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(leaf, { minLength: 2, maxLength: 2 }).map((of): Cond => ({ kind: 'and', of })) },
    { weight: 1, arbitrary: leaf.map((of): Cond => ({ kind: 'not', of })) },
  );
};

/** A `rules` filter (P9) for a task of `abi` over the numbers `nrs`: one or two rules a number, any actions. */
export const rulesText = (abi: Abi, nrs: readonly number[]): fc.Arbitrary<string> =>
  fc
    .record({
      chosen: fc.subarray([...new Set(nrs)], { minLength: 1 }),
      otherwise: action(),
      otherArch: action(),
      other: fc.boolean(),
    })
    .chain(({ chosen, otherwise, otherArch, other }) =>
      fc
        .tuple(
          ...chosen.map(() =>
            fc.array(
              fc.record({ when: cond(), action: action() }).map((r) => ({ ...r, origin: { text: 'generated' } })),
              { minLength: 1, maxLength: 2 },
            ),
          ),
        )
        .map((rules) => {
          const mine = { calls: new Map(chosen.map((nr, i) => [nr, rules[i]!])), otherwise };
          const arches = other
            ? { [abi]: mine, [abi === 'x86_64' ? 'ia32' : 'x86_64']: { calls: new Map(), otherwise } }
            : { [abi]: mine };
          return printRulesJson({ arches, otherArch });
        }),
    );

/**
 * Version-2 requests (P9): a version-1 request whose 2011 installs are
 * interleaved with up to three `rules` filters over the same calls, so the
 * stack's precedence decides between actions of every kind.
 */
export const requestV2 = (): fc.Arbitrary<RequestV2> =>
  request().chain((r) => {
    const nrs = r.calls.map((c) => c.nr);
    return fc
      .tuple(
        fc.array(fc.tuple(fc.nat(r.installs.length), rulesText(r.abi, nrs)), { maxLength: 3 }),
        fc.subarray([...r.installs]),
      )
      .map(([extra, texts]) => {
        const installs: Install[] = texts.map((text) => ({ dialect: '2011', text }));
        for (const [at, text] of extra) installs.splice(Math.min(at, installs.length), 0, { dialect: 'rules', text });
        return { version: 2 as const, id: 0, abi: r.abi, installs, calls: r.calls };
      });
  });
