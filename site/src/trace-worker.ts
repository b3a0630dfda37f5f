/** The playground's trace worker: one replay per message (see trace-job.ts). */
import { runTraceJob, type TraceJob, type TraceMessage } from './trace-job.ts';

const post = (m: TraceMessage): void => self.postMessage(m);
self.addEventListener('message', (e: MessageEvent<TraceJob>) => {
  runTraceJob(e.data, post).catch((err: unknown) => post({ kind: 'error', message: String(err) }));
});
