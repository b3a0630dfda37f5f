/**
 * The import direction of src/ (scripts/check-layers.ts, src/README.md):
 * the real tree passes, and planted upward imports, cycles and unplaced
 * folders fail. Plants are made in an in-memory copy of the import map,
 * never in src/.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkLayers,
  checkTable,
  importsOf,
  LAYERS,
  readSrcImports,
  SRC_DIR,
  type ImportMap,
} from '../scripts/check-layers.ts';

const real = readSrcImports(SRC_DIR);

/** The real map with `file` importing `spec` too (a new file if it is not there). */
function plant(file: string, ...specs: string[]): ImportMap {
  const m = new Map(real);
  m.set(file, [...(m.get(file) ?? []), ...specs]);
  return m;
}

test('the real tree: every import goes down and no files import each other', (t) => {
  // Not vacuous: the map holds the tree, with the kernel calling into the core.
  t.true(real.size > 60, `${real.size} files`);
  t.true(real.get('kernel/kernel.ts')?.includes('../seccomp/index.ts'));
  t.true(real.get('x86/table.ts')?.includes('./tables/x86_64.ts'));
  t.deepEqual(checkLayers(real), []);
});

test('the seccomp core importing the kernel (the old two-way shape) fails', (t) => {
  const problems = checkLayers(plant('seccomp/secure.ts', '../kernel/task.ts'));
  t.deepEqual(problems, [
    'src/seccomp/secure.ts: imports ../kernel/task.ts (src/kernel); src/seccomp may import x86, action, grammar, ruleset',
    // The kernel's task imports the core, so this also closes a cycle between files.
    'import cycle: src/kernel/task.ts -> src/seccomp/index.ts -> src/seccomp/secure.ts -> src/kernel/task.ts',
  ]);
});

test('an upward import from the bottom layer fails, type-only or not', (t) => {
  t.deepEqual(checkLayers(plant('x86/views.ts', '../grammar/index.ts')), [
    'src/x86/views.ts: imports ../grammar/index.ts (src/grammar); src/x86 may import no other folder',
  ]);
  t.is(checkLayers(plant('model/state.ts', '../seccomp/index.ts')).length, 1, 'model and seccomp sit side by side');
  t.is(checkLayers(plant('grammar/lint.ts', '../model/rules.ts')).length, 1);
});

test('an import cycle between files fails, within one folder too', (t) => {
  // lint.ts imports ast.ts; ast.ts importing lint.ts closes the cycle.
  t.true(real.get('grammar/lint.ts')?.includes('./ast.ts'));
  t.deepEqual(checkLayers(plant('grammar/ast.ts', './lint.ts')), [
    'import cycle: src/grammar/ast.ts -> src/grammar/lint.ts -> src/grammar/ast.ts',
  ]);
  // The table/tables cycle that the generated tables used to close.
  t.deepEqual(checkLayers(plant('x86/tables/ia32.ts', '../table.ts')), [
    'import cycle: src/x86/table.ts -> src/x86/tables/ia32.ts -> src/x86/table.ts',
  ]);
  // A longer one, and a file importing itself.
  const long = new Map<string, string[]>([
    ['trace/a.ts', ['./b.ts']],
    ['trace/b.ts', ['./c.ts', '../x86/index.ts']],
    ['trace/c.ts', ['./a.ts']],
    ['trace/d.ts', ['./d.ts']],
  ]);
  t.deepEqual(checkLayers(long), [
    'import cycle: src/trace/a.ts -> src/trace/b.ts -> src/trace/c.ts -> src/trace/a.ts',
    'import cycle: src/trace/d.ts -> src/trace/d.ts',
  ]);
});

test('the root face, a path leaving src/ and an unplaced folder fail', (t) => {
  t.deepEqual(checkLayers(plant('trace/replay.ts', '../index.ts')), [
    'src/trace/replay.ts: imports ../index.ts (the root face src/index.ts); src/trace may import x86, action, grammar, ruleset, minijail, oci, model, seccomp, kernel',
  ]);
  t.deepEqual(checkLayers(plant('x86/table.ts', '../../data/syscalls/syscalls-x86_64.json')), [
    'src/x86/table.ts: imports ../../data/syscalls/syscalls-x86_64.json, outside src/',
  ]);
  t.deepEqual(checkLayers(plant('extra/a.ts', '../x86/index.ts')), [
    'src/extra/a.ts: folder src/extra is not in LAYERS (scripts/check-layers.ts); place it there',
  ]);
});

test('the planned folders: bpf, native and conform pass where the table puts them, and fail above it', (t) => {
  const ok = plant(
    'bpf/compile.ts',
    '../seccomp/index.ts',
    '../model/index.ts',
    '../grammar/index.ts',
    '../x86/index.ts',
  );
  const ok2 = new Map([
    ...ok,
    ['native/run.ts', ['../bpf/index.ts', '../trace/index.ts', '../kernel/index.ts']],
    ['conform/run.ts', ['../native/run.ts', '../bpf/compile.ts']],
    ['cli/commands/bpf.ts', ['../../conform/run.ts']],
  ]);
  t.deepEqual(checkLayers(ok2), []);
  t.is(checkLayers(plant('bpf/compile.ts', '../kernel/index.ts')).length, 1, 'bpf is not above the kernel');
  t.is(checkLayers(plant('bpf/compile.ts', '../trace/index.ts')).length, 1);
  t.is(checkLayers(plant('native/run.ts', '../conform/index.ts')).length, 1);
  t.is(checkLayers(plant('kernel/kernel.ts', '../bpf/index.ts')).length, 1);
  t.is(checkLayers(plant('trace/replay.ts', '../cli/args.ts')).length, 1, 'only the root face is above the CLI');
});

test('packages and node: modules are not files of src/', (t) => {
  t.deepEqual(checkLayers(plant('x86/table.ts', 'node:fs', 'fp-ts/lib/Either.js')), []);
});

test('importsOf reads every kind of import and nothing in comments or strings', (t) => {
  const src = [
    "import type { A } from './a.ts';",
    "import { b } from '../b/index.ts';",
    "export * from './c.ts';",
    "export { d } from './d.ts';",
    "import './e.ts';",
    "const f = await import('./f.ts');",
    "// import { g } from '../kernel/g.ts';",
    "/* export * from '../kernel/h.ts'; */",
    'const s = "import { i } from \'../kernel/i.ts\'";',
  ].join('\n');
  t.deepEqual(importsOf(src), ['./a.ts', '../b/index.ts', './c.ts', './d.ts', './e.ts', './f.ts']);
});

test('the LAYERS table is acyclic and names only its own folders; a bad table fails', (t) => {
  t.deepEqual(checkTable(LAYERS), []);
  t.deepEqual(checkTable({ a: ['b'], b: ['a'] }), ['LAYERS: folders may import each other: a -> b -> a']);
  t.deepEqual(checkTable({ a: ['zz'] }), ['LAYERS: a may import zz, which is not in the table']);
});

test('src/README.md shows the LAYERS table as it is', (t) => {
  const text = readFileSync(join(SRC_DIR, 'README.md'), 'utf8');
  const rows = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^\| [^|]+ \| `([^`]+)` \| [^|]+ \| ([^|]+) \|$/.exec(line);
    if (m === null) continue;
    const may = m[2]!.trim();
    rows.set(m[1]!, may === 'nothing' ? [] : may.split(', '));
  }
  t.deepEqual(Object.fromEntries(rows), { ...LAYERS });
});
