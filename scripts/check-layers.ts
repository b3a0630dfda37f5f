/**
 * The import direction of src/, written once (`LAYERS`), and the check
 * that keeps it: every import between files of src/ goes to the same
 * folder or to a folder its own folder may import, and no files import
 * each other in a cycle. `checkLayers` is a pure function over a map of
 * file -> import specifiers; `readSrcImports` builds that map from the
 * tree with TypeScript's own import scanner (comments and strings are not
 * imports). test/layers.test.ts runs it in `npm test`; by hand:
 * `node --import tsx scripts/check-layers.ts` (exit 1 on a violation).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * Which folders of src/ each folder may import, bottom to top (its own
 * files are always allowed). `*` allows every folder. `.` is the package's
 * root face, src/index.ts, which no file of src/ may import. A folder that
 * is listed but does not exist yet changes nothing; a folder of src/ that
 * is not listed fails the check until it is placed here.
 */
export const LAYERS: Readonly<Record<string, readonly string[]>> = {
  // 1 the vocabularies: x86 (system call tables, registers, vectors, types) and seccomp's actions.
  x86: [],
  action: [],
  // 2 the public API's argument checks, shared by the model and the engine.
  api: ['x86'],
  // 2 the filter language.
  grammar: ['x86', 'action'],
  // 2 the decision form every dialect is read into.
  ruleset: ['x86', 'action', 'grammar'],
  // 2 the dialects of today's policies, read into the decision form.
  minijail: ['x86', 'action', 'grammar', 'ruleset'],
  oci: ['x86', 'action', 'grammar', 'ruleset'],
  // 3 the pure specification and the engine's seccomp core, side by side.
  model: ['x86', 'action', 'grammar', 'ruleset', 'api'],
  seccomp: ['x86', 'action', 'grammar', 'ruleset'],
  // 4 the simulated kernel and entry path: it calls into the core.
  kernel: ['x86', 'action', 'grammar', 'ruleset', 'seccomp', 'api'],
  // 5 the tools on top of the engine and the model.
  trace: ['x86', 'action', 'grammar', 'ruleset', 'minijail', 'oci', 'model', 'seccomp', 'kernel'],
  bpf: ['x86', 'action', 'grammar', 'ruleset', 'model', 'seccomp'],
  proof: ['x86', 'action', 'grammar', 'ruleset', 'minijail', 'oci', 'model', 'bpf'],
  native: ['x86', 'action', 'grammar', 'ruleset', 'minijail', 'oci', 'model', 'seccomp', 'kernel', 'trace', 'bpf'],
  conform: [
    'x86',
    'action',
    'grammar',
    'ruleset',
    'minijail',
    'oci',
    'model',
    'seccomp',
    'kernel',
    'trace',
    'bpf',
    'native',
  ],
  'spec-runner': ['x86', 'action', 'grammar', 'ruleset', 'minijail', 'oci', 'model', 'seccomp', 'kernel'],
  // 6 the command line.
  cli: ['*'],
  // the package's root face (src/index.ts).
  '.': ['*'],
};

/** File (relative to src/, `/`-separated, e.g. `seccomp/secure.ts`) -> the specifiers it imports, as written. */
export type ImportMap = ReadonlyMap<string, readonly string[]>;

/** The folder of a file relative to src/: its first path segment, or `.` for a file at the top. */
export function folderOf(file: string): string {
  const i = file.indexOf('/');
  return i < 0 ? '.' : file.slice(0, i);
}

/** Whether folder `from` may import folder `to` under `layers`. */
function allowed(layers: Readonly<Record<string, readonly string[]>>, from: string, to: string): boolean {
  if (to === '.') return false;
  if (from === to) return true;
  const may = layers[from] ?? [];
  return may.includes('*') || may.includes(to);
}

/** Problems with the table itself: a name it allows that it does not list, or folders that may import each other. */
export function checkTable(layers: Readonly<Record<string, readonly string[]>>): string[] {
  const out: string[] = [];
  const names = Object.keys(layers);
  for (const [from, may] of Object.entries(layers)) {
    for (const to of may)
      if (to !== '*' && !(to in layers)) out.push(`LAYERS: ${from} may import ${to}, which is not in the table`);
  }
  // The folder graph without the `*` rows (cli and the root face sit on top) must be acyclic.
  const graph = new Map(names.map((n) => [n, (layers[n] ?? []).filter((t) => t !== '*' && t in layers)]));
  for (const cycle of cycles(graph)) out.push(`LAYERS: folders may import each other: ${cycle.join(' -> ')}`);
  return out;
}

/**
 * Every violation in `files`, as messages naming the file and the import:
 * an import of a folder its folder may not import, an import of the root
 * face, an import leaving src/, a file in a folder the table does not
 * list, and every cycle between files. Specifiers that are not relative
 * (packages, `node:` modules) are not files of src/ and are not checked.
 * Empty when all is well.
 */
export function checkLayers(files: ImportMap, layers: Readonly<Record<string, readonly string[]>> = LAYERS): string[] {
  const out = checkTable(layers);
  const graph = new Map<string, string[]>();
  for (const [file, specs] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const from = folderOf(file);
    if (!(from in layers))
      out.push(`src/${file}: folder src/${from} is not in LAYERS (scripts/check-layers.ts); place it there`);
    const targets: string[] = [];
    for (const spec of specs) {
      if (!spec.startsWith('./') && !spec.startsWith('../')) continue;
      const target = posix.normalize(posix.join(posix.dirname(file), spec));
      if (target.startsWith('../')) {
        out.push(`src/${file}: imports ${spec}, outside src/`);
        continue;
      }
      const to = folderOf(target);
      if (from in layers && !allowed(layers, from, to)) {
        const may = layers[from]!.length === 0 ? 'no other folder' : layers[from]!.join(', ');
        const what = to === '.' ? 'the root face src/index.ts' : `src/${to}`;
        out.push(`src/${file}: imports ${spec} (${what}); src/${from} may import ${may}`);
      }
      targets.push(target);
    }
    graph.set(file, targets);
  }
  for (const cycle of cycles(graph)) out.push(`import cycle: ${cycle.map((f) => `src/${f}`).join(' -> ')}`);
  return out;
}

/**
 * One cycle (first node repeated at the end) for each strongly connected
 * component of `graph` with more than one node or a self-loop (Tarjan,
 * iterative, so a deep graph cannot overflow the stack).
 */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const found: string[][] = [];
  let next = 0;
  const succ = (n: string): readonly string[] => (graph.get(n) ?? []).filter((m) => graph.has(m));
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const work: [string, number][] = [[root, 0]];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const [n, i] = top;
      const s = succ(n);
      if (i < s.length) {
        top[1] = i + 1;
        const m = s[i]!;
        if (!index.has(m)) {
          index.set(m, next);
          low.set(m, next++);
          stack.push(m);
          onStack.add(m);
          work.push([m, 0]);
        } else if (onStack.has(m)) low.set(n, Math.min(low.get(n)!, index.get(m)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]![0];
        low.set(parent, Math.min(low.get(parent)!, low.get(n)!));
      }
      if (low.get(n) !== index.get(n)) continue;
      const comp: string[] = [];
      for (;;) {
        const m = stack.pop()!;
        onStack.delete(m);
        comp.push(m);
        if (m === n) break;
      }
      if (comp.length > 1 || succ(n).includes(n)) found.push(cycleIn(new Set(comp), succ));
    }
  }
  return found;
}

/** A shortest cycle through the smallest node of a strongly connected `comp`, by breadth-first search. */
function cycleIn(comp: ReadonlySet<string>, succ: (n: string) => readonly string[]): string[] {
  const start = [...comp].sort()[0]!;
  const prev = new Map<string, string>();
  const queue = [start];
  for (let q = 0; q < queue.length; q++) {
    const n = queue[q]!;
    for (const m of succ(n)) {
      if (!comp.has(m)) continue;
      if (m === start) {
        const path = [start];
        for (let x = n; x !== start; x = prev.get(x)!) path.splice(1, 0, x);
        path.push(start);
        return path;
      }
      if (!prev.has(m)) {
        prev.set(m, n);
        queue.push(m);
      }
    }
  }
  return [start, start];
}

/** The specifiers a TypeScript source imports: static, type-only, re-exports and dynamic `import()`; never text in comments or strings. */
export function importsOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

/** The TypeScript files under `srcDir` and the specifiers each imports (`importsOf`). */
export function readSrcImports(srcDir: string): Map<string, string[]> {
  const files = new Map<string, string[]>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) {
        files.set(relative(srcDir, p).split('\\').join('/'), importsOf(readFileSync(p, 'utf8')));
      }
    }
  };
  walk(srcDir);
  return files;
}

/** src/ of this repository. */
export const SRC_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problems = checkLayers(readSrcImports(SRC_DIR));
  for (const p of problems) console.error(p);
  console.log(
    problems.length === 0
      ? 'layers: every import of src/ goes down, no cycles'
      : `layers: ${problems.length} problem(s)`,
  );
  process.exit(problems.length === 0 ? 0 : 1);
}
