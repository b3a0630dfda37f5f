/**
 * Whole-text trace parsing, for small traces and the library: the same
 * pipeline as the streaming commands, collecting every event in the order
 * of the calls' entries.
 */
import type { RawCall } from './call.ts';
import type { CallSink } from './link.ts';
import { TracePipeline } from './stream.ts';
import type { Trace, TraceError, TraceEvent, TraceFormat, TraceOptions, TraceResult } from './types.ts';

/** JSON lines when the first non-blank character is `{`, strace text otherwise. */
export function detectFormat(text: string): TraceFormat {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') continue;
    return c === '{' ? 'jsonl' : 'strace';
  }
  return 'strace';
}

/** Collects events; an unfinished call's event gets its result when it is resumed. */
class ListSink implements CallSink {
  readonly events: TraceEvent[] = [];
  private readonly pending = new Map<number, number>();
  private root: number | null = null;

  call(c: RawCall): null {
    if (c.open) this.pending.set(c.line, this.events.length);
    this.events.push(c.toCall());
    return null;
  }
  event(e: TraceEvent): void {
    this.events.push(e);
  }
  completed(c: RawCall): void {
    const k = this.pending.get(c.line);
    if (k === undefined) return;
    this.pending.delete(c.line);
    this.events[k] = c.toCall();
  }
  rename(pid: number): void {
    this.root = pid;
  }
  end(): null {
    return null;
  }
  /** The events in the order of their entries, lines without a pid given the root's. */
  ordered(): TraceEvent[] {
    const r = this.root;
    const events = r === null ? this.events : this.events.map((e) => (e.pid === 0 ? { ...e, pid: r } : e));
    return events.sort((a, b) => a.line - b.line);
  }
}

/** Parse `text` in `format` (detected when null). */
function parseText(text: string, opts: TraceOptions, format: TraceFormat | null): TraceResult {
  return parseChunks([new TextEncoder().encode(text)], opts, format);
}

/**
 * Parse a trace given as chunks of bytes (UTF-8), cut anywhere, in
 * `format` (detected when null): the same result as the bytes in one piece.
 */
export function parseChunks(
  chunks: Iterable<Uint8Array>,
  opts: TraceOptions,
  format: TraceFormat | null = null,
): TraceResult {
  const list = new ListSink();
  const skipped: TraceError[] = [];
  const p = new TracePipeline(
    { ...opts, ...(format === null ? {} : { format }), onSkip: (e) => skipped.push(e) },
    list,
  );
  for (const chunk of chunks) if (!p.push(chunk)) break;
  const r = p.end();
  if (!r.ok)
    return { ok: false, error: 'error' in r ? r.error : { line: 0, column: 0, message: r.policy, source: '' } };
  const trace: Trace = { format: r.format, events: list.ordered(), lines: r.lines, skipped };
  return { ok: true, trace };
}

/** Parse a trace in either format (S1 names, raw 64-bit arguments). Never throws. */
export function parseTrace(text: string, opts: TraceOptions): TraceResult {
  return parseText(text, opts, null);
}

/** Parse strace output. Strict: the first bad line is the error; lenient: bad lines are listed and skipped. */
export function parseStrace(text: string, opts: TraceOptions): TraceResult {
  return parseText(text, opts, 'strace');
}

/** Parse a JSON-lines trace (blank lines ignored). */
export function parseJsonl(text: string, opts: TraceOptions): TraceResult {
  return parseText(text, opts, 'jsonl');
}
