/**
 * Trace figures for `npm run bench`: on a trace of at least 4 M
 * lines written to a temporary file (the recorded `ls -l /` trace's calls
 * repeated after its execve), side by side in one run: a plain streaming
 * line count of the same file (the practical limit), the pipeline's parse
 * alone, and `seccomp-spec replay` and `generate` end to end. Each runs in
 * its own process (bench/child.ts), which reports its CPU time and its
 * peak resident memory; the best of two runs counts.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One measured run. */
export interface Run {
  readonly linesPerS: number;
  /** CPU time relative to the line count's. */
  readonly vsLineCount: number;
  readonly peakRssMb: number;
  readonly cpuSeconds: number;
}

/** The trace figures. */
export interface TraceFigures {
  readonly lines: number;
  readonly megabytes: number;
  readonly count: Run;
  readonly parse: Run;
  readonly replay: Run;
  readonly generate: Run;
}

const examples = new URL('../examples/', import.meta.url);
const child = fileURLToPath(new URL('child.ts', import.meta.url));

/** Write the recorded ls trace with its calls after execve repeated, `lines` lines in all; returns the byte count. */
function writeTrace(path: string, lines: number): number {
  const recorded = readFileSync(new URL('traces/ls.strace', examples), 'latin1')
    .split('\n')
    .filter((l) => l !== '');
  const exec = recorded.findIndex((l) => l.includes(' execve('));
  const body = recorded.slice(exec + 1).filter((l) => !l.includes('+++') && !l.includes('exit_group('));
  const tail = recorded.slice(recorded.findIndex((l) => l.includes('exit_group(')));
  const head = recorded.slice(0, exec + 1);
  const fd = openSync(path, 'w');
  let bytes = writeSync(fd, `${head.join('\n')}\n`);
  const block = `${body.join('\n')}\n`;
  let written = head.length;
  while (written + tail.length < lines) {
    const part =
      written + body.length + tail.length <= lines
        ? block
        : `${body.slice(0, lines - tail.length - written).join('\n')}\n`;
    bytes += writeSync(fd, part);
    written += written + body.length + tail.length <= lines ? body.length : lines - tail.length - written;
  }
  bytes += writeSync(fd, `${tail.join('\n')}\n`);
  closeSync(fd);
  return bytes;
}

interface ChildFigures {
  readonly result: number;
  readonly cpuSeconds: number;
  readonly peakRssMb: number;
}

/** Run bench/child.ts with `args`; its figures (best CPU time of two runs, the larger peak memory). */
function measure(args: readonly string[]): ChildFigures {
  let best: ChildFigures | null = null;
  for (let i = 0; i < 2; i++) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', child, ...args], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    const last = r.stderr.trim().split('\n').pop() ?? '';
    if (r.status !== 0 && args[0] !== 'cli') throw new Error(`bench child ${args.join(' ')} failed: ${r.stderr}`);
    const f = JSON.parse(last) as ChildFigures;
    best =
      best === null
        ? f
        : {
            result: f.result,
            cpuSeconds: Math.min(best.cpuSeconds, f.cpuSeconds),
            peakRssMb: Math.max(best.peakRssMb, f.peakRssMb),
          };
  }
  return best!;
}

/** Measure the four runs on a temporary trace of `lines` lines, deleted afterwards. */
export function measureTrace(lines = 4_000_000): TraceFigures {
  const dir = mkdtempSync(join(tmpdir(), 'seccomp-spec-bench-'));
  const file = join(dir, 'big.strace');
  try {
    const bytes = writeTrace(file, lines);
    const policy = fileURLToPath(new URL('policies/ls-allows.txt', examples));
    const count = measure(['count', file]);
    if (count.result !== lines) throw new Error(`the bench trace has ${count.result} lines, not ${lines}`);
    const parse = measure(['parse', file]);
    const replay = measure(['cli', 'replay', '--quiet', policy, file]);
    if (replay.result !== 0) throw new Error('the bench trace was not allowed by its policy');
    const generate = measure(['cli', 'generate', '--quiet', file]);
    if (generate.result !== 0) throw new Error('generate failed on the bench trace');
    const run = (f: ChildFigures): Run => ({
      linesPerS: lines / f.cpuSeconds,
      vsLineCount: f.cpuSeconds / count.cpuSeconds,
      peakRssMb: f.peakRssMb,
      cpuSeconds: f.cpuSeconds,
    });
    return {
      lines,
      megabytes: bytes / 1e6,
      count: run(count),
      parse: run(parse),
      replay: run(replay),
      generate: run(generate),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
