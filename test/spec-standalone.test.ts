/**
 * spec/ is the whole specification and stands alone in a clone: every
 * rule is stated in it with its number, each chapter defines its terms
 * before it uses them, and no document of spec/ or README points outside
 * the repository.
 */
import test from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SPEC = join(ROOT, 'spec');
const chapters = readdirSync(SPEC)
  .filter((f) => /^\d\d-.*\.md$/.test(f))
  .sort();
const text = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

/** Every rule of the specification, by section. */
const RULES: Readonly<Record<number, readonly string[]>> = {
  1: ['S1.1', 'S1.2', 'S1.3'],
  2: ['S2.1', 'S2.2', 'S2.3', 'S2.4', 'S2.5'],
  3: ['S3.1', 'S3.2', 'S3.3', 'S3.4'],
  4: ['S4.1', 'S4.2'],
  5: ['S5.1', 'S5.2', 'S5.3', 'S5.4', 'S5.5', 'S5.6', 'S5.7'],
  6: ['S6.1', 'S6.2', 'S6.3', 'S6.4', 'S6.5', 'S6.6'],
  7: ['S7.1', 'S7.2', 'S7.3'],
  8: ['S8'],
  9: ['S9.1', 'S9.2', 'S9.3', 'S9.4', 'S9.5', 'S9.6', 'S9.7', 'S9.8'],
  10: ['S10.1', 'S10.2', 'S10a'],
};

test('every rule is stated once, in bold, in the chapter of its section', (t) => {
  const all = chapters.map((f) => [f, text(`spec/${f}`)] as const);
  for (const [section, rules] of Object.entries(RULES)) {
    const chapter = chapters.find((f) => Number(f.slice(0, 2)) === Number(section));
    t.truthy(chapter, `no chapter for S${section}`);
    for (const rule of rules) {
      const mark = `**${rule}**`;
      const where = all.filter(([, s]) => s.includes(mark)).map(([f]) => f);
      t.deepEqual(where, [chapter], `${mark} is stated in ${where.join(', ') || 'no chapter'}`);
      const s = all.find(([f]) => f === chapter)![1];
      t.is(s.split(mark).length, 2, `${mark} is stated more than once in ${chapter}`);
      // A statement, not only a mark: words follow it on its line.
      t.regex(s.slice(s.indexOf(mark)), /^\*\*S[\d.a]+\*\* \S.{20,}/, `${mark} is followed by no statement`);
    }
  }
  // No stray rule marks beyond the list.
  const listed = new Set(Object.values(RULES).flat());
  for (const [f, s] of all)
    for (const m of s.matchAll(/\*\*(S\d+[.\da]*)\*\*/g)) t.true(listed.has(m[1]!), `${f}: unknown rule ${m[1]}`);
});

/** Terms of the domain that a chapter must define in its opening "Terms used here." paragraph before it uses them. */
const TERMS = [
  'TS_COMPAT',
  'TIF_SECCOMP',
  'on_next_syscall',
  'PR_SET_SECCOMP 2',
  'pending',
  'NR_syscalls',
  'sys_ni_syscall',
  'orig_rax',
  'pt_regs',
  'x32',
  'comm',
  'tgid',
  '[ext]',
];

test('each chapter defines its terms before their first use', (t) => {
  const problems: string[] = [];
  for (const f of chapters) {
    const s = text(`spec/${f}`);
    const body = s.slice(s.indexOf('\n') + 1);
    const start = body.indexOf('Terms used here.');
    if (start < 0) problems.push(`${f} has no "Terms used here." paragraph`);
    const end = body.indexOf('\n\n', start);
    for (const term of TERMS) {
      // Whole words only: `comm` is not in `common_pid`.
      const m = new RegExp(`(?<![\\w])${term.replace(/[[\]]/g, '\\$&')}(?![\\w])`).exec(body);
      const first = m === null ? -1 : m.index;
      if (first >= 0 && !(first >= start && first < end))
        problems.push(`${f}: '${term}' is used before the chapter's terms define it`);
    }
  }
  t.deepEqual(problems, []);
});

/** The documents a user reads first: spec/, README.md, src/README.md. */
const DOCS = [...readdirSync(SPEC).map((f) => `spec/${f}`), 'README.md', 'src/README.md', 'data/syscalls/README.md'];

/** What in `doc` (a path from the root) with content `s` refers outside the repository, or links to nothing. */
function outsideRefs(doc: string, s: string): { problems: string[]; links: number } {
  const problems: string[] = [];
  let links = 0;
  for (const bad of ['shared/', 'SEMANTICS', '/work/', 'semantics brief', 'seeds/'])
    if (s.includes(bad)) problems.push(`${doc} mentions ${bad}`);
  for (const m of s.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1]!.split('#')[0]!;
    if (/^[a-z]+:/.test(target) || target === '') continue;
    links++;
    const abs = resolve(ROOT, dirname(doc), target);
    if (relative(ROOT, abs).startsWith('..')) problems.push(`${doc}: link ${target} leaves the repository`);
    else if (!existsSync(abs)) problems.push(`${doc}: link ${target} goes nowhere`);
  }
  return { problems, links };
}

test('spec/ and README point at nothing outside the repository', (t) => {
  const results = DOCS.map((doc) => outsideRefs(doc, text(doc)));
  t.deepEqual(
    results.flatMap((r) => r.problems),
    [],
  );
  const links = results.reduce((n, r) => n + r.links, 0);
  t.true(links > 20, `only ${links} links checked`);
});

test('the check fails on a link leaving the repository, a missing file and a mention of the old brief', (t) => {
  t.deepEqual(
    outsideRefs('spec/x.md', 'See [the rules](../../shared/rules.md) and [here](../src/README.md).').problems,
    ['spec/x.md mentions shared/', 'spec/x.md: link ../../shared/rules.md leaves the repository'],
  );
  t.deepEqual(outsideRefs('spec/x.md', '[gone](nothing-here.md), [in](01-abis.md#two-abis-s11)').problems, [
    'spec/x.md: link nothing-here.md goes nowhere',
  ]);
  t.deepEqual(outsideRefs('README.md', 'as SEMANTICS.md states').problems, ['README.md mentions SEMANTICS']);
});
