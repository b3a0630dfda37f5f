/**
 * Streaming trace input for the trace commands (replay, generate, record):
 * a file, a pipe or `-` goes through the trace pipeline into a sink, with
 * progress on a terminal, errors as `file:line:col:` and a caret, and the
 * --lenient share check (T15).
 */
import { caret } from '../grammar/index.ts';
import { TracePipeline, streamTrace, type CallSink, type StreamResult, type TraceError } from '../trace/index.ts';
import type { Abi } from '../x86/table.ts';
import { EXIT, type Io } from './io.ts';

/** --lenient fails when it skipped more than this share of the trace's lines (T15). */
export const LENIENT_MAX_SHARE = 0.01;

/** How often the progress line is redrawn, in milliseconds. */
const PROGRESS_MS = 250;

/** `file:line:col: message` and a caret (columns 1-based, C7); a whole-trace error (line 0) has neither. */
export const locatedTrace = (file: string, e: TraceError): string =>
  e.line === 0
    ? `${file}: ${e.message}\n`
    : `${file}:${e.line}:${e.column + 1}: ${e.message}\n${caret(e.source, e.column)}\n`;

/** How a trace command reads its trace. */
export interface TraceInput {
  readonly file: string;
  readonly abi: Abi;
  readonly lenient: boolean;
  /** No progress line even on a terminal. */
  readonly quiet: boolean;
  /** The command's name, on the progress line. */
  readonly label: string;
}

/** A trace read to its end: the pipeline's counts. */
export type TraceRead = Extract<StreamResult, { ok: true }>;

const mb = (n: number): string => (n / 1e6).toFixed(1);
const group = (n: number): string => Math.round(n).toLocaleString('en');

/**
 * Stream `input.file` into `sink`. Prints every error itself and returns
 * the exit code on one (2: the file cannot be opened; 1: a bad line, a
 * policy the engine refused, no call, too many lines skipped), else the counts.
 */
export async function readTrace(input: TraceInput, sink: CallSink, io: Io): Promise<TraceRead | number> {
  const { file } = input;
  const src = io.openStream(file);
  if (src instanceof Error) {
    io.err(`${file}: cannot read: ${src.message}\n`);
    return EXIT.USAGE;
  }
  let first: TraceError | null = null;
  const p = new TracePipeline({ abi: input.abi, lenient: input.lenient, onSkip: (e) => void (first ??= e) }, sink);
  const progress = io.errIsTty && !input.quiet;
  const t0 = performance.now();
  // The first line right away, then a few a second.
  let shown = -Infinity;
  let drawn = false;
  const tick = (): void => {
    const now = performance.now();
    if (now - shown < PROGRESS_MS) return;
    shown = now;
    drawn = true;
    const of = src.size === null ? `${mb(p.bytes)} MB` : `${mb(p.bytes)} of ${mb(src.size)} MB`;
    io.err(`\r\x1b[K${input.label}: ${of}, ${group(p.lines)} lines, ${group(p.calls / ((now - t0) / 1000))} calls/s`);
  };
  let r: StreamResult;
  try {
    r = await streamTrace(src.chunks, p, progress ? tick : undefined);
  } catch (e) {
    if (drawn) io.err('\r\x1b[K');
    io.err(`${file}: cannot read: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.FAIL;
  }
  if (drawn) io.err('\r\x1b[K');
  if (!r.ok) {
    if ('policy' in r) {
      if (r.policy !== '') io.err(`${file}: ${r.policy}\n`);
    } else {
      io.err(locatedTrace(file, r.error));
      if (!input.lenient && r.error.line > 0 && !r.error.message.startsWith('decoded arguments'))
        io.err('(--lenient skips bad lines and counts them)\n');
    }
    return EXIT.FAIL;
  }
  const skipped = r.skipped;
  if (first !== null)
    io.err(
      `${file}: skipped ${skipped} bad line${skipped === 1 ? '' : 's'} (--lenient); the first:\n${locatedTrace(file, first)}`,
    );
  // A trace with no call proves nothing about a policy: judging it "ok" would be a silent allow.
  if (r.calls === 0) {
    io.err(`${file}: no system call in the trace (${r.lines} lines${skipped > 0 ? `, ${skipped} skipped` : ''})\n`);
    return EXIT.FAIL;
  }
  if (skipped > r.lines * LENIENT_MAX_SHARE) {
    io.err(
      `${file}: --lenient skipped ${skipped} of ${r.lines} lines, more than ${LENIENT_MAX_SHARE * 100}%: a report on the rest would not speak for the trace (T15)\n`,
    );
    return EXIT.FAIL;
  }
  return r;
}
