/**
 * Traces (spec/11-traces.md): parse strace and JSON-lines logs, explain decisions, replay, generate policies.
 * The streaming pipeline: bytes (LineSplitter) -> lines (StraceScanner or JSON lines) -> linked calls
 * (Linker) -> the launcher's decision (Launcher) -> the engine (Replayer) or the generator (Generator).
 */
export type {
  Trace,
  TraceCall,
  TraceEnd,
  TraceError,
  TraceEvent,
  TraceFormat,
  TraceOptions,
  TraceResult,
  TraceSignal,
} from './types.ts';
export { detectFormat, parseChunks, parseJsonl, parseStrace, parseTrace } from './parse.ts';
export { isFork, RawCall } from './call.ts';
export { JsonCallCodec } from './jsonl.ts';
export { plural, printJsonl, printStrace } from './print.ts';
export { namedArgs, resolveTraceName, traceName, type NamedArg } from './names.ts';
export type { CallExplanation, DecisionState, FieldValue, Why } from './explain.ts';
export type { CallRecord } from '../model/index.ts';
export { recordOfCall, explainDecision, showFields, showWhy, why } from './explain.ts';
export type {
  Denial,
  Kill,
  ReplayOptions,
  ReplayReport,
  ReplayResult,
  SyscallRow,
  TaskReport,
} from './replay-report.ts';
export { answerText } from './replay-report.ts';
export { Replayer, replay } from './replay.ts';
export type { InstallPoint, Launch, LaunchSink } from './launch.ts';
export { checkedCalls, installPoint, Launcher, traceAbi, WINDOW } from './launch.ts';
export type { GenerateOptions, Generated } from './generate.ts';
export { Generator, generatePolicy } from './generate.ts';
export type { CallSink, SinkError } from './link.ts';
export { MAX_LINE } from './lines.ts';
export { DECODED } from './strace.ts';
export type { StreamOptions, StreamResult } from './stream.ts';
export { streamTrace, TracePipeline } from './stream.ts';
