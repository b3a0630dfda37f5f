/**
 * The trace pipeline's driver: bytes (a file, a pipe, or text) go through
 * the line splitter, the strace scanner or the JSON-lines reader, and the
 * linker, into a CallSink; each stage consumes the previous one's output.
 * Errors keep their line, column and source; --lenient skips bad lines,
 * counting them.
 */
import { RawCall } from './call.ts';
import { parseRecord } from './jsonl.ts';
import { Linker, type CallSink, type LinkError, type SinkError } from './link.ts';
import { LineSplitter, lineText, MAX_LINE, textColumn, type LineSink } from './lines.ts';
import { LineError, StraceScanner } from './strace.ts';
import type { TraceError, TraceFormat, TraceOptions } from './types.ts';

/** How a streamed trace ended. */
export type StreamResult =
  | {
      readonly ok: true;
      readonly format: TraceFormat;
      readonly lines: number;
      readonly calls: number;
      readonly skipped: number;
    }
  | { readonly ok: false; readonly error: TraceError }
  | { readonly ok: false; readonly policy: string };

/** Options of the pipeline: the parser's, a forced format, and what to do with a skipped line. */
export interface StreamOptions extends TraceOptions {
  readonly format?: TraceFormat;
  /** Called for each line --lenient skips. */
  readonly onSkip?: (e: TraceError) => void;
}

const isBlank = (b: Uint8Array, start: number, end: number): boolean => {
  for (let i = start; i < end; i++) if (b[i] !== 32 && b[i] !== 9) return false;
  return true;
};

/** Bytes in, calls out to `sink`. */
export class TracePipeline implements LineSink {
  /** Lines skipped (--lenient). */
  skipped = 0;
  private readonly splitter = new LineSplitter(this);
  private readonly scanner = new StraceScanner();
  private readonly linker: Linker;
  private format: TraceFormat | null;
  private failure: StreamResult | null = null;
  private jsonCalls = 0;

  constructor(
    private readonly opts: StreamOptions,
    private readonly sink: CallSink,
  ) {
    this.linker = new Linker(opts.abi, sink);
    this.format = opts.format ?? null;
  }

  /** Lines read so far. */
  get lines(): number {
    return this.splitter.lines;
  }
  /** Bytes read so far. */
  get bytes(): number {
    return this.splitter.bytes;
  }
  /** Calls read so far. */
  get calls(): number {
    return this.linker.calls + this.jsonCalls;
  }

  /** Feed the next chunk; false once an error stopped the pipeline. */
  push(chunk: Uint8Array): boolean {
    return this.splitter.push(chunk);
  }

  /** The input ended. */
  end(): StreamResult {
    if (this.failure === null && this.splitter.end()) {
      const err = this.format === 'jsonl' ? this.sink.end() : this.linker.finish();
      if (err !== null) this.fail(err, 0, null, 0, 0, 0);
    }
    return (
      this.failure ?? {
        ok: true,
        format: this.format ?? 'strace',
        lines: this.lines,
        calls: this.calls,
        skipped: this.skipped,
      }
    );
  }

  /** LineSink: one line. */
  line(buf: Uint8Array, start: number, end: number, line: number, overlong: boolean): boolean {
    if (isBlank(buf, start, end)) return true;
    if (this.format === null) {
      let i = start;
      while (buf[i] === 32 || buf[i] === 9 || buf[i] === 13) i++;
      this.format = buf[i] === 123 ? 'jsonl' : 'strace';
    }
    if (overlong) return this.fail(`line longer than ${MAX_LINE} bytes`, line, buf, start, end, start);
    if (this.format === 'jsonl') return this.json(buf, start, end, line);
    let err: LinkError | null;
    try {
      const s = this.scanner.scan(buf, start, end, line, this.linker.abiOf);
      err = this.linker.add(s);
      if (err !== null && typeof err === 'string' && s.kind === 4)
        return this.fail(err, line, buf, start, end, start + s.column);
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      return this.fail(e.message, line, buf, start, end, start + e.column, e.fatal);
    }
    return err === null || this.fail(err, line, buf, start, end, start);
  }

  private json(buf: Uint8Array, start: number, end: number, line: number): boolean {
    const source = lineText(buf, start, end);
    const r = parseRecord(source, line, this.opts.abi);
    if (!('kind' in r)) return this.failText({ line, column: r.column, message: r.message, source }, false);
    this.jsonCalls++;
    const err = this.sink.call(RawCall.from(r));
    return err === null || this.fail(err, line, buf, start, end, start);
  }

  /** An error at byte `at` of the line: skipped under --lenient unless fatal or a later stage's; else the end. */
  private fail(
    err: LinkError,
    line: number,
    buf: Uint8Array | null,
    start: number,
    end: number,
    at: number,
    fatal = false,
  ): boolean {
    if (typeof err !== 'string') return this.stop(err, line, buf, start, end);
    const source = buf === null ? '' : lineText(buf, start, end);
    const column = buf === null ? 0 : textColumn(buf, start, Math.min(at, end));
    return this.failText({ line, column, message: err, source }, fatal);
  }

  private failText(error: TraceError, fatal: boolean): boolean {
    if (this.opts.lenient && !fatal && error.line > 0) {
      this.skipped++;
      this.opts.onSkip?.(error);
      return true;
    }
    this.failure = { ok: false, error };
    return false;
  }

  private stop(err: SinkError, line: number, buf: Uint8Array | null, start: number, end: number): boolean {
    this.failure =
      err.about === 'policy'
        ? { ok: false, policy: err.message }
        : {
            ok: false,
            error: { line, column: 0, message: err.message, source: buf === null ? '' : lineText(buf, start, end) },
          };
    return false;
  }
}

/** Run a pipeline over an async byte source (a file or pipe stream); `tick` is called after each chunk. */
export async function streamTrace(
  source: AsyncIterable<Uint8Array>,
  p: TracePipeline,
  tick?: () => void,
): Promise<StreamResult> {
  for await (const chunk of source) {
    if (!p.push(chunk)) break;
    tick?.();
  }
  return p.end();
}
