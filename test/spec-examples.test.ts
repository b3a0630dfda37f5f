/**
 * Every ```seccomp-example block of spec/*.md runs against the model, one
 * test per example named by file and line; plus checks that the runner can
 * fail, so a green run means something.
 */
import { readdirSync, readFileSync } from 'node:fs';
import test from 'ava';
import { extractExamples, modelBackend, runExample, runExampleLines, type Example } from '../src/spec-runner/index.ts';

const SPEC = new URL('../spec/', import.meta.url);
const files = readdirSync(SPEC)
  .filter((f) => f.endsWith('.md'))
  .sort();
const examples: readonly Example[] = files.flatMap((f) =>
  extractExamples(readFileSync(new URL(f, SPEC), 'utf8'), `spec/${f}`),
);

for (const ex of examples) {
  test(`${ex.file}:${ex.line}`, (t) => {
    const r = runExample(ex, modelBackend);
    t.true(r.ok, r.ok ? '' : `${ex.file}:${r.line}: ${r.message}`);
  });
}

test('the spec has examples in every chapter and enough overall', (t) => {
  t.true(examples.length >= 60, `only ${examples.length} examples`);
  const chapters = files.filter((f) => /^\d\d-/.test(f));
  t.true(chapters.length >= 10);
  for (const f of chapters)
    t.true(
      examples.some((e) => e.file === `spec/${f}`) ||
        // Dialect chapters run their own blocks (test/spec-minijail.test.ts, test/spec-oci.test.ts).
        /^```(?:minijail|oci)-example$/m.test(readFileSync(new URL(f, SPEC), 'utf8')),
      `${f} has no example`,
    );
});

const one = (body: string): Example => {
  const [ex] = extractExamples(['# t', '```seccomp-example', body, '```', ''].join('\n'), 't.md');
  if (ex === undefined) throw new Error('no example extracted');
  return ex;
};

test('a right expectation passes and a wrong one fails at its line', (t) => {
  t.deepEqual(runExample(one('call getpid -> 1'), modelBackend), { ok: true });
  const r = runExample(one('call getpid -> 1\ncall getpid -> 2'), modelBackend);
  t.false(r.ok);
  t.is(r.ok ? 0 : r.line, 4);
});

test('a wrong kill expectation, /proc text or log fails', (t) => {
  const policy = 'policy\n  sys_read: fd == 0\n';
  t.false(runExample(one(`${policy}call read fd=1 -> 0`), modelBackend).ok);
  t.false(runExample(one(`${policy}call read fd=1 -> killed "test[1]: wrong"`), modelBackend).ok);
  t.false(runExample(one(`${policy}proc\n  Filtering: 0`), modelBackend).ok);
  t.false(runExample(one('log\n  something'), modelBackend).ok);
  t.false(runExample(one('show comm -> other'), modelBackend).ok);
});

test('a malformed example is reported, not skipped', (t) => {
  const r = runExample(one('frobnicate 3'), modelBackend);
  t.false(r.ok);
  t.regex(r.ok ? '' : r.message, /unknown command 'frobnicate'/);
  t.false(runExample(one('call read -> maybe'), modelBackend).ok);
});

test('line by line: lines before the failure held, the failing line says why, later lines did not run', (t) => {
  const run = runExampleLines(one('call getpid -> 1\ncall getpid -> 2\ncall getpid -> 1'), modelBackend);
  t.deepEqual(
    run.lines.map((l) => [l.line, l.status]),
    [
      [3, 'held'],
      [4, 'failed'],
      [5, 'not-run'],
    ],
  );
  t.regex(run.lines[1]?.message ?? '', /expected .*got/);
  t.deepEqual(
    runExampleLines(one('frobnicate'), modelBackend).lines.map((l) => l.status),
    ['failed'],
  );
});
