/**
 * The mutants of scripts/mutants/list.ts can all be planted: each one's
 * search text occurs exactly once in the file it names, so moving or
 * reflowing code cannot disable a mutant unnoticed. (`npm run mutants`
 * refuses to start on a list that fails this.) The tests each mutant
 * names exist, and ids are unique.
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTANTS } from '../scripts/mutants/list.ts';
import { plantProblem } from '../scripts/mutants/run.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

test('every mutant can be planted: its search text is exactly once in its file', (t) => {
  t.true(MUTANTS.length >= 35, `${MUTANTS.length} mutants`);
  const problems = MUTANTS.flatMap((m) => {
    const p = plantProblem(ROOT, m);
    return p === null ? [] : [`${m.id}: ${p}`];
  });
  t.deepEqual(problems, []);
});

test('every mutant changes its text, names tests that exist, and has its own id', (t) => {
  for (const m of MUTANTS) {
    t.not(m.search, m.replace, m.id);
    t.true(m.tests.length > 0, `${m.id} names no test`);
    for (const f of m.tests) t.true(existsSync(join(ROOT, f)), `${m.id}: ${f} does not exist`);
  }
  t.is(new Set(MUTANTS.map((m) => m.id)).size, MUTANTS.length);
});

test('a mutant whose text is missing, repeated or in a missing file cannot be planted', (t) => {
  const m = MUTANTS[0]!;
  t.is(plantProblem(ROOT, m), null);
  t.regex(plantProblem(ROOT, { ...m, search: 'no such text, anywhere' }) ?? '', /is not in/);
  t.regex(plantProblem(ROOT, { ...m, search: 'import' }) ?? '', /is \d+ times in/);
  t.regex(plantProblem(ROOT, { ...m, file: 'src/nowhere.ts' }) ?? '', /does not exist/);
});
