/** Trace input: detect the format (strace text or JSON lines) and parse it. */
import { parseJsonl } from './jsonl.ts';
import { parseStrace } from './strace.ts';
import type { TraceFormat, TraceOptions, TraceResult } from './types.ts';

/** JSON lines when the first non-blank character is `{`, strace text otherwise. */
export function detectFormat(text: string): TraceFormat {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') continue;
    return c === '{' ? 'jsonl' : 'strace';
  }
  return 'strace';
}

/** Parse a trace in either format (S1 names, raw 64-bit arguments). Never throws. */
export function parseTrace(text: string, opts: TraceOptions): TraceResult {
  return detectFormat(text) === 'jsonl' ? parseJsonl(text, opts) : parseStrace(text, opts);
}
