/**
 * The conformance corpus (P5): the file is what conformance/cases.ts
 * builds, the model still gives every expected answer, the file parses,
 * and every rule the protocol can observe has a case (spec/14's table).
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { isLeft } from 'fp-ts/lib/Either.js';
import { corpusText } from '../conformance/cases.ts';
import { modelAnswer, parseCorpus, type CorpusCase } from '../src/conform/index.ts';

const FILE = 'conformance/corpus.jsonl';
const text = readFileSync(FILE, 'utf8');
const parsed = parseCorpus(text, FILE);
const cases: readonly CorpusCase[] = isLeft(parsed) ? [] : parsed.right;

/** Every rule of spec/ that a request can observe (spec/14-conformance.md, "Coverage"). */
export const OBSERVABLE_RULES = [
  'S1.1',
  'S1.2',
  'S1.3',
  'S2.1',
  'S2.2',
  'S2.3',
  'S2.4',
  'S2.5',
  'S3.1',
  'S3.2',
  'S3.3',
  'S3.4',
  'S4.1',
  'S4.2',
  'S5.2',
  'S5.4',
  'S5.5',
  'S6.1',
  'S6.4',
  'S7.1',
  'S9.1',
  'S9.2',
  'S9.4',
  'S9.5',
  'S9.6',
  'S9.7',
  'S10.1',
  'S10.2',
];

test('the corpus parses and is exactly what npm run gen:corpus writes', (t) => {
  t.false(isLeft(parsed), isLeft(parsed) ? parsed.left : '');
  t.is(text, corpusText());
});

test('the model gives every expected answer of the corpus', (t) => {
  t.true(cases.length >= 60);
  for (const c of cases) t.deepEqual(modelAnswer(c.request), c.answer, `case ${c.request.id} (${c.rule}: ${c.name})`);
});

test('every observable rule has a case, every case names one of them, and S1 to S10 all appear', (t) => {
  const tagged = new Set(cases.map((c) => c.rule));
  t.deepEqual(
    OBSERVABLE_RULES.filter((r) => !tagged.has(r)),
    [],
  );
  t.deepEqual(
    [...tagged].filter((r) => !OBSERVABLE_RULES.includes(r)),
    [],
  );
  for (let s = 1; s <= 10; s++)
    if (s !== 8)
      t.true(
        [...tagged].some((r) => r.startsWith(`S${s}.`)),
        `S${s}`,
      );
});

test('the coverage table of spec/14 lists every case count by rule', (t) => {
  const spec = readFileSync('spec/14-conformance.md', 'utf8');
  for (const rule of OBSERVABLE_RULES) {
    const n = cases.filter((c) => c.rule === rule).length;
    t.regex(spec, new RegExp(`\\n\\| ${rule.replace('.', '\\.')} \\| ${n} \\|`), rule);
  }
});

test('a corpus with a bad header, a bad line or a repeated id is refused with its line', (t) => {
  const head = text.split('\n')[0]!;
  const one = text.split('\n')[1]!;
  const msg = (s: string): string => {
    const r = parseCorpus(s, 'c');
    return isLeft(r) ? r.left : 'parsed';
  };
  t.regex(
    msg('{"corpus": "x"}\n'),
    /^c:1: expected the header \{"corpus":"seccomp-spec conformance corpus","version":1,"protocol":1\}/,
  );
  t.regex(msg('nope\n'), /^c:1: expected the header .* \(Unexpected token/);
  t.regex(msg(`${head}\n${one}\n{\n`), /^c:3: not JSON/);
  t.regex(msg(`${head}\n${one}\n${one}\n`), /^c:3: id 1 is used twice/);
  t.regex(
    msg(`${head}\n${one.replace('"rule":"S1.1"', '"rule":"rule one"')}\n`),
    /^c:2: expected \{"rule".*: expected a rule number like "S3.3"/,
  );
  t.regex(
    msg(`${head}\n${one.replace('"answer":{"id":1', '"answer":{"id":2')}\n`),
    /^c:2: the answer's id 2 is not the request's 1/,
  );
});
