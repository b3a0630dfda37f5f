/**
 * What `run` costs on short real workloads (find over a directory tree,
 * gzip of a file): each is recorded with strace, its policy generated, and
 * then timed side by side, alternating: plain; under the C helper alone
 * (the supervisor `run` starts, with the compiled program); under `run`
 * end to end from the built package (Node's start, the policy checked and
 * compiled, the helper); and under the same policy compiled with `bpf
 * --allow-execve` and loaded by bubblewrap. Medians of wall time, and each
 * against plain.
 */
import { spawnSync, type StdioOptions } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isLeft } from 'fp-ts/lib/Either.js';
import { nativeHelper, resolveCommand } from '../src/native/index.ts';
import { STRACE_OPTIONS } from '../src/cli/commands/record.ts';
import { installedPackage } from './startup.ts';

/** One workload's medians (ms) and their ratios to plain; CPU time (user + system) of the processes, mean per run. */
export interface RunFigures {
  readonly name: string;
  readonly rounds: number;
  readonly medianMs: Readonly<Record<string, number>>;
  readonly vsPlain: Readonly<Record<string, number>>;
  readonly cpuMs: Readonly<Record<string, number>>;
}

/** CPU milliseconds of this process's waited-for children so far (/proc/self/stat cutime + cstime, in 10 ms ticks). */
function childCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Case {
  readonly name: string;
  readonly file: string;
  readonly args: readonly string[];
  /** Files opened on fds 3, 4, ... for the run. */
  readonly fds?: readonly (readonly [string, 'r' | 'w'])[];
}

function timed(c: Case, cwd: string, cpu?: number[]): number {
  const fds = (c.fds ?? []).map(([path, mode]) => openSync(path, mode));
  try {
    const stdio: StdioOptions = ['ignore', 'ignore', 'pipe', ...fds];
    const c0 = childCpuMs();
    const t0 = performance.now();
    const r = spawnSync(c.file, c.args, { cwd, stdio, encoding: 'utf8' });
    const ms = performance.now() - t0;
    cpu?.push(childCpuMs() - c0);
    if (r.status !== 0) throw new Error(`${c.name}: ${c.file} ${c.args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return ms;
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

function must(file: string, args: readonly string[], cwd: string, stdout?: string): void {
  const out = stdout === undefined ? 'ignore' : openSync(stdout, 'w');
  try {
    const r = spawnSync(file, args, { cwd, stdio: ['ignore', out, 'pipe'], encoding: 'utf8' });
    if (r.status !== 0)
      throw new Error(`${file} ${args.join(' ')} exited ${r.status}: ${r.error?.message ?? r.stderr}`);
  } finally {
    if (typeof out === 'number') closeSync(out);
  }
}

/** The figures of `run` on find and gzip; throws with what is missing (dist/, strace, bwrap, cc). */
export function measureRun(rounds = 9): readonly RunFigures[] {
  const helper = nativeHelper();
  if (isLeft(helper)) throw new Error(helper.left.message);
  for (const tool of ['strace', 'bwrap', 'find', 'gzip'])
    if (resolveCommand(tool) === null) throw new Error(`${tool} is not installed`);
  const dir = mkdtempSync(join(tmpdir(), 'seccomp-spec-run-bench-'));
  // The built CLI, laid out as an installed package (bench/startup.ts): no tsx in the figures.
  const pkg = installedPackage();
  const bin = join(pkg, 'bin', 'seccomp-spec');
  try {
    const cli = (args: readonly string[], stdout?: string): void => must(process.execPath, [bin, ...args], dir, stdout);
    // A tree of 100 folders of 200 files, and a 24 MB file of text for gzip.
    for (let d = 0; d < 100; d++) {
      mkdirSync(join(dir, 'tree', `d${d}`), { recursive: true });
      for (let f = 0; f < 200; f++) writeFileSync(join(dir, 'tree', `d${d}`, `f${f}`), '');
    }
    const line = 'the quick brown fox jumps over the lazy dog 0123456789\n';
    writeFileSync(join(dir, 'big.txt'), line.repeat(Math.ceil(24e6 / line.length)));
    const workloads: readonly (readonly [string, readonly string[]])[] = [
      ['find', ['find', 'tree', '-type', 'f']],
      ['gzip', ['gzip', '-c', '-n', 'big.txt']],
    ];
    const figures: RunFigures[] = [];
    for (const [name, argv] of workloads) {
      must('strace', [...STRACE_OPTIONS, '-o', `${name}.strace`, '--', ...argv], dir);
      cli(['generate', '-q', `${name}.strace`], join(dir, `${name}.policy`));
      cli(['bpf', `${name}.policy`, '--format', 'raw', '--kill', 'trace:1', '-o', `${name}.trace.bpf`]);
      cli(['bpf', `${name}.policy`, '--format', 'raw', '--allow-execve', '-o', `${name}.loader.bpf`]);
      const path = resolveCommand(argv[0]!)!;
      const cases: readonly Case[] = [
        { name: 'plain', file: path, args: argv.slice(1) },
        {
          name: 'helper',
          file: helper.right,
          args: ['launch', 'kill', 'exec-pass', '3', '4', path, ...argv],
          fds: [
            [join(dir, `${name}.trace.bpf`), 'r'],
            ['/dev/null', 'w'],
          ],
        },
        { name: 'run', file: process.execPath, args: [bin, 'run', `${name}.policy`, '--', ...argv] },
        {
          name: 'bwrap',
          file: 'bwrap',
          args: ['--dev-bind', '/', '/', '--seccomp', '3', '--', ...argv],
          fds: [[join(dir, `${name}.loader.bpf`), 'r']],
        },
        { name: 'node -e 0', file: process.execPath, args: ['-e', '0'] },
      ];
      for (const c of cases) timed(c, dir);
      const times = cases.map(() => [] as number[]);
      const cpus = cases.map(() => [] as number[]);
      for (let i = 0; i < rounds; i++) cases.forEach((c, k) => times[k]!.push(timed(c, dir, cpus[k])));
      const cpuMs = Object.fromEntries(cases.map((c, k) => [c.name, cpus[k]!.reduce((a, b) => a + b, 0) / rounds]));
      const medianMs = Object.fromEntries(cases.map((c, k) => [c.name, median(times[k]!)]));
      const vsPlain = Object.fromEntries(
        cases.filter((c) => c.name !== 'plain').map((c) => [c.name, medianMs[c.name]! / medianMs['plain']!]),
      );
      figures.push({ name, rounds, medianMs, vsPlain, cpuMs });
    }
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(pkg, { recursive: true, force: true });
  }
}

// `node --import tsx bench/run.ts`: this part alone.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const f of measureRun(Number(process.env['ROUNDS'] ?? 9))) {
    console.log(`${f.name} (${f.rounds} rounds, median wall time)`);
    for (const [name, ms] of Object.entries(f.medianMs))
      console.log(
        `  ${name.padEnd(10)} ${ms.toFixed(0).padStart(6)} ms  cpu ${f.cpuMs[name]!.toFixed(0).padStart(5)} ms${f.vsPlain[name] === undefined ? '' : `  ${f.vsPlain[name]!.toFixed(2)}x plain`}`,
      );
  }
}
