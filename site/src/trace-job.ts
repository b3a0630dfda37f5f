/**
 * One trace replay as the playground runs it, in a Web Worker so a large log
 * never freezes the page: read the log in chunks, parse it, replay it under
 * the policy as `seccomp-spec replay --lenient` does, posting progress.
 */
import { checkPolicy } from '../../src/cli/inputs.ts';
import { Launcher, parseTrace, RawCall, Replayer, traceAbi, type ReplayReport } from '../../src/trace/index.ts';

/** A replay request: the policy, the log's name, and the log as text or as a file to read in chunks. */
export interface TraceJob {
  readonly policy: string;
  readonly name: string;
  readonly source: string | Blob;
}

/** What the job posts: progress, then a report or an error. */
export type TraceMessage =
  | {
      readonly kind: 'progress';
      readonly phase: 'read' | 'parse' | 'replay';
      readonly done: number;
      readonly total: number;
    }
  | { readonly kind: 'error'; readonly message: string }
  | {
      readonly kind: 'done';
      readonly head: string;
      readonly report: ReplayReport;
      readonly skipped: number;
      readonly firstSkipped: string | null;
    };

const CHUNK = 1 << 20;
/** Events replayed between two progress messages. */
const PROGRESS_EVERY = 50_000;

async function readText(source: string | Blob, post: (m: TraceMessage) => void): Promise<string> {
  if (typeof source === 'string') return source;
  const decoder = new TextDecoder('latin1');
  const parts: string[] = [];
  for (let at = 0; at < source.size; at += CHUNK) {
    parts.push(decoder.decode(await source.slice(at, at + CHUNK).arrayBuffer(), { stream: true }));
    post({ kind: 'progress', phase: 'read', done: Math.min(source.size, at + CHUNK), total: source.size });
  }
  parts.push(decoder.decode());
  return parts.join('');
}

/** Run a job; every result goes through `post`. */
export async function runTraceJob(job: TraceJob, post: (m: TraceMessage) => void): Promise<void> {
  const text = await readText(job.source, post);
  post({ kind: 'progress', phase: 'parse', done: 0, total: 1 });
  const parsed = parseTrace(text, { abi: 'x86_64', lenient: true });
  if (!parsed.ok) return post({ kind: 'error', message: `${job.name}:${parsed.error.line}: ${parsed.error.message}` });
  const trace = parsed.trace;
  const calls = trace.events.filter((e) => e.kind === 'call').length;
  if (calls === 0)
    return post({ kind: 'error', message: `${job.name}: no system call in the trace (${trace.lines} lines)` });
  const abi = traceAbi(trace, 'x86_64');
  const checked = checkPolicy(job.policy, abi);
  if (!checked.ok)
    return post({ kind: 'error', message: `the policy is not valid for ${abi}: ${checked.errors[0]?.message ?? ''}` });
  const comm = job.name.replace(/^.*\//, '').replace(/\..*$/, '') || 'traced';
  // The replay stages of `seccomp-spec replay`, driven here so progress can be posted between events.
  const replayer = new Replayer(job.policy, { abi, comm });
  const launcher = new Launcher(replayer, abi);
  const total = trace.events.length;
  for (let done = 0; done < total; done++) {
    const e = trace.events[done]!;
    const err = e.kind === 'call' ? launcher.call(RawCall.from(e)) : (launcher.event(e), null);
    if (err !== null) return post({ kind: 'error', message: err.message });
    if (done % PROGRESS_EVERY === 0) post({ kind: 'progress', phase: 'replay', done, total });
  }
  const end = launcher.end();
  if (end !== null) return post({ kind: 'error', message: end.message });
  post({ kind: 'progress', phase: 'replay', done: total, total });
  const r = { report: replayer.report() };
  const first = trace.skipped[0];
  const head = `replay of ${job.name} (${trace.lines} lines, ${calls} calls) under the policy (${abi})`;
  post({
    kind: 'done',
    head,
    report: r.report,
    skipped: trace.skipped.length,
    firstSkipped: first === undefined ? null : `line ${first.line}: ${first.message}`,
  });
}
