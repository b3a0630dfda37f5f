/** Traces (issue 5): parse strace and JSON-lines logs, explain decisions, replay, generate policies. */
export type { Trace, TraceCall, TraceEnd, TraceError, TraceEvent, TraceFormat, TraceOptions, TraceResult, TraceSignal } from './types.ts';
export { detectFormat, parseTrace } from './parse.ts';
export { parseStrace } from './strace.ts';
export { isFork } from './link.ts';
export { parseJsonl, JsonCallCodec } from './jsonl.ts';
export { printJsonl, printStrace } from './print.ts';
export { resolveTraceName, traceName } from './names.ts';
export type { CallRecord, Decision, DecisionState, FieldValue, Why } from './explain.ts';
export { callRecord, explainDecision, showFields, showWhy, why } from './explain.ts';
export type { Kill, NamedArg, ReplayOptions, ReplayReport, ReplayResult, SyscallRow, TaskReport } from './replay.ts';
export { PROGRESS_EVERY, namedArgs, replay } from './replay.ts';
export type { InstallPoint } from './launch.ts';
export { checkedCalls, installPoint, traceAbi } from './launch.ts';
export type { GenerateOptions, Generated } from './generate.ts';
export { generatePolicy } from './generate.ts';
