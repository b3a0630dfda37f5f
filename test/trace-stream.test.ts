/**
 * Replay and generate stream a trace of several hundred
 * megabytes through a pipe, made on the fly (never written to disk), in a
 * child process whose peak memory stays bounded. Not timed: the figures of
 * speed are in `npm run bench`.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
const recorded = readFileSync(new URL('examples/traces/ls.strace', root), 'latin1')
  .split('\n')
  .filter((l) => l !== '');
const exec = recorded.findIndex((l) => l.includes(' execve('));
const head = `${recorded.slice(0, exec + 1).join('\n')}\n`;
const body = recorded.slice(exec + 1).filter((l) => !l.includes('+++') && !l.includes('exit_group('));
const tail = `${recorded.slice(recorded.findIndex((l) => l.includes('exit_group('))).join('\n')}\n`;
/** The ls trace's calls after its execve, 64 times over: one write to the pipe. */
const block = Buffer.from(`${body.join('\n')}\n`.repeat(64), 'latin1');
const BLOCK_LINES = body.length * 64;
/** Bounded memory: the point of streaming. */
const MAX_RSS_MB = 200;

interface Measured {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  readonly peakRssMb: number;
}

/** Run the CLI in a child with `blocks` blocks of the ls trace piped into its stdin, written as it reads. */
function pipeInto(argv: readonly string[], blocks: number): Promise<Measured> {
  // The child is not instrumented for coverage: it measures memory, and c8 would add its own.
  const env = { ...process.env };
  delete env['NODE_V8_COVERAGE'];
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('test/support/measured-cli.ts', root)), ...argv],
    {
      cwd: fileURLToPath(root),
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => void (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => void (err += d.toString()));
  const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  const write = async (): Promise<void> => {
    const ok = (b: Buffer | string): Promise<void> =>
      new Promise((resolve) => (child.stdin.write(b) ? resolve() : child.stdin.once('drain', resolve)));
    await ok(head);
    for (let i = 0; i < blocks; i++) await ok(block);
    child.stdin.end(tail);
  };
  child.stdin.on('error', () => undefined);
  return Promise.all([write(), done]).then(([, code]) => {
    const m = /peak-rss-mb: ([0-9.]+)\n$/.exec(err);
    return { code, out, err, peakRssMb: m === null ? Number.NaN : Number(m[1]) };
  });
}

const lines = (blocks: number): number =>
  head.split('\n').length - 1 + blocks * BLOCK_LINES + tail.split('\n').length - 1;

test('replay streams a 300 MB trace from a pipe: the same report as a small one, peak memory under 200 MB', async (t) => {
  const blocks = Math.ceil(300e6 / block.length);
  const r = await pipeInto(['replay', '--quiet', 'examples/policies/ls-allows.txt', '-'], blocks);
  t.is(r.code, 0, r.err);
  t.regex(
    r.out,
    new RegExp(
      `^replay of - \\(${lines(blocks)} lines, ${lines(blocks) - 1} calls\\) under examples/policies/ls-allows.txt \\(x86_64\\)\n`,
    ),
  );
  t.regex(r.out, /\ntask 7263 \(engine pid 1\): ok, \d+ calls allowed\n/);
  t.regex(r.out, /\n0 of 1 task killed; 0 calls not reached\n$/);
  t.true(r.peakRssMb > 0 && r.peakRssMb < MAX_RSS_MB, `peak RSS ${r.peakRssMb} MB`);
});

test("generate streams a 100 MB trace from a pipe with bounded memory and prints the small trace's policy", async (t) => {
  const small = await pipeInto(['generate', '--args', 'fd', '-'], 1);
  const r = await pipeInto(['generate', '--args', 'fd', '--quiet', '-'], Math.ceil(100e6 / block.length));
  t.is(r.code, 0, r.err);
  const entries = (s: string): string =>
    s
      .split('\n')
      .filter((l) => !l.startsWith('# Generated'))
      .join('\n');
  t.is(entries(r.out), entries(small.out));
  t.true(r.peakRssMb > 0 && r.peakRssMb < MAX_RSS_MB, `peak RSS ${r.peakRssMb} MB`);
});
