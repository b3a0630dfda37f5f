/**
 * V5 `diff` of a policy and its conversion to the other dialect (M10)
 * finds nothing, for every call: generated 2011 policies converted to
 * minijail and back, and generated minijail policies (groups, filter sets,
 * `in`, `&`, `|` and `~` values, `@default`) converted to 2011, each side
 * read as the CLI reads it (M11), a kill read as kill-process in both
 * (the conversion writes the 2011 kill as kill-process). A minijail `log`
 * is written as allow: then only log/allow differences remain, and the
 * calls each side lets run are the same.
 */
import test from 'ava';
import fc from 'fast-check';
import { actionRuns, KILL_PROCESS } from '../src/action/index.ts';
import { ruleSetOf2011Text } from '../src/cli/dialect.ts';
import { MSG } from '../src/grammar/index.ts';
import { parseMinijail, to2011, toMinijail } from '../src/minijail/index.ts';
import { diff, killAs, openSession, type Session } from '../src/proof/index.ts';
import type { RuleSet } from '../src/ruleset/index.ts';
import type { Abi } from '../src/x86/table.ts';
import { loadUapi } from '../src/x86/uapi.ts';
import { longPolicy } from './bpf-gen.ts';
import { cleanPolicy } from './diff-gen.ts';
import { minijailPolicy } from './proof-gen.ts';
import { params } from './support.ts';

const ABIS: readonly Abi[] = ['x86_64', 'ia32'];

const LIMITS = [MSG.filterTooLong, MSG.tooManyTerms, MSG.tooManyOperands];

// A 2011 text read as the CLI reads it, a kill as kill-process; undefined when it is past 2011's limits (S2.3), as convert refuses it.
const read2011 = (text: string, abi: Abi): RuleSet | undefined => {
  const rs = ruleSetOf2011Text(text, abi, 'p.txt');
  if (typeof rs !== 'string') return killAs(rs, KILL_PROCESS);
  const errors = rs.split('\n').filter((l) => /^p\.txt:\d+:\d+: /.test(l));
  if (errors.every((l) => LIMITS.some((m) => l.includes(`: ${m}`)))) return undefined;
  throw new Error(`a 2011 text that does not read back:\n${text}\n${rs}`);
};

async function readMinijail(text: string, abi: Abi): Promise<RuleSet | string> {
  const r = parseMinijail(text, await loadUapi(abi), { abi, file: 'p.policy', kill: 'kill-process' });
  return r.ok ? r.policy.ruleSet : r.errors.map((e) => `${e.line}:${e.column}: ${e.message}`).join('\n');
}

async function same(s: Session, a: RuleSet, b: RuleSet, what: string): Promise<void> {
  const r = await diff(s, a, b);
  if (r.kind !== 'done') throw new Error(r.message);
  if (r.differences.length > 0)
    throw new Error(
      `${what}: ${r.differences.length} differences, the first at nr ${r.differences[0]!.witness.nr}: ${JSON.stringify(r.differences[0]!.a)} / ${JSON.stringify(r.differences[0]!.b)}`,
    );
}

test('V5 diff finds nothing between a generated 2011 policy, its minijail conversion and that one back in 2011 (cut for CI time: z3 is slow-ish)', async (t) => {
  const s = await openSession();
  if (s instanceof Error) return t.fail(s.message);
  const seen = { converted: 0, refused: 0 };
  try {
    await fc.assert(
      fc.asyncProperty(
        fc
          .constantFrom(...ABIS)
          .chain((abi) => fc.tuple(fc.constant(abi), fc.oneof(cleanPolicy(abi), longPolicy(abi, 1, 12)))),
        async ([abi, text]) => {
          const p = read2011(text, abi);
          if (p === undefined) throw new Error('a generated policy past the limits');
          const m = toMinijail(p, []);
          if (!m.ok) {
            seen.refused++;
            return;
          }
          seen.converted++;
          const rm = await readMinijail(m.text, abi);
          if (typeof rm === 'string') throw new Error(`the minijail conversion does not read:\n${m.text}\n${rm}`);
          await same(s, p, rm, '2011 -> minijail');
          const back = to2011(rm, []);
          if (!back.ok) throw new Error(`minijail -> 2011 refused: ${back.problems.map((q) => q.message).join('; ')}`);
          const p2 = read2011(back.text, abi);
          if (p2 === undefined) {
            seen.refused++;
            return;
          }
          await same(s, rm, p2, 'minijail -> 2011');
        },
      ),
      params(100),
    );
    t.log(`converted ${seen.converted}, refused by the converter ${seen.refused}`);
    t.true(seen.converted > seen.refused);
  } finally {
    s.close();
  }
});

for (const withLog of [false, true]) {
  test(`V5 diff finds ${withLog ? 'only log/allow differences, and no call one side runs alone,' : 'nothing'} between a generated minijail policy${withLog ? ' with log' : ''} and its 2011 conversion (cut for CI time: z3 is slow-ish)`, async (t) => {
    const s = await openSession();
    if (s instanceof Error) return t.fail(s.message);
    const seen = { converted: 0, refused: 0, unread: 0 };
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...ABIS),
          minijailPolicy(withLog ? ['allow', 'kill', 'kill-process', 'log'] : ['allow', 'kill', 'kill-process']),
          async (abi, text) => {
            const rm = await readMinijail(text, abi);
            if (typeof rm === 'string') {
              seen.unread++;
              return;
            }
            const back = to2011(rm, []);
            if (!back.ok) {
              seen.refused++;
              return;
            }
            const p = read2011(back.text, abi);
            if (p === undefined) {
              seen.refused++;
              return;
            }
            seen.converted++;
            if (!withLog) return same(s, rm, p, 'minijail -> 2011');
            const r = await diff(s, rm, p);
            if (r.kind !== 'done') throw new Error(r.message);
            for (const d of r.differences)
              if (!(d.a.kind === 'log' && d.b.kind === 'allow'))
                throw new Error(`a difference other than log/allow at nr ${d.witness.nr}`);
            for (const [x, y] of [
              [rm, p],
              [p, rm],
            ] as const) {
              const sub = await diff(s, x, y, { subset: true });
              if (sub.kind !== 'done' || sub.differences.length > 0) throw new Error('the sides run different calls');
            }
            t.true(r.differences.every((d) => actionRuns(d.a) && actionRuns(d.b)));
          },
        ),
        params(100),
      );
      t.log(`converted ${seen.converted}, refused by the converter ${seen.refused}, not minijail ${seen.unread}`);
      t.true(seen.converted > seen.refused + seen.unread);
    } finally {
      s.close();
    }
  });
}
