/**
 * The conformance corpus (P5): the file is what conformance/cases.ts
 * builds, the model still gives every expected answer, the file parses,
 * and every rule the protocol can observe has a case (spec/14's table).
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { isLeft } from 'fp-ts/lib/Either.js';
import { corpusText } from '../conformance/cases.ts';
import { corpusV2Text } from '../conformance/cases-v2.ts';
import { isV2, oracle, parseCorpus, type CorpusCase } from '../src/conform/index.ts';

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
  for (const c of cases) t.deepEqual(oracle(c.request), c.answer, `case ${c.request.id} (${c.rule}: ${c.name})`);
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

const FILE_V2 = 'conformance/corpus-v2.jsonl';
const parsedV2 = parseCorpus(readFileSync(FILE_V2, 'utf8'), FILE_V2);
const casesV2: readonly CorpusCase[] = isLeft(parsedV2) ? [] : parsedV2.right;

test('the version-2 corpus parses, is what npm run gen:corpus writes, and the model gives every answer', (t) => {
  t.false(isLeft(parsedV2), isLeft(parsedV2) ? parsedV2.left : '');
  t.is(readFileSync(FILE_V2, 'utf8'), corpusV2Text());
  for (const c of casesV2) {
    t.true(isV2(c.request), `case ${c.request.id}`);
    t.deepEqual(oracle(c.request), c.answer, `case ${c.request.id} (${c.rule}: ${c.name})`);
  }
  // Every action is some case's answer, and precedence between stacked filters has cases.
  const answered = new Set(casesV2.flatMap((c) => c.answer.calls.map((a) => String(a).replace(/:.*/, ''))));
  for (const kind of ['allow', 'log', 'errno', 'trap', 'trace', 'user-notif', 'kill-thread', 'kill-process', 'kill'])
    t.true(answered.has(kind), `no case answers ${kind}`);
  t.true(casesV2.filter((c) => c.rule === 'A3').length >= 4);
});

test('a corpus refuses a version-2 case under a protocol-1 header, and answers of the wrong version', (t) => {
  const [head, line] = [readFileSync(FILE, 'utf8').split('\n')[0]!, readFileSync(FILE_V2, 'utf8').split('\n')[1]!];
  const mixed = parseCorpus(`${head}\n${line}\n`, 'x.jsonl');
  t.true(isLeft(mixed) && /x\.jsonl:2: a version-2 request in a corpus of protocol 1/.test(mixed.left));
  const v2head = readFileSync(FILE_V2, 'utf8').split('\n')[0]!;
  const wrong = line.replace('"answer":{"version":2,', '"answer":{');
  const r = parseCorpus(`${v2head}\n${wrong}\n`, 'y.jsonl');
  t.true(isLeft(r) && /y\.jsonl:2: /.test(r.left), isLeft(r) ? r.left : 'accepted');
});
