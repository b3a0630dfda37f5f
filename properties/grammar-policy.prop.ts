/**
 * Properties of policy texts (S2.5, S2.4):
 * - parsePolicy never throws on arbitrary or mutated texts; every error's line
 *   is a line of the text, its column lies within that line, its source is it;
 * - a text is judged line by line: its result is the concatenation of its
 *   lines' results (one bad line rejects the whole text, all errors reported);
 * - `1`-only policies over every name of an ABI resolve to the right numbers.
 */
import test from 'ava';
import fc from 'fast-check';
import { parsePolicy, type PolicyResult } from '../src/grammar/index.ts';
import { ABIS, syscallTable, type Abi } from '../src/x86/table.ts';
import { params } from './support.ts';

const NAMES: Readonly<Record<Abi, readonly string[]>> = {
  x86_64: syscallTable('x86_64').names,
  ia32: syscallTable('ia32').names,
};

const abi = fc.constantFrom(...ABIS);
const SPACE = fc.constantFrom('', ' ', '\t', '  ', '\r', '\x0b');

/** Names: known ones, numbers in and out of range, misspellings, junk. */
const nameFor = (a: Abi): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...NAMES[a]) },
    {
      weight: 2,
      arbitrary: fc.integer({ min: 0, max: 600 }).chain((n) => fc.constantFrom(String(n), `0x${n.toString(16)}`)),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'on_next_syscall',
        'sys_reed',
        'wirte',
        'sys_',
        '',
        '-1',
        'a b',
        'sys-read',
        '0x',
        'x'.repeat(90),
      ),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 12 }) },
  );

/** Filter parts: the common valid ones, broken ones, and arbitrary text. */
const filterPart = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '1',
      '0',
      'fd == 0',
      'fd == 1 || fd == 2',
      '!(nr < 0) && common_pid == 0',
      'nr == -1',
      'flags & 0x40',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      'fd',
      '(1)',
      'fd ==',
      'fd = 1',
      '(fd == 1',
      'fd == 08',
      'foo == 1',
      '1 # c',
      'fd == 1\0',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'fdnr ()!&|=<>-0x1:#\t'), maxLength: 40 }) },
);

const lineFor = (a: Abi): fc.Arbitrary<string> =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .tuple(SPACE, nameFor(a), SPACE, fc.constantFrom(':', ':', ':', ''), SPACE, filterPart, SPACE)
        .map((p) => p.join('')),
    },
    { weight: 1, arbitrary: fc.constantFrom('', '   ', '# comment', '  # x: y', '#', '\r') },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }).map((s) => s.replace(/\n/g, '')) },
  );

const textFor = fc.tuple(abi, fc.constantFrom('\n', '\r\n')).chain(([a, eol]) =>
  fc.record({
    abi: fc.constant(a),
    lines: fc.array(lineFor(a), { maxLength: 12 }),
    eol: fc.constant(eol),
    trailing: fc.boolean(),
  }),
);

function checkErrorsInRange(text: string, r: PolicyResult): void {
  if (r.ok) return;
  if (r.errors.length === 0) throw new Error('a failed result has at least one error');
  const lines = text.split('\n');
  for (const e of r.errors) {
    if (!Number.isInteger(e.line) || e.line < 1 || e.line > lines.length)
      throw new Error(`line ${e.line} outside [1, ${lines.length}]`);
    const src = lines[e.line - 1]!;
    if (e.source !== src)
      throw new Error(`line ${e.line}: source ${JSON.stringify(e.source)} != ${JSON.stringify(src)}`);
    if (!Number.isInteger(e.column) || e.column < 0 || e.column > src.length)
      throw new Error(`line ${e.line}: column ${e.column} outside [0, ${src.length}] (${e.message})`);
  }
}

const show = (x: unknown): string => JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

test('S2.4 parsePolicy never throws on generated texts; errors name a line and a column inside it (cut for CI time; more under npm run props)', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(textFor, ({ abi: a, lines, eol, trailing }) => {
        const text = lines.join(eol) + (trailing ? eol : '');
        checkErrorsInRange(text, parsePolicy(text, a));
      }),
      params(1000),
    ),
  );
});

test('S2.4 parsePolicy never throws on arbitrary strings (cut for CI time; more under npm run props)', (t) => {
  const arb = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 400 }),
    fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)), maxLength: 300 }),
    fc.string({ unit: fc.constantFrom(...'sys_read:fd== 1\n\r#()!&|0x-'), maxLength: 300 }),
  );
  t.notThrows(() =>
    fc.assert(
      fc.property(arb, abi, (text, a) => {
        checkErrorsInRange(text, parsePolicy(text, a));
      }),
      params(1500),
    ),
  );
});

test("S2.5 a text's result is its lines' results in order: one bad line rejects the whole text, every error reported (cut for CI time; more under npm run props)", (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(textFor, ({ abi: a, lines, eol }) => {
        const text = lines.join(eol);
        const whole = parsePolicy(text, a);
        const parts = text.split('\n').map((l, i) => {
          const r = parsePolicy(l, a);
          return r.ok
            ? {
                ok: true as const,
                entries: r.policy.entries.map((e) => ({ ...e, line: i + 1 })),
                next: r.policy.onNextSyscall,
              }
            : { ok: false as const, errors: r.errors.map((e) => ({ ...e, line: i + 1 })) };
        });
        const errors = parts.flatMap((p) => (p.ok ? [] : p.errors));
        if (errors.length > 0) {
          if (whole.ok) throw new Error(`a bad line did not reject ${JSON.stringify(text)}`);
          if (
            show(whole.errors) !== show(errors.slice(0, whole.errors.length)) ||
            whole.errors.length < Math.min(errors.length, 50)
          ) {
            throw new Error(`errors ${show(whole.errors)} != ${show(errors)}`);
          }
        } else {
          if (!whole.ok)
            throw new Error(`${JSON.stringify(text)} rejected though every line is fine: ${show(whole.errors)}`);
          const entries = parts.flatMap((p) => (p.ok ? p.entries : []));
          if (show(whole.policy.entries) !== show(entries))
            throw new Error(`entries ${show(whole.policy.entries)} != ${show(entries)}`);
          if (whole.policy.onNextSyscall !== parts.some((p) => p.ok && p.next)) throw new Error('on_next_syscall');
          if (whole.policy.abi !== a) throw new Error('abi');
        }
      }),
      params(800),
    ),
  );
});

test('S1.3 every name and number of an ABI resolves, with `1`, to the number the table gives (cut for CI time; more under npm run props)', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(
        abi.chain((a) =>
          fc.record({
            abi: fc.constant(a),
            names: fc.array(fc.constantFrom(...NAMES[a]), { minLength: 1, maxLength: 20 }),
          }),
        ),
        ({ abi: a, names }) => {
          const table = syscallTable(a);
          const r = parsePolicy(names.map((n) => `${n}: 1`).join('\n'), a);
          if (!r.ok) throw new Error(show(r.errors));
          const got = r.policy.entries.map((e) => e.nr);
          const want = names.map((n) => table.resolve(n));
          if (show(got) !== show(want)) throw new Error(`${show(got)} != ${show(want)}`);
          for (const [i, n] of names.entries()) {
            const info = table.byNr(got[i]!)!;
            if (n !== info.name && n !== info.sysName) {
              // A shared sys_ name (ia32 sys_fcntl64) names the lowest number carrying it.
              const lowest = table.calls.find((c) => c.sysName === n || c.name === n);
              if (lowest === undefined || lowest.nr !== got[i]) throw new Error(`${a} ${n} -> ${got[i]}`);
            }
          }
        },
      ),
      params(300),
    ),
  );
});
