/**
 * Runs every `replay-example` block of spec/*.md through the CLI (chapter 11)
 * with src/spec-runner, as the site does: the exit code must match and every
 * `expect` line must appear in stdout.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { runCli } from '../src/cli/memory.ts';
import { checkReplay, extractReplayExamples, type ReplayExample } from '../src/spec-runner/index.ts';

const specDir = new URL('../spec/', import.meta.url);

const found = readdirSync(specDir)
  .filter((f) => f.endsWith('.md'))
  .flatMap((f) => extractReplayExamples(readFileSync(new URL(f, specDir), 'utf8'), f));
const examples = found.filter((e): e is ReplayExample => typeof e !== 'string');

test('spec/: there are replay examples for chapter 11, and every block is well formed', (t) => {
  t.true(examples.length >= 4, `found ${examples.length}`);
  t.deepEqual(
    found.filter((e) => typeof e === 'string'),
    [],
  );
});

/** What differs between an example's expectations and its run: empty when it holds. */
const problems = async (ex: ReplayExample): Promise<readonly string[]> => (await checkReplay(ex, runCli)).problems;

for (const ex of examples) {
  test(`spec/${ex.file}:${ex.line} replay example`, async (t) => {
    t.deepEqual(await problems(ex), []);
  });
}

test('spec/: a replay example with a wrong exit code or a wrong line fails, at that line', async (t) => {
  const ex = examples[0]!;
  t.is((await problems({ ...ex, exit: ex.exit === 0 ? 1 : 0 })).length, 1);
  const wrong = await checkReplay(
    { ...ex, expect: [...ex.expect, 'a line the replay never prints'], expectLines: [...ex.expectLines, 999] },
    runCli,
  );
  t.is(wrong.problems.length, 1);
  t.deepEqual(wrong.failedLines, [999]);
});

test('spec/: a block that is not in the replay-example format is reported with its line', (t) => {
  const [bad] = extractReplayExamples('x\n```replay-example\nexit 0\nfrobnicate\n```\n', 't.md');
  t.is(bad, 't.md:4: not part of the replay-example format: frobnicate');
});
