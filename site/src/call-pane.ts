/**
 * The call form (name with completion, arguments by name with their C
 * types, vector) and its decision, as `seccomp-spec eval --json` gives it:
 * the page runs the CLI's own eval in memory.
 */
import { runCli } from '../../src/cli/memory.ts';
import { syscallTable, type Abi, type Vector } from '../../src/x86/index.ts';
import { h } from './dom.ts';

/** What eval --json prints (the parts the page shows). */
export interface EvalReport {
  readonly allowed: boolean;
  readonly abi: Abi;
  readonly nr: number;
  readonly name: string;
  readonly args: Readonly<Record<string, string | number>>;
  readonly step: string;
  readonly entry: string | null;
  readonly reason: string;
  readonly fields: readonly { readonly name: string; readonly value: string | number }[];
  readonly outcome: { readonly kind: string; readonly rax?: string; readonly log?: string | null };
  readonly notes: readonly string[];
}

/** The ABI a call through `vector` enters as (S6.1): int $0x80 and sysenter are always ia32. */
export const entryAbi = (abi: Abi, vector: Vector): Abi => (vector === 'syscall' ? abi : 'ia32');

/** The completion list: every unistd name of the ABI. */
export const callNames = (abi: Abi): readonly string[] => syscallTable(abi).calls.map((c) => c.name);

/** One input per argument of `name`, labelled with its C type; unknown names get a0..a5. */
export function argInputs(abi: Abi, name: string, values: Readonly<Record<string, string>>): readonly HTMLElement[] {
  const table = syscallTable(abi);
  const nr = table.resolve(name);
  const info = nr === undefined ? undefined : table.byNr(nr);
  const args = info?.args ?? [0, 1, 2, 3, 4, 5].map((k) => ({ name: `a${k}`, type: 'unsigned long' }));
  if (args.length === 0) return [h('p', { class: 'none' }, `${name} takes no arguments.`)];
  return args.map((a) =>
    h(
      'label',
      { class: 'arg' },
      h('span', { class: 'ctype' }, a.type),
      ' ',
      h('span', { class: 'argname' }, a.name),
      ' ',
      h('input', {
        'data-arg': a.name,
        value: values[a.name] ?? '',
        placeholder: '0',
        spellcheck: 'false',
        size: '16',
      }),
    ),
  );
}

/** Decide the call under the policy with the CLI's eval: the report, or what eval said on stderr. */
export async function evaluate(
  policy: string,
  abi: Abi,
  vector: Vector,
  name: string,
  args: Readonly<Record<string, string>>,
): Promise<EvalReport | string> {
  const argv = [
    'eval',
    'POLICY',
    name,
    ...Object.entries(args)
      .filter(([, v]) => v.trim() !== '')
      .map(([k, v]) => `${k}=${v.trim()}`),
    '--abi',
    abi,
    '--vector',
    vector,
    '--json',
  ];
  const r = await runCli(argv, (p) => (p === 'POLICY' ? policy : undefined));
  if (r.out.trim() === '') return r.err.trim().split('\n')[0] ?? `eval exited ${r.code}`;
  return JSON.parse(r.out) as EvalReport;
}

const show = (v: string | number): string => String(v);

/** The decision as the page shows it. */
export function renderDecision(r: EvalReport | string): HTMLElement {
  if (typeof r === 'string')
    return h('div', { class: 'decision problem', 'data-decision': 'none' }, r.replace(/^POLICY/, 'policy'));
  const call = `${r.name}(${Object.entries(r.args)
    .map(([k, v]) => `${k}=${show(v)}`)
    .join(', ')})`;
  const outcome =
    r.outcome.kind === 'return'
      ? `returned ${r.outcome.rax ?? ''}`
      : r.outcome.kind === 'killed'
        ? `killed${r.outcome.log ? `: ${r.outcome.log}` : ''}`
        : r.outcome.kind;
  return h(
    'div',
    { class: `decision ${r.allowed ? 'allowed' : 'killed'}`, 'data-decision': r.allowed ? 'allowed' : 'killed' },
    h(
      'p',
      { class: 'verdict' },
      r.allowed ? 'ALLOWED' : 'KILLED',
      h('span', { class: 'call' }, ` ${call} (${r.abi}, nr ${r.nr})`),
    ),
    h(
      'dl',
      {},
      h('dt', {}, 'entry'),
      h('dd', { class: 'entry' }, r.entry === null ? 'none' : `${r.name}: ${r.entry}`),
      h('dt', {}, 'why'),
      h('dd', { class: 'reason' }, r.reason),
      ...(r.fields.length > 0
        ? [
            h('dt', {}, 'values'),
            h('dd', { class: 'fields' }, r.fields.map((f) => `${f.name} = ${show(f.value)}`).join(', ')),
          ]
        : []),
      h('dt', {}, 'engine'),
      h('dd', { class: 'outcome' }, outcome),
    ),
    ...r.notes.map((n) => h('p', { class: 'note' }, `note: ${n}`)),
  );
}
