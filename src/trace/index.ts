/** Traces (issue 5): parse strace and JSON-lines logs, explain decisions, replay, generate policies. */
export type { Trace, TraceCall, TraceEnd, TraceError, TraceEvent, TraceFormat, TraceOptions, TraceResult, TraceSignal } from './types.ts';
export { detectFormat, parseTrace } from './parse.ts';
export { parseStrace, isFork } from './strace.ts';
export { parseJsonl, JsonCallCodec } from './jsonl.ts';
export { printJsonl, printStrace } from './print.ts';
export { resolveTraceName, traceName } from './names.ts';
