/**
 * The compiled BPF of the policy (src/bpf): the disassembly beside a
 * control-flow graph of its basic blocks (laid out by dagre), with the path
 * the call took highlighted, the instructions executed, the program length
 * and the numbers the kernel's constant-action cache allows.
 */
import { Graph, layout } from '@dagrejs/dagre';
import { isLeft } from 'fp-ts/lib/Either.js';
import {
  auditArch,
  compilePolicy,
  describeAction,
  disassemble,
  emulate,
  retAllows,
  type Program,
  type SeccompData,
} from '../../src/bpf/index.ts';
import { recordOfCall } from '../../src/trace/index.ts';
import { syscallTable, type Abi } from '../../src/x86/index.ts';
import { isJump, isRet, pathOf, successors } from './bpf-path.ts';
import { h } from './dom.ts';

/** The call the program is run on. */
export interface BpfCall {
  readonly abi: Abi;
  readonly nr: number;
  readonly args: readonly bigint[];
  /** What the engine decided, to compare with. */
  readonly allowed: boolean;
}

const SVG = 'http://www.w3.org/2000/svg';
const svg = (tag: string, attrs: Readonly<Record<string, string | number>>, text?: string): SVGElement => {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
};

/** Basic blocks: [first, last] instruction ranges. */
function blocks(p: Program): readonly (readonly [number, number])[] {
  const leaders = new Set([0]);
  p.forEach((ins, pc) => {
    if (isRet(ins.code) || isJump(ins.code)) {
      leaders.add(pc + 1);
      for (const s of successors(p, pc)) leaders.add(s);
    }
  });
  const starts = [...leaders].filter((l) => l < p.length).sort((a, b) => a - b);
  return starts.map((s, k) => [s, (starts[k + 1] ?? p.length) - 1] as const);
}

function graph(p: Program, lines: readonly string[], taken: ReadonlySet<number>): SVGElement {
  const bs = blocks(p);
  const blockOf = new Map(bs.flatMap(([a, b], k) => Array.from({ length: b - a + 1 }, (_, i) => [a + i, k] as const)));
  const g = new Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 18, ranksep: 26, marginx: 6, marginy: 6 });
  g.setDefaultEdgeLabel(() => ({}));
  bs.forEach(([a, b], k) => {
    const text = lines.slice(a, b + 1);
    g.setNode(String(k), { width: 12 + 6.7 * Math.max(...text.map((t) => t.length)), height: 8 + 14 * text.length });
    for (const s of successors(p, b))
      if (blockOf.has(s)) g.setEdge(String(k), String(blockOf.get(s)), { taken: taken.has(b) && taken.has(s) });
  });
  layout(g);
  const { width = 100, height = 100 } = g.graph();
  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: 'img',
    'aria-label': 'control-flow graph of the program',
  });
  for (const e of g.edges()) {
    const edge = g.edge(e) as { points: readonly { x: number; y: number }[]; taken: boolean };
    root.append(
      svg('path', {
        class: `edge${edge.taken ? ' taken' : ''}`,
        d: `M${edge.points.map((q) => `${q.x},${q.y}`).join('L')}`,
        'marker-end': 'url(#arrow)',
      }),
    );
  }
  bs.forEach(([a, b], k) => {
    const n = g.node(String(k));
    const node = svg('g', { class: `node${taken.has(a) ? ' taken' : ''}`, 'data-block': `${a}-${b}` });
    node.append(svg('rect', { x: n.x - n.width / 2, y: n.y - n.height / 2, width: n.width, height: n.height, rx: 3 }));
    lines
      .slice(a, b + 1)
      .forEach((t, i) =>
        node.append(svg('text', { x: n.x - n.width / 2 + 6, y: n.y - n.height / 2 + 15 + 14 * i }, t)),
      );
    root.append(node);
  });
  const defs = svg('defs', {});
  const marker = svg('marker', {
    id: 'arrow',
    viewBox: '0 0 8 8',
    refX: 8,
    refY: 4,
    markerWidth: 8,
    markerHeight: 8,
    markerUnits: 'userSpaceOnUse',
    orient: 'auto',
  });
  marker.append(svg('path', { d: 'M0,0L8,4L0,8z', fill: '#8c959f' }));
  defs.append(marker);
  root.prepend(defs);
  return root;
}

/** The pane's content for the policy (of the task's ABI `abi`) and, when there is one, the call. */
export function renderBpf(policy: string, abi: Abi, call: BpfCall | null): readonly Element[] {
  const compiled = compilePolicy(policy, { abi });
  if (isLeft(compiled))
    return [
      h(
        'p',
        { class: 'diag error' },
        `does not compile: ${compiled.left.message}${compiled.left.line === undefined ? '' : ` (line ${compiled.left.line})`}`,
      ),
    ];
  const { program, cacheable } = compiled.right;
  // disassemble: a two-line header, then ` 0000: 0x20 0x00 0x00 0x00000004  A = arch` per instruction.
  const lines = disassemble(program, abi)
    .split('\n')
    .slice(2, 2 + program.length);
  const short = lines.map((l, pc) => `${pc}: ${/^\s*\d+:(?:\s+\S+){4}\s+(.*)$/.exec(l)?.[1] ?? l}`);
  const table = syscallTable(abi);
  const cached = cacheable.map((nr) => table.byNr(nr)?.name ?? String(nr));
  const stats = [
    `${program.length} instructions`,
    `${cacheable.length} number${cacheable.length === 1 ? '' : 's'} the kernel caches as always allowed${cached.length > 0 ? `: ${cached.slice(0, 24).join(', ')}${cached.length > 24 ? ', …' : ''}` : ''}`,
  ];
  let taken = new Set<number>();
  if (call !== null) {
    const rec = recordOfCall(call.abi, call.nr, call.args);
    const data: SeccompData = { nr: rec.nr, arch: auditArch(call.abi), instructionPointer: 0n, args: rec.args };
    const run = emulate(program, data);
    taken = new Set(pathOf(program, data));
    const agrees = retAllows(run.ret) === call.allowed;
    const cache = call.abi === abi && cacheable.includes(rec.nr) ? '; the kernel would not even run it (cached)' : '';
    stats.unshift(
      `this call: ${describeAction(run.ret)} after ${run.executed} instruction${run.executed === 1 ? '' : 's'}${cache}; ${agrees ? 'agrees with the engine' : 'DISAGREES with the engine'}`,
    );
  }
  const disasm = h(
    'pre',
    { class: 'disasm' },
    h('div', { class: 'head' }, ' line  CODE  JT   JF      K'),
    ...lines.map((l, pc) => h('div', { class: taken.has(pc) ? 'taken' : '', 'data-pc': String(pc) }, l)),
  );
  const cfg = h('div', { class: 'cfg' }, graph(program, short, taken));
  // A wide graph scrolls: start with its entry block in view.
  requestAnimationFrame(() => {
    const entry = cfg.querySelector('g.node rect');
    if (entry !== null)
      cfg.scrollLeft = Number(entry.getAttribute('x')) + Number(entry.getAttribute('width')) / 2 - cfg.clientWidth / 2;
  });
  return [
    h('ul', { class: 'bpf-stats' }, ...stats.map((s) => h('li', {}, s))),
    h('div', { class: 'bpf-grid' }, cfg, disasm),
  ];
}
