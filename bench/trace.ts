/**
 * Trace figures for `npm run bench` (issue 5): parsing rate of strace text
 * and the time to replay one million calls, on a trace built from the
 * recorded `ls -l /` trace by repeating its calls after the execve.
 */
import { readFileSync } from 'node:fs';
import { parseTrace, replay } from '../src/trace/index.ts';

/** Figures of one parse and one replay of a one-million-call trace. */
export interface TraceFigures {
  readonly lines: number;
  readonly megabytes: number;
  readonly parseLinesPerS: number;
  readonly replayCalls: number;
  readonly replaySeconds: number;
}

const examples = new URL('../examples/', import.meta.url);

/** The recorded ls trace with its calls after execve repeated until `calls` calls. */
function millionCallTrace(calls: number): string {
  const lines = readFileSync(new URL('traces/ls.strace', examples), 'latin1').split('\n').filter((l) => l !== '');
  const exec = lines.findIndex((l) => l.includes(' execve('));
  const body = lines.slice(exec + 1).filter((l) => !l.includes('+++') && !l.includes('exit_group('));
  const tail = lines.slice(lines.findIndex((l) => l.includes('exit_group(')));
  const out = lines.slice(0, exec + 1);
  while (out.length + tail.length < calls) out.push(...body.slice(0, calls - out.length - tail.length));
  return `${[...out, ...tail].join('\n')}\n`;
}

/** Seconds of CPU time `f` takes, and its result. */
function timed<T>(f: () => T): readonly [T, number] {
  const c0 = process.cpuUsage();
  const r = f();
  const c = process.cpuUsage(c0);
  return [r, (c.user + c.system) / 1e6];
}

/** Parse and replay a one-million-call trace under the ls policy; best of two runs each. */
export function measureTrace(calls = 1_000_000): TraceFigures {
  const text = millionCallTrace(calls);
  const policy = readFileSync(new URL('policies/ls-allows.txt', examples), 'latin1');
  let parseBest = Infinity;
  let replayBest = Infinity;
  let replayed = 0;
  for (let i = 0; i < 2; i++) {
    const [parsed, ps] = timed(() => parseTrace(text, { abi: 'x86_64', lenient: false }));
    if (!parsed.ok) throw new Error(`bench trace does not parse: line ${parsed.error.line}: ${parsed.error.message}`);
    parseBest = Math.min(parseBest, ps);
    const [r, rs] = timed(() => replay(parsed.trace, policy, { abi: 'x86_64', comm: 'ls' }));
    if (!r.ok || r.report.tasks.some((t) => t.kill !== null)) throw new Error('bench trace was not allowed by its policy');
    replayBest = Math.min(replayBest, rs);
    replayed = parsed.trace.events.filter((e) => e.kind === 'call').length;
  }
  const lines = text.split('\n').length - 1;
  return { lines, megabytes: text.length / 1e6, parseLinesPerS: lines / parseBest, replayCalls: replayed, replaySeconds: replayBest };
}
