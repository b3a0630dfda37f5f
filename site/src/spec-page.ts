/**
 * A spec page: every seccomp-example runs on the model (or, with the switch,
 * the engine) and every replay-example runs its CLI command, with the same
 * runner the tests use (src/spec-runner); each line shows whether it held,
 * and an example can be edited and run again.
 */
import { runCli } from '../../src/cli/memory.ts';
import {
  checkReplay,
  engineBackend,
  exampleOf,
  modelBackend,
  replayExampleOf,
  runExampleLines,
  type LineResult,
} from '../../src/spec-runner/index.ts';
import { h } from './dom.ts';

type Backend = 'model' | 'engine';
interface Shown {
  readonly status: LineResult['status'] | 'input';
  readonly message?: string;
}

const BACKEND_KEY = 'seccomp-spec-backend';
const MARK: Readonly<Record<Shown['status'], string>> = { held: '✓', failed: '✗', 'not-run': '·', input: ' ' };

/** The lines of an example with what each did. */
function renderLines(lines: readonly string[], first: number, shown: ReadonlyMap<number, Shown>): HTMLElement {
  return h(
    'ol',
    { class: 'lines' },
    ...lines.map((text, k) => {
      const s = shown.get(first + k) ?? { status: 'input' };
      const li = h(
        'li',
        {
          class: `line ${s.status}`,
          'data-line': String(first + k),
          title: s.status === 'input' ? undefined : s.status,
        },
        h('span', { class: 'mark' }, MARK[s.status]),
        h('code', {}, text || ' '),
      );
      if (s.message !== undefined) li.append(h('pre', { class: 'why' }, s.message));
      return li;
    }),
  );
}

async function run(box: HTMLElement, body: readonly string[], backend: Backend): Promise<void> {
  const kind = box.dataset['kind'];
  const file = box.dataset['file'] ?? '';
  const line = Number(box.dataset['line']);
  const shown = new Map<number, Shown>();
  let ok: boolean;
  let extra: HTMLElement | null = null;
  if (kind === 'seccomp-example') {
    const ex = exampleOf(body, file, line);
    const r = backend === 'engine' ? runExampleLines(ex, engineBackend) : runExampleLines(ex, modelBackend);
    for (const l of r.lines)
      shown.set(l.line, l.message === undefined ? { status: l.status } : { status: l.status, message: l.message });
    ok = r.result.ok;
  } else {
    const ex = replayExampleOf(body, file, line);
    if (typeof ex === 'string') {
      ok = false;
      extra = h('pre', { class: 'why' }, ex);
    } else {
      const r = await checkReplay(ex, runCli);
      const failed = new Set(r.failedLines);
      for (const l of [ex.exitLine, ...ex.expectLines])
        if (l > 0) shown.set(l, { status: failed.has(l) ? 'failed' : 'held' });
      ok = r.problems.length === 0;
      extra = h(
        'details',
        {},
        h('summary', {}, `seccomp-spec ${ex.command.join(' ')}: exit ${r.run.code}`),
        h('pre', { class: 'output' }, r.run.out + r.run.err),
      );
    }
  }
  box.dataset['status'] = ok ? 'held' : 'failed';
  const status = box.querySelector('.status');
  if (status !== null)
    status.textContent = ok ? `held (${kind === 'seccomp-example' ? backend : 'CLI'})` : 'did not hold';
  box.querySelector('.view')?.replaceChildren(renderLines(body, line + 1, shown), ...(extra === null ? [] : [extra]));
}

function setUp(box: HTMLElement, backend: () => Backend): () => Promise<void> {
  const src = box.querySelector('.example-src');
  let body = (src?.textContent ?? '').split('\n');
  src?.remove();
  const editor = h('textarea', { class: 'editor', spellcheck: 'false', hidden: true, 'aria-label': 'example text' });
  const edit = h('button', { type: 'button', class: 'edit' }, 'Edit');
  const again = h('button', { type: 'button', class: 'run' }, 'Run');
  const where = `${box.dataset['file']}:${box.dataset['line']}`;
  box.append(
    h(
      'div',
      { class: 'bar' },
      h('span', { class: 'kind' }, box.dataset['kind'] ?? ''),
      h('span', { class: 'where' }, where),
      h('span', { class: 'status' }, 'running'),
      edit,
      again,
    ),
    editor,
    h('div', { class: 'view' }),
  );
  const go = async (): Promise<void> => {
    if (!editor.hidden) body = editor.value.split('\n');
    editor.hidden = true;
    await run(box, body, backend());
  };
  edit.addEventListener('click', () => {
    editor.value = body.join('\n');
    editor.rows = Math.min(30, body.length + 1);
    editor.hidden = false;
    editor.focus();
  });
  again.addEventListener('click', () => void go());
  return go;
}

async function start(): Promise<void> {
  const boxes = [...document.querySelectorAll<HTMLElement>('.example')];
  if (boxes.length === 0) return;
  const select = h(
    'select',
    { id: 'backend', 'aria-label': 'run the examples on' },
    h('option', { value: 'model' }, 'the model (src/model)'),
    h('option', { value: 'engine' }, 'the engine (src/seccomp)'),
  );
  select.value = localStorage.getItem(BACKEND_KEY) === 'engine' ? 'engine' : 'model';
  const summary = h('span', { id: 'summary' });
  document
    .querySelector('main')
    ?.prepend(
      h('p', { class: 'runbar' }, `${boxes.length} runnable examples on this page, run on `, select, ' ', summary),
    );
  const runs = boxes.map((b) => setUp(b, () => (select.value === 'engine' ? 'engine' : 'model')));
  const all = async (): Promise<void> => {
    summary.textContent = 'running…';
    for (const r of runs) await r();
    const failed = boxes.filter((b) => b.dataset['status'] !== 'held').length;
    summary.textContent = failed === 0 ? `all ${boxes.length} held` : `${failed} of ${boxes.length} did not hold`;
    document.body.dataset['examples'] = failed === 0 ? 'held' : 'failed';
  };
  select.addEventListener('change', () => {
    localStorage.setItem(BACKEND_KEY, select.value);
    void all();
  });
  await all();
}

void start();
