/**
 * `npm run mutants`: plant each mutant of mutants/list.ts, one at a time,
 * in a scratch copy of the repository, run the suite on it and say which
 * tests killed it (issue 14). Each mutant first meets the test files it
 * names; when they all pass, the whole suite runs, so "survived" always
 * means every test passed. The suite is ava without c8 and tsc, with
 * every property that must hold cut to PROPS_CAP runs (100 by default:
 * properties/support.ts); the searches that must find a planted S10 bug
 * keep their full run counts. Exit 0 when every mutant is killed and every
 * one marked equivalent survives.
 *
 *   npm run mutants [-- --only ID,ID] [--cap N] [--timeout SECONDS] [--list]
 *
 * `--list` shows each mutant and the file it would be planted in, and fails
 * when one cannot be planted.
 */
import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTANTS, type Mutant } from '../mutants/list.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SKIP = new Set(['node_modules', '.git', 'coverage', 'dist', '.nyc_output']);

interface Options {
  readonly only: readonly string[] | null;
  readonly cap: number;
  readonly timeoutS: number;
  readonly list: boolean;
}

function options(argv: readonly string[]): Options | string {
  let only: string[] | null = null;
  let cap = 100;
  let timeoutS = 1200;
  let list = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string | undefined => argv[++i];
    if (a === '--only') only = (next() ?? '').split(',').filter((s) => s !== '');
    else if (a === '--cap') cap = Number(next());
    else if (a === '--timeout') timeoutS = Number(next());
    else if (a === '--list') list = true;
    else return `unknown option '${a}'`;
  }
  if (!Number.isInteger(cap) || cap < 10)
    return '--cap takes a whole number of at least 10 (no single-digit run counts)';
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) return '--timeout takes a positive number of seconds';
  const unknown = (only ?? []).filter((id) => !MUTANTS.some((m) => m.id === id));
  if (unknown.length > 0) return `no mutant named ${unknown.join(', ')}`;
  return { only, cap, timeoutS, list };
}

const occurrences = (text: string, s: string): number => text.split(s).length - 1;

function* sourceFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sourceFiles(p);
    else if (e.name.endsWith('.ts')) yield p;
  }
}

/** The file of `copy` that holds the mutant's text exactly once: a listed path, else the one file of src/ that does. */
function locate(copy: string, m: Mutant): string | { readonly error: string } {
  for (const f of m.files) {
    const p = join(copy, f);
    if (existsSync(p) && occurrences(readFileSync(p, 'utf8'), m.search) === 1) return p;
  }
  const found = [...sourceFiles(join(copy, 'src'))].filter((p) => occurrences(readFileSync(p, 'utf8'), m.search) === 1);
  if (found.length === 1) return found[0]!;
  return {
    error:
      found.length === 0
        ? 'its text is in no file of src/ (exactly once)'
        : `its text is in ${found.length} files: ${found.map((p) => relative(copy, p)).join(', ')}`,
  };
}

interface Run {
  readonly passed: boolean;
  readonly failed: readonly string[];
  readonly timedOut: boolean;
  readonly seconds: number;
}

/** ava on `copy` (on `files`, or every test file), TAP output; the titles of the tests that failed. */
function runSuite(copy: string, opts: Options, files: readonly string[] = []): Promise<Run> {
  const start = Date.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(copy, 'node_modules/ava/entrypoints/cli.mjs'), '--tap', ...files], {
      cwd: copy,
      env: { ...process.env, PROPS_CAP: String(opts.cap), FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, opts.timeoutS * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const failed = [...out.matchAll(/^not ok \d+ - (.*)$/gm)].map((x) => x[1]!.trim());
      done({ passed: code === 0 && !timedOut, failed, timedOut, seconds: (Date.now() - start) / 1000 });
    });
  });
}

/** A copy of the repository without node_modules (linked) or VCS data. */
function scratchCopy(): string {
  const copy = mkdtempSync(join(tmpdir(), 'seccomp-mutants-'));
  cpSync(ROOT, copy, { recursive: true, filter: (src) => !SKIP.has(relative(ROOT, src).split(/[\\/]/)[0] ?? '') });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
  return copy;
}

type Verdict = 'killed' | 'survived' | 'equivalent' | 'equivalent-killed' | 'error';

const shortList = (xs: readonly string[]): string =>
  xs.length <= 4 ? xs.join('; ') : `${xs.slice(0, 4).join('; ')}; and ${xs.length - 4} more`;

async function main(): Promise<number> {
  const opts = options(process.argv.slice(2));
  if (typeof opts === 'string') {
    process.stderr.write(`mutants: ${opts}\n`);
    return 2;
  }
  const chosen = opts.only === null ? MUTANTS : MUTANTS.filter((m) => opts.only!.includes(m.id));
  if (opts.list) {
    let bad = 0;
    for (const m of chosen) {
      const at = locate(ROOT, m);
      if (typeof at !== 'string') bad++;
      const where = typeof at === 'string' ? relative(ROOT, at) : `CANNOT PLANT: ${at.error}`;
      process.stdout.write(
        `${m.id} (${where}): ${m.breaks}${m.equivalent === undefined ? '' : ` (equivalent: ${m.equivalent})`}\n`,
      );
    }
    return bad === 0 ? 0 : 1;
  }
  const copy = scratchCopy();
  try {
    process.stdout.write(`scratch copy ${copy}; PROPS_CAP=${opts.cap}; ${chosen.length} mutants, one at a time\n`);
    const base = await runSuite(copy, opts);
    if (!base.passed) {
      process.stdout.write(
        `the unmutated suite does not pass (${base.seconds.toFixed(0)} s): ${base.timedOut ? 'timed out' : shortList(base.failed)}\n`,
      );
      return 2;
    }
    process.stdout.write(`baseline passes in ${base.seconds.toFixed(0)} s\n`);
    const tally = new Map<Verdict, number>();
    for (const m of chosen) {
      const at = locate(copy, m);
      let verdict: Verdict;
      let detail: string;
      if (typeof at !== 'string') {
        verdict = 'error';
        detail = `cannot plant: ${at.error}`;
      } else {
        const original = readFileSync(at, 'utf8');
        writeFileSync(
          at,
          original.replace(m.search, () => m.replace),
        );
        const quick = await runSuite(copy, opts, m.tests);
        const r = quick.passed ? await runSuite(copy, opts) : quick;
        writeFileSync(at, original);
        const where = `${relative(copy, at)}, ${quick.passed ? `its tests passed, whole suite ${r.seconds.toFixed(0)} s` : `${m.tests.join(' ')} ${r.seconds.toFixed(0)} s`}`;
        const killers = r.timedOut ? 'the suite timed out' : `${r.failed.length} failing: ${shortList(r.failed)}`;
        if (m.equivalent !== undefined) {
          verdict = r.passed ? 'equivalent' : 'equivalent-killed';
          detail = r.passed
            ? `survives as claimed: ${m.equivalent} (${where})`
            : `marked equivalent but killed (${where}); ${killers}`;
        } else {
          verdict = r.passed ? 'survived' : 'killed';
          detail = r.passed ? `no test fails (${where})` : `${killers} (${where})`;
        }
      }
      tally.set(verdict, (tally.get(verdict) ?? 0) + 1);
      process.stdout.write(`${verdict.toUpperCase().padEnd(17)} ${m.id}: ${m.breaks}\n${' '.repeat(18)}${detail}\n`);
    }
    const n = (v: Verdict): number => tally.get(v) ?? 0;
    const live = chosen.length - n('equivalent') - n('equivalent-killed');
    process.stdout.write(
      `\nmutants: ${chosen.length}: killed ${n('killed')}, survived ${n('survived')}, ` +
        `equivalent ${n('equivalent')} (survived as claimed), marked equivalent but killed ${n('equivalent-killed')}, could not be planted ${n('error')}; ` +
        `score ${n('killed')}/${live}\n`,
    );
    return n('survived') + n('equivalent-killed') + n('error') === 0 ? 0 : 1;
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

process.exitCode = await main();
