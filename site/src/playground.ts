/**
 * The playground: policy editor with live diagnostics, a call form decided
 * by the CLI's eval, the compiled BPF, and a trace drop zone. The state
 * (policy, ABI, call) lives in the URL fragment.
 */
import { policies, traces } from 'samples:examples';
import type { Abi, Vector } from '../../src/x86/index.ts';
import { renderBpf, type BpfCall } from './bpf-pane.ts';
import { argInputs, callNames, entryAbi, evaluate, renderDecision, type EvalReport } from './call-pane.ts';
import { byId, debounce, h } from './dom.ts';
import { diagnose, hasPending, renderDiagnostics, withPending } from './policy-pane.ts';
import { decodeState, encodeState, type State } from './state.ts';
import { traceRunner } from './trace-pane.ts';

const policy = byId('policy', HTMLTextAreaElement);
const abiSelect = byId('abi', HTMLSelectElement);
const pending = byId('pending', HTMLInputElement);
const callName = byId('call-name', HTMLInputElement);
const vectorSelect = byId('vector', HTMLSelectElement);
const argsBox = byId('call-args', HTMLDivElement);
const decision = byId('decision', HTMLDivElement);
const permalink = byId('permalink', HTMLAnchorElement);

const abi = (): Abi => (abiSelect.value === 'ia32' ? 'ia32' : 'x86_64');
const vector = (): Vector =>
  vectorSelect.value === 'int80' || vectorSelect.value === 'sysenter' ? vectorSelect.value : 'syscall';
const argValues = (): Record<string, string> =>
  Object.fromEntries(
    [...argsBox.querySelectorAll<HTMLInputElement>('input[data-arg]')].map((i) => [i.dataset['arg'] ?? '', i.value]),
  );

const state = (): State => ({
  policy: policy.value,
  abi: abi(),
  vector: vector(),
  call: callName.value.trim(),
  args: argValues(),
});

function fillNames(): void {
  byId('call-names', HTMLDataListElement).replaceChildren(
    ...callNames(entryAbi(abi(), vector())).map((n) => h('option', { value: n })),
  );
}

function fillArgs(values: Readonly<Record<string, string>>): void {
  argsBox.replaceChildren(...argInputs(entryAbi(abi(), vector()), callName.value.trim(), values));
}

/** The call eval decided, as the BPF pane runs it: arguments in table order, 0 where none was given. */
const bpfCall = (r: EvalReport): BpfCall => ({
  abi: r.abi,
  nr: r.nr,
  args: Object.values(r.args).map((v) => BigInt(v)),
  allowed: r.allowed,
});

let evaluation = 0;
let queued = false;
/**
 * Diagnostics, decision, BPF and URL for the current state; a later update
 * overtakes an earlier one. `body[data-busy]` is there while an input waits
 * for its update (the browser tests wait for it to go).
 */
async function update(): Promise<void> {
  const mine = ++evaluation;
  queued = false;
  document.body.dataset['busy'] = '1';
  const s = state();
  pending.checked = hasPending(s.policy);
  byId('diagnostics', HTMLDivElement).replaceChildren(...renderDiagnostics(diagnose(s.policy, s.abi)));
  const hash = encodeState(s);
  history.replaceState(null, '', hash);
  permalink.href = hash;
  const r = s.call === '' ? 'name a system call' : await evaluate(s.policy, s.abi, s.vector, s.call, s.args);
  if (mine !== evaluation) return;
  decision.replaceChildren(renderDecision(r));
  byId('bpf', HTMLDivElement).replaceChildren(...renderBpf(s.policy, s.abi, typeof r === 'string' ? null : bpfCall(r)));
  if (!queued) delete document.body.dataset['busy'];
}

function load(s: State): void {
  policy.value = s.policy;
  abiSelect.value = s.abi;
  vectorSelect.value = s.vector;
  callName.value = s.call;
  fillNames();
  fillArgs(s.args);
  void update();
}

const later = debounce(() => void update(), 150);
const soon = (): void => {
  queued = true;
  document.body.dataset['busy'] = '1';
  later();
};
policy.addEventListener('input', soon);
pending.addEventListener('change', () => {
  policy.value = withPending(policy.value, pending.checked);
  void update();
});
for (const el of [abiSelect, vectorSelect]) {
  el.addEventListener('change', () => {
    fillNames();
    fillArgs(argValues());
    void update();
  });
}
callName.addEventListener('input', () => {
  fillArgs(argValues());
  soon();
});
argsBox.addEventListener('input', soon);
window.addEventListener('hashchange', () => {
  if (location.hash !== encodeState(state())) load(decodeState(location.hash));
});

const replayTrace = traceRunner(byId('trace-result', HTMLDivElement), byId('trace-progress', HTMLProgressElement));
const sample = byId('trace-sample', HTMLSelectElement);
sample.append(...Object.keys(traces).map((name) => h('option', { value: name }, name)));
sample.addEventListener('change', () => {
  const text = traces[sample.value];
  if (text !== undefined) replayTrace({ policy: policy.value, name: sample.value, source: text });
});
const fileInput = byId('trace-file', HTMLInputElement);
fileInput.addEventListener('change', () => {
  const f = fileInput.files?.[0];
  if (f !== undefined) replayTrace({ policy: policy.value, name: f.name, source: f });
});
const zone = byId('dropzone', HTMLDivElement);
zone.addEventListener('dragover', (e) => {
  e.preventDefault();
  zone.classList.add('over');
});
zone.addEventListener('dragleave', () => zone.classList.remove('over'));
zone.addEventListener('drop', (e) => {
  e.preventDefault();
  zone.classList.remove('over');
  const f = e.dataTransfer?.files[0];
  if (f !== undefined) replayTrace({ policy: policy.value, name: f.name, source: f });
});
// Each bundled trace has an -allows and a -breaks policy: offer them beside the samples.
const policyPick = h(
  'select',
  { id: 'policy-sample', 'aria-label': 'load a bundled policy' },
  h('option', { value: '' }, 'load a bundled policy…'),
  ...Object.keys(policies).map((n) => h('option', { value: n }, n)),
);
policyPick.addEventListener('change', () => {
  const text = policies[policyPick.value];
  if (text === undefined) return;
  policy.value = text;
  void update();
});
byId('policy-pane', HTMLElement).querySelector('.controls')?.append(policyPick);

load(decodeState(location.hash));
