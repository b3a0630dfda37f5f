/**
 * The CLI's start, side by side with `node -e 0`: `seccomp-spec --version`
 * and `check` of a small policy from the built package (dist/, laid out as
 * an installed package: bin/, dist/, package.json, no src/), and the same
 * through tsx in this clone. Runs alternate, one of each kind per round, so
 * the load of a shared machine falls on all of them alike; medians of wall
 * time per run are compared.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** One kind of run: its label and argv (after node). */
export interface StartupCase {
  readonly name: string;
  readonly argv: readonly string[];
}

/** Median wall milliseconds per case, and each against `node -e 0`. */
export interface StartupFigures {
  readonly rounds: number;
  readonly medianMs: Readonly<Record<string, number>>;
  readonly vsNode: Readonly<Record<string, number>>;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Wall milliseconds of one `node ...argv` run; throws when it fails. */
function timed(argv: readonly string[], cwd: string): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, argv, { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

/** Run every case `rounds` times, alternating, after one warm-up round; medians and ratios to the first case. */
export function sideBySide(cases: readonly StartupCase[], rounds: number, cwd: string): StartupFigures {
  for (const c of cases) timed(c.argv, cwd);
  const times = cases.map(() => [] as number[]);
  for (let i = 0; i < rounds; i++) cases.forEach((c, k) => times[k]!.push(timed(c.argv, cwd)));
  const medianMs = Object.fromEntries(cases.map((c, k) => [c.name, median(times[k]!)]));
  const base = medianMs[cases[0]!.name]!;
  const vsNode = Object.fromEntries(cases.slice(1).map((c) => [c.name, medianMs[c.name]! / base]));
  return { rounds, medianMs, vsNode };
}

/** An installed package's layout in a temporary folder: bin/ and package.json copied, dist/ and node_modules/ linked. */
export function installedPackage(): string {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'index.js')))
    throw new Error('dist/ is missing: run `npm run build` before the startup bench');
  const dir = mkdtempSync(join(tmpdir(), 'seccomp-spec-startup-'));
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(ROOT, 'bin', 'seccomp-spec'), join(dir, 'bin', 'seccomp-spec'));
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(ROOT, 'dist'), join(dir, 'dist'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** The startup figures: built package and clone, `--version` and `check` of a small policy. */
export function measureStartup(rounds = 15): StartupFigures {
  const pkg = installedPackage();
  try {
    writeFileSync(join(pkg, 'small.policy'), 'read: fd == 0\nwrite: fd == 1 || fd == 2\nexit_group: 1\n');
    const built = join(pkg, 'bin', 'seccomp-spec');
    const clone = join(ROOT, 'bin', 'seccomp-spec');
    return sideBySide(
      [
        { name: 'node -e 0', argv: ['-e', '0'] },
        { name: 'built --version', argv: [built, '--version'] },
        { name: 'built check', argv: [built, 'check', 'small.policy'] },
        { name: 'clone (tsx) --version', argv: [clone, '--version'] },
        { name: 'clone (tsx) check', argv: [clone, 'check', 'small.policy'] },
      ],
      rounds,
      pkg,
    );
  } finally {
    rmSync(pkg, { recursive: true, force: true });
  }
}

// `node --import tsx bench/startup.ts`: this part alone.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const f = measureStartup(Number(process.env['ROUNDS'] ?? 15));
  for (const [name, ms] of Object.entries(f.medianMs))
    console.log(
      `${name.padEnd(24)} ${ms.toFixed(0).padStart(5)} ms${f.vsNode[name] === undefined ? '' : `  ${f.vsNode[name]!.toFixed(2)}x node -e 0`}`,
    );
}
