/**
 * S9.4 for external inputs: no trace text, however malformed, makes the
 * parsers or the replay throw; every error names a line of the input and a
 * column inside that line; lenient parsing accounts for every line.
 */
import test from 'ava';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { parseTrace, replay } from '../src/trace/index.ts';
import { holdRuns, params } from './support.ts';

const recorded = readFileSync(new URL('../examples/traces/ls.strace', import.meta.url), 'latin1')
  .split('\n')
  .filter((l) => l !== '');
const jsonl = [
  '{"pid":1,"abi":"x86_64","name":"read","args":[0,4096,16],"ret":16}',
  '{"pid":1,"abi":"ia32","nr":4,"args":["0x1","0x1000",12],"ret":12}',
  '{"pid":1,"abi":"x86_64","name":"exit_group","args":[0]}',
];

/** A recorded or JSON line with random characters inserted, deleted or replaced. */
const mutated = (lines: readonly string[]): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.constantFrom(...lines),
      fc.array(
        fc.tuple(
          fc.nat(),
          fc.constantFrom('insert', 'delete', 'replace'),
          fc.string({ unit: 'binary-ascii', maxLength: 3 }),
        ),
        { maxLength: 4 },
      ),
    )
    .map(([line, edits]) =>
      edits.reduce((s, [at, kind, text]) => {
        const i = s.length === 0 ? 0 : at % s.length;
        return kind === 'insert'
          ? s.slice(0, i) + text + s.slice(i)
          : kind === 'delete'
            ? s.slice(0, i) + s.slice(i + 1)
            : s.slice(0, i) + text + s.slice(i + 1);
      }, line),
    );

const traceText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.array(mutated(recorded), { minLength: 1, maxLength: 12 }).map((ls) => ls.join('\n')),
  fc.array(mutated(jsonl), { minLength: 1, maxLength: 8 }).map((ls) => ls.join('\n')),
  fc
    .array(fc.oneof(fc.constantFrom(...recorded), mutated(recorded)), { minLength: 1, maxLength: 20 })
    .map((ls) => ls.join('\n')),
);

const lineCount = (text: string): number => text.split('\n').length;

test('S9.4 trace parsing never throws; an error names a line and a column inside the input (cut for CI time; more under npm run props)', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(traceText, fc.constantFrom('x86_64' as const, 'ia32' as const), (text, abi) => {
        const r = parseTrace(text, { abi, lenient: false });
        if (r.ok) return true;
        const { line, column } = r.error;
        return (
          line >= 0 &&
          line <= lineCount(text) &&
          column >= 0 &&
          column <= Math.max(0, text.split('\n')[line - 1]?.length ?? 0)
        );
      }),
      params(1500),
    ),
  );
});

/** `text` with the listed lines made blank, so a strict parse sees the rest at the same line numbers. */
const blanked = (text: string, lines: ReadonlySet<number>): string =>
  text
    .split('\n')
    .map((l, k) => (lines.has(k + 1) ? '' : l))
    .join('\n');

test('S9.4 lenient parsing never throws and never drops a line silently: every line is parsed or listed (cut for CI time; more under npm run props)', (t) => {
  let listed = 0;
  t.notThrows(() =>
    fc.assert(
      fc.property(traceText, (text) => {
        const r = parseTrace(text, { abi: 'x86_64', lenient: true });
        if (!r.ok) return r.error.line >= 0;
        const skippedLines = new Set(r.trace.skipped.map((s) => s.line));
        listed += skippedLines.size;
        const callLines = new Set(r.trace.events.map((e) => e.line));
        // Every skipped line is reported with its number, and no event comes from a skipped line.
        if (!r.trace.skipped.every((s) => s.line >= 1 && s.line <= lineCount(text) && !callLines.has(s.line)))
          return false;
        // Every line not listed was parsed: a strict parse of the text without the listed lines
        // accepts every remaining line and gives the same events.
        const rest = parseTrace(blanked(text, skippedLines), { abi: 'x86_64', lenient: false });
        return rest.ok && isDeepStrictEqual(rest.trace.events, r.trace.events);
      }),
      params(1000),
    ),
  );
  // A floor in proportion to the runs (PROPS_CAP cuts them under test:quick and npm run mutants).
  t.true(listed > holdRuns(1000) / 10, `only ${listed} lines were listed as skipped: the inputs test little`);
});

test('S9.4 replaying any parsed trace under a recorded policy never throws (cut for CI time; more under npm run props)', (t) => {
  const policy = readFileSync(new URL('../examples/policies/ls-allows.txt', import.meta.url), 'latin1');
  t.notThrows(() =>
    fc.assert(
      fc.property(traceText, (text) => {
        const r = parseTrace(text, { abi: 'x86_64', lenient: true });
        if (r.ok) replay(r.trace, policy, { abi: 'x86_64', comm: 'prop' });
        return true;
      }),
      params(300),
    ),
  );
});
