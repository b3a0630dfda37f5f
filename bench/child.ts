/**
 * One measured run for bench/trace.ts, in its own process so its peak
 * resident memory is its own: `count FILE` (a plain streaming line count),
 * `parse FILE` (the pipeline to linked calls, no engine), or `cli ARGS...`
 * (the seccomp-spec command line). Prints one JSON line on stderr: the
 * run's wall-clock and CPU seconds and its peak RSS in MB.
 */
import { createReadStream } from 'node:fs';
import { main } from '../src/cli/main.ts';
import { TracePipeline, type CallSink } from '../src/trace/index.ts';
import type { Io } from '../src/cli/io.ts';
import { processIo } from '../src/cli/process-io.ts';

const [mode, ...rest] = process.argv.slice(2);
const CHUNK = 1 << 20;

async function count(file: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) n++;
  }
  return n;
}

/** A sink that keeps nothing. */
const NULL_SINK: CallSink = {
  call: () => null,
  event: () => undefined,
  completed: () => undefined,
  rename: () => undefined,
  end: () => null,
};

async function parse(file: string): Promise<number> {
  const p = new TracePipeline({ abi: 'x86_64', lenient: false }, NULL_SINK);
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) p.push(chunk);
  const r = p.end();
  if (!r.ok) throw new Error(`bench trace does not parse: ${JSON.stringify(r)}`);
  return r.lines;
}

const quietIo: Io = { ...processIo, out: () => undefined };

const t0 = performance.now();
const c0 = process.cpuUsage();
const result =
  mode === 'count' ? await count(rest[0]!) : mode === 'parse' ? await parse(rest[0]!) : await main(rest, quietIo);
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(c0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
process.stderr.write(
  `${JSON.stringify({ result, seconds, cpuSeconds, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
);
