/**
 * Generated minijail policies with every feature of the language
 * (spec/17-minijail.md): the reader's decision form decides every call as
 * an independent interpretation of the generated statements does (M2,
 * M3, M6, M7), and a policy written back by the converter (M10) decides
 * the same. Counts of what was generated are printed.
 */
import test from 'ava';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { actionRet, formatAction, retAction } from '../src/action/index.ts';
import {
  AUDIT_ARCH_I386,
  AUDIT_ARCH_X86_64,
  compileRules,
  emulate,
  encodeRaw,
  expectedInstructions,
  type SeccompData,
} from '../src/bpf/index.ts';
import { Kernel } from '../src/kernel/index.ts';
import * as model from '../src/model/index.ts';
import { errnoOnly, probe } from '../src/native/index.ts';
import { parseMinijail, toMinijail } from '../src/minijail/index.ts';
import { decideRules } from '../src/ruleset/index.ts';
import { loadUapi, type UapiTable } from '../src/x86/uapi.ts';
import { params, u64 } from './support.ts';

type Op = '==' | '!=' | '<' | '<=' | '>' | '>=' | '&' | 'in';
interface Atom {
  readonly arg: number;
  readonly op: Op;
  /** The value's text and its number at 64 bits. */
  readonly text: string;
  readonly value: bigint;
}
interface Line {
  readonly calls: readonly number[];
  /** null: unconditional. */
  readonly expr: readonly (readonly Atom[])[] | null;
  readonly action: string;
  readonly expect: string;
}

const W = (1n << 64n) - 1n;
// Calls by number with their x86_64 unistd names.
const CALLS: readonly (readonly [number, string])[] = [
  [0, 'read'],
  [1, 'write'],
  [2, 'open'],
  [3, 'close'],
  [9, 'mmap'],
  [16, 'ioctl'],
];
const CONSTANTS: readonly string[] = ['O_RDONLY', 'O_CLOEXEC', 'PROT_EXEC', 'TCGETS', 'EPERM', 'MS_BIND', 'AT_FDCWD'];
const ACTIONS: readonly (readonly [string, string])[] = [
  ['allow', 'allow'],
  ['1', 'allow'],
  ['kill-process', 'kill-process'],
  ['kill-thread', 'kill-thread'],
  ['kill', 'kill-thread'],
  ['trap', 'trap:0'],
  ['trace', 'trace:0'],
  ['log', 'log'],
  ['user-notify', 'user-notif'],
  ['return EPERM', 'errno:1'],
  ['return 13', 'errno:13'],
  ['return 0x5', 'errno:5'],
];

function valueArb(uapi: UapiTable): fc.Arbitrary<{ text: string; value: bigint }> {
  const single = fc.oneof(
    u64().map((v) => ({ text: `0x${v.toString(16)}`, value: v })),
    fc.bigInt({ min: 0n, max: 4096n }).map((v) => ({ text: v.toString(), value: v })),
    fc.bigInt({ min: 1n, max: 0o777n }).map((v) => ({ text: `0${v.toString(8)}`, value: v })),
    fc.bigInt({ min: 1n, max: 1n << 62n }).map((v) => ({ text: `-${v}`, value: BigInt.asUintN(64, -v) })),
    fc.constantFrom(...CONSTANTS).map((n) => ({ text: n, value: BigInt.asUintN(64, uapi.constant(n)!) })),
  );
  const constant = fc.oneof(
    { weight: 4, arbitrary: single },
    single.map((c) => ({ text: `~${c.text.startsWith('-') ? `(${c.text})` : c.text}`, value: ~c.value & W })),
    single.map((c) => ({ text: `(${c.text})`, value: c.value })),
  );
  return fc
    .array(constant, { minLength: 1, maxLength: 3 })
    .map((cs) => ({ text: cs.map((c) => c.text).join('|'), value: cs.reduce((a, c) => a | c.value, 0n) }));
}

const atomArb = (uapi: UapiTable): fc.Arbitrary<Atom> =>
  fc
    .record({
      arg: fc.integer({ min: 0, max: 5 }),
      op: fc.constantFrom<Op>('==', '!=', '<', '<=', '>', '>=', '&', 'in'),
      v: valueArb(uapi),
    })
    .map(({ arg, op, v }) => ({ arg, op, text: v.text, value: v.value }));

function atomHolds(a: Atom, args: readonly bigint[]): boolean {
  const x = args[a.arg]!;
  switch (a.op) {
    case '==':
      return x === a.value;
    case '!=':
      return x !== a.value;
    case '<':
      return x < a.value;
    case '<=':
      return x <= a.value;
    case '>':
      return x > a.value;
    case '>=':
      return x >= a.value;
    case '&':
      return (x & a.value) !== 0n;
    case 'in':
      return (x & ~a.value & W) === 0n;
  }
}

const lineArb = (uapi: UapiTable): fc.Arbitrary<Line> =>
  fc
    .record({
      calls: fc.uniqueArray(fc.constantFrom(...CALLS.map(([nr]) => nr)), { minLength: 1, maxLength: 2 }),
      expr: fc.option(
        fc.array(fc.array(atomArb(uapi), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
        {
          nil: null,
          freq: 4,
        },
      ),
      action: fc.constantFrom(...ACTIONS),
    })
    .map(({ calls, expr, action }) => ({ calls, expr, action: action[0], expect: action[1] }));

function text(lines: readonly Line[], dflt: string | null): string {
  const name = (nr: number): string => CALLS.find(([n]) => n === nr)![1];
  const out = dflt === null ? [] : [`@default ${dflt}`];
  for (const l of lines) {
    const calls = l.calls.length === 1 ? name(l.calls[0]!) : `{${l.calls.map(name).join(', ')}}`;
    const expr = l.expr?.map((c) => c.map((a) => `arg${a.arg} ${a.op} ${a.text}`).join(' && ')).join(' || ');
    const filter =
      expr === undefined ? l.action : l.action === 'allow' || l.action === '1' ? expr : `${expr}; ${l.action}`;
    out.push(`${calls}: ${filter}`);
  }
  return `${out.join('\n')}\n`;
}

/** Keep the lines minijail accepts: nothing after an unconditional line of the same call. */
function acceptable(lines: readonly Line[]): Line[] {
  const closed = new Set<number>();
  return lines.filter((l) => {
    if (l.calls.some((c) => closed.has(c))) return false;
    if (l.expr === null) for (const c of l.calls) closed.add(c);
    return true;
  });
}

const DEFAULTS: readonly (readonly [string | null, string])[] = [
  [null, 'kill-thread'],
  ['kill-process', 'kill-process'],
  ['trap', 'trap:0'],
  ['user-notify', 'user-notif'],
];

test('M2 M3 M6 M7 generated minijail policies with every feature decide as their statements say, first match (counts printed)', async (t) => {
  const uapi = await loadUapi('x86_64');
  const counts = { policies: 0, calls: 0, byRule: 0, byDefault: 0, x32: 0, otherArch: 0, roundTrips: 0 };
  const policies = fc.record({
    lines: fc.array(lineArb(uapi), { minLength: 1, maxLength: 8 }).map(acceptable),
    dflt: fc.constantFrom(...DEFAULTS),
    probes: fc.array(
      fc.tuple(
        fc.constantFrom(...CALLS.map(([nr]) => nr), 0x40000000, 60),
        fc.array(u64(), { minLength: 6, maxLength: 6 }),
      ),
      { minLength: 1, maxLength: 12 },
    ),
  });
  fc.assert(
    fc.property(policies, ({ lines, dflt, probes }) => {
      const src = text(lines, dflt[0]);
      const r = parseMinijail(src, uapi, { file: 'gen.policy' });
      if (!r.ok) throw new Error(`${src}\n${r.errors.map((e) => e.message).join('\n')}`);
      counts.policies++;
      const back = toMinijail(r.policy.ruleSet);
      const again = back.ok ? parseMinijail(back.text, uapi, { file: 'back.policy' }) : undefined;
      if (again?.ok === true) counts.roundTrips++;
      for (const [nr, args] of probes) {
        counts.calls++;
        const rule = lines.find(
          (l) => l.calls.includes(nr) && (l.expr === null || l.expr.some((c) => c.every((a) => atomHolds(a, args)))),
        );
        const want = rule !== undefined ? rule.expect : dflt[1];
        if (nr === 0x40000000) counts.x32++;
        else if (rule !== undefined) counts.byRule++;
        else counts.byDefault++;
        const got = formatAction(decideRules(r.policy.ruleSet, 'x86_64', nr, args).action);
        if (got !== want) return false;
        if (again?.ok === true && formatAction(decideRules(again.policy.ruleSet, 'x86_64', nr, args).action) !== want)
          return false;
        // Any other architecture gets the kill action.
        counts.otherArch++;
        if (formatAction(decideRules(r.policy.ruleSet, 'ia32', nr & 0xff, args).action) !== 'kill-thread') return false;
      }
      return true;
    }),
    params(300),
  );
  t.log(
    `${counts.policies} policies, ${counts.calls} calls: ${counts.byRule} by a rule, ${counts.byDefault} by the default, ${counts.x32} x32; ${counts.roundTrips} written back and re-read`,
  );
  t.true(counts.byRule > 0 && counts.byDefault > 0 && counts.x32 > 0 && counts.roundTrips > 0);
});

/** The BPF twin of a call as the emulator and the probe see it. */
const seccompData = (abi: 'x86_64' | 'ia32', nr: number, args: readonly bigint[]): SeccompData => ({
  nr,
  arch: abi === 'x86_64' ? AUDIT_ARCH_X86_64 : AUDIT_ARCH_I386,
  instructionPointer: 0n,
  args,
});

test(`M7 B15 generated minijail policies: model, engine, BPF in both layouts and Linux decide each call alike; the layout by frequency is no dearer (cut for CI time, counts printed)`, async (t) => {
  const uapi = await loadUapi('x86_64');
  const counts = { policies: 0, calls: 0, linux: 0, cheaper: 0, kinds: new Map<string, number>() };
  const numbers = [...CALLS.map(([nr]) => nr), 0x40000000, 0x40000001, 60, 39, 400];
  const policies = fc.record({
    lines: fc.array(lineArb(uapi), { minLength: 1, maxLength: 8 }).map(acceptable),
    dflt: fc.constantFrom(...DEFAULTS),
    weights: fc.array(fc.nat({ max: 1000 }), { minLength: numbers.length, maxLength: numbers.length }),
    probes: fc.array(
      fc.tuple(
        fc.constantFrom<'syscall' | 'int80'>('syscall', 'syscall', 'syscall', 'int80'),
        fc.constantFrom(...numbers),
        fc.array(u64(), { minLength: 6, maxLength: 6 }),
      ),
      { minLength: 1, maxLength: 12 },
    ),
  });
  type Policy = typeof policies extends fc.Arbitrary<infer P> ? P : never;
  fc.assert(
    fc.property(policies, ({ lines, dflt, weights, probes }) => {
      const src = text(lines, dflt[0]);
      const r = parseMinijail(src, uapi, { file: 'gen.policy' });
      if (!r.ok) throw new Error(`${src}\n${r.errors.map((e) => e.message).join('\n')}`);
      const rs = r.policy.ruleSet;
      counts.policies++;
      const k = new Kernel();
      const pid = k.spawn('x86_64', 'p');
      if (!k.installRules(pid, rs).ok) throw new Error(`engine refused\n${src}`);
      const m = E.getOrElse((e: number): model.Machine => {
        throw new Error(`model refused (${e})\n${src}`);
      })(model.installRules(model.spawn(model.initialMachine(), 'x86_64', 'p')[0], pid, rs));
      const frequencies = { x86_64: new Map(numbers.map((nr, i) => [nr >>> 0, weights[i]!])) };
      const balanced = compileRules(rs);
      const weighted = compileRules(rs, { frequencies });
      if (E.isLeft(balanced) || E.isLeft(weighted)) throw new Error(`does not compile\n${src}`);
      const [b, w] = [balanced.right, weighted.right];
      const [cb, cw] = [expectedInstructions(b.program, frequencies), expectedInstructions(w.program, frequencies)];
      if (cw > cb) throw new Error(`the layout by frequency costs ${cw} > ${cb}\n${src}`);
      if (cw < cb) counts.cheaper++;
      if (b.cacheable.x86_64.join() !== w.cacheable.x86_64.join())
        throw new Error(`the layouts cache different numbers\n${src}`);
      const task = m.tasks.get(pid)!;
      const calls = probes.map(([vector, nr, args]) => {
        const abi = vector === 'syscall' ? 'x86_64' : 'ia32';
        const seen = abi === 'x86_64' ? args : args.map((a) => BigInt.asUintN(32, a));
        const num = abi === 'ia32' ? nr & 0xff : nr;
        return { vector, abi, nr: num, args, seen } as const;
      });
      for (const c of calls) {
        counts.calls++;
        const want = decideRules(rs, c.abi, c.nr, c.seen).action;
        const words = c.args.flatMap((a) => [Number(a & 0xffff_ffffn), Number(a >> 32n)]);
        const engine = k.decide(pid, c.vector, c.nr, words);
        const mdl = model.decide(task.seccomp, c.abi, { nr: c.nr, args: c.seen }).action;
        const ret = actionRet(want);
        const data = seccompData(c.abi, c.nr, c.seen);
        const got = [
          engine === undefined ? 'none' : formatAction(engine),
          formatAction(mdl),
          formatAction(retAction(emulate(b.program, data).ret)),
          formatAction(retAction(emulate(w.program, data).ret)),
        ];
        if (got.some((g) => g !== formatAction(want)) || emulate(w.program, data).ret !== ret)
          throw new Error(
            `${c.abi} ${c.nr}: decideRules ${formatAction(want)}; engine, model, BPF, weighted BPF: ${got.join(', ')}\n${src}`,
          );
        const kind = `${c.abi} ${formatAction(want).replace(/:.*/, '')}`;
        counts.kinds.set(kind, (counts.kinds.get(kind) ?? 0) + 1);
      }
      // Linux: each return rewritten to an errno naming it, so no call runs.
      for (const p of [b.program, w.program]) {
        const { program, rets } = errnoOnly(p);
        const answers = probe(
          encodeRaw(program),
          calls.map((c) => ({ vector: c.vector, nr: c.nr, args: c.args })),
        );
        if (E.isLeft(answers)) throw new Error(`the real kernel cannot be asked: ${answers.left.message}`);
        calls.forEach((c, i) => {
          counts.linux++;
          const want = actionRet(decideRules(rs, c.abi, c.nr, c.seen).action);
          const got = rets[Number(-answers.right[i]!) - 1];
          if (got !== want)
            throw new Error(`${c.abi} ${c.nr}: Linux ${got?.toString(16)}, decideRules ${want.toString(16)}\n${src}`);
        });
      }
      return true;
    }),
    {
      ...params<[Policy]>(150),
      // One policy that meets the eight kinds required below, whatever a short run draws.
      examples: [
        [
          {
            lines: (
              [
                [0, 'allow', 'allow'],
                [1, 'log', 'log'],
                [2, 'trace', 'trace:0'],
                [3, 'return EPERM', 'errno:1'],
                [9, 'kill-process', 'kill-process'],
                [16, 'trap', 'trap:0'],
              ] as const
            ).map(([nr, action, expect]) => ({ calls: [nr], expr: null, action, expect })),
            dflt: DEFAULTS[0]!,
            weights: numbers.map((_, i) => i),
            probes: [...CALLS.map(([nr]) => nr), 39, 3].map((nr, i): ['syscall' | 'int80', number, bigint[]] => [
              i === 7 ? 'int80' : 'syscall',
              nr,
              [0n, 0n, 0n, 0n, 0n, 0n],
            ]),
          },
        ],
      ],
    },
  );
  const kinds = [...counts.kinds]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  t.log(
    `${counts.policies} policies, ${counts.calls} calls (${kinds}); ${counts.linux} answered by Linux; the layout by frequency cheaper in ${counts.cheaper}`,
  );
  t.true(counts.cheaper > 0 && (counts.kinds.get('ia32 kill-thread') ?? 0) > 0 && counts.kinds.size >= 8);
});
