/**
 * `npm run mutants`: plant each mutant of ./list.ts, one at a time, in a
 * scratch copy of the repository, run the suite on it and say which tests
 * killed it. Each mutant first meets the test files it
 * names; when they all pass, the whole suite runs, so "survived" always
 * means every test passed. The suite is ava without c8 and tsc, with
 * every property that must hold cut to PROPS_CAP runs (100 by default:
 * properties/support.ts); the searches that must find a planted S10 bug
 * keep their full run counts. Exit 0 when every mutant is killed and every
 * one marked equivalent survives.
 *
 *   npm run mutants [-- --only ID,ID] [--cap N] [--timeout SECONDS] [--list]
 *
 * `--list` shows each mutant and the file it is planted in. Any mutant
 * that cannot be planted (its text not exactly once in its file) fails the
 * run before anything else runs.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTANTS, type Mutant } from './list.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
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

/**
 * Why `m` cannot be planted in the tree at `root`, or null when it can:
 * its file exists and holds its search text exactly once.
 */
export function plantProblem(root: string, m: Mutant): string | null {
  const p = join(root, m.file);
  if (!existsSync(p)) return `${m.file} does not exist`;
  const n = occurrences(readFileSync(p, 'utf8'), m.search);
  return n === 1 ? null : `its search text is ${n === 0 ? 'not' : `${n} times`} in ${m.file} (it must be there once)`;
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
  const problems = chosen.flatMap((m) => {
    const p = plantProblem(ROOT, m);
    return p === null ? [] : [`${m.id}: cannot be planted: ${p}`];
  });
  if (opts.list)
    for (const m of chosen)
      process.stdout.write(
        `${m.id} (${m.file}): ${m.breaks}${m.equivalent === undefined ? '' : ` (equivalent: ${m.equivalent})`}\n`,
      );
  if (problems.length > 0) {
    process.stderr.write(`mutants: ${problems.join('\n')}\n`);
    return 1;
  }
  if (opts.list) return 0;
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
      const at = join(copy, m.file);
      let verdict: Verdict;
      let detail: string;
      const problem = plantProblem(copy, m);
      if (problem !== null) {
        verdict = 'error';
        detail = `cannot plant: ${problem}`;
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

// Run only as the script itself, so the test of the list can import plantProblem.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1])
  process.exitCode = await main();
