/** The trace drop zone: a log replays in a worker; the page shows progress, the kill explanations and the per-call table. */
import { printValue } from '../../src/grammar/index.ts';
import type { ReplayReport } from '../../src/trace/index.ts';
import { h } from './dom.ts';
import { runTraceJob, type TraceJob, type TraceMessage } from './trace-job.ts';

declare const TRACE_WORKER_SOURCE: string;

/** A worker from the bundled source (a Blob URL: file:// pages cannot load worker files), or null where none can start. */
function startWorker(): Worker | null {
  try {
    return new Worker(URL.createObjectURL(new Blob([TRACE_WORKER_SOURCE], { type: 'text/javascript' })));
  } catch {
    return null;
  }
}

function killRows(report: ReplayReport): readonly HTMLElement[] {
  return report.tasks.map((t) => {
    if (t.kill === null)
      return h('p', { class: 'task ok' }, `task ${t.tracePid} (engine pid ${t.pid}): ok, ${t.allowed} calls allowed`);
    const k = t.kill;
    const call = `${k.name}(${k.args.map((a) => `${a.name}=${printValue(a.value)}`).join(', ')})${k.abi === 'ia32' ? ' [ia32]' : ''}`;
    return h(
      'div',
      { class: 'task kill' },
      h(
        'p',
        {},
        h('strong', {}, `task ${t.tracePid} (engine pid ${t.pid}): KILLED`),
        ` at line ${k.line} after ${t.allowed} allowed call${t.allowed === 1 ? '' : 's'}`,
      ),
      h(
        'dl',
        {},
        h('dt', {}, 'call'),
        h('dd', {}, call),
        h('dt', {}, 'entry'),
        h('dd', {}, k.decision.entry === null ? 'none' : `${k.name}: ${k.decision.entry}`),
        h('dt', {}, 'reason'),
        h('dd', { class: 'reason' }, k.decision.reason),
        ...(k.log === null ? [] : [h('dt', {}, 'log'), h('dd', {}, k.log)]),
      ),
    );
  });
}

function table(report: ReplayReport): HTMLElement {
  return h(
    'table',
    { class: 'calls' },
    h(
      'thead',
      {},
      h('tr', {}, h('th', {}, 'system call'), h('th', {}, 'nr'), h('th', {}, 'allowed'), h('th', {}, 'killed')),
    ),
    h(
      'tbody',
      {},
      ...report.summary.map((r) =>
        h(
          'tr',
          { class: r.killed > 0 ? 'killed' : '' },
          h('td', {}, r.name),
          h('td', {}, `${r.abi === 'ia32' ? 'ia32 ' : ''}${r.nr}`),
          h('td', {}, String(r.allowed)),
          h('td', {}, String(r.killed)),
        ),
      ),
    ),
  );
}

/** The result of a replay as the page shows it. */
function render(m: Extract<TraceMessage, { kind: 'done' }>): readonly HTMLElement[] {
  const killed = m.report.tasks.filter((t) => t.kill !== null).length;
  const n = m.report.tasks.length;
  return [
    h('p', { class: 'head' }, m.head),
    ...(m.skipped > 0
      ? [
          h(
            'p',
            { class: 'note' },
            `skipped ${m.skipped} bad line${m.skipped === 1 ? '' : 's'}; the first: ${m.firstSkipped ?? ''}`,
          ),
        ]
      : []),
    ...killRows(m.report),
    ...m.report.notes.map((note) => h('p', { class: 'note' }, `note: ${note}`)),
    h(
      'p',
      { class: 'total', 'data-killed': String(killed) },
      `${killed} of ${n} task${n === 1 ? '' : 's'} killed; ${m.report.unreached} call${m.report.unreached === 1 ? '' : 's'} not reached`,
    ),
    table(m.report),
  ];
}

/** Replays `job` and shows it in `out` with `bar` as progress; a new replay ends the one before. */
export function traceRunner(out: HTMLElement, bar: HTMLProgressElement): (job: TraceJob) => void {
  let worker: Worker | null = null;
  const show = (m: TraceMessage): void => {
    if (m.kind === 'progress') {
      bar.hidden = false;
      out.dataset['phases'] = [
        ...new Set([...(out.dataset['phases'] ?? '').split(' ').filter((p) => p !== ''), m.phase]),
      ].join(' ');
      bar.max = m.total;
      bar.value = m.done;
      out.dataset['state'] = 'running';
      out.replaceChildren(
        h(
          'p',
          {},
          `${m.phase}: ${m.done} of ${m.total}${m.phase === 'read' ? ' bytes' : m.phase === 'replay' ? ' events' : ''}`,
        ),
      );
      return;
    }
    bar.hidden = true;
    out.dataset['state'] = m.kind;
    out.replaceChildren(...(m.kind === 'error' ? [h('p', { class: 'diag error' }, m.message)] : render(m)));
  };
  return (job) => {
    worker?.terminate();
    out.dataset['phases'] = '';
    worker = startWorker();
    document.body.dataset['traceRunsIn'] = worker === null ? 'page' : 'worker';
    if (worker === null) {
      void runTraceJob(job, show);
      return;
    }
    worker.addEventListener('message', (e: MessageEvent<TraceMessage>) => show(e.data));
    worker.addEventListener('error', (e) => show({ kind: 'error', message: `the replay stopped: ${e.message}` }));
    worker.postMessage(job);
  };
}
