/**
 * Jump threading over what the program already knows. Walking the DAG in
 * topological order, each node's entry state is what holds on every edge
 * into it: which word A holds, and for each word of seccomp_data the range,
 * excluded values and known-zero bits that earlier tests established. An
 * edge is then moved past loads of the word A already holds and past tests
 * those facts decide, so `fd == 1 || fd == 2` tests the high word once and
 * the dispatch's knowledge of `nr` and `arch` is never tested again. The
 * result is rebuilt hash-consed, which merges the tails that became equal.
 */
import { Graph, readsA, type JmpOp, type Node, type Ref } from './ir.ts';

/** What is known of one 32-bit word: min..max, values it is not, bits that are 0. */
interface Fact {
  readonly min: number;
  readonly max: number;
  readonly ne: ReadonlySet<number>;
  readonly zero: number;
}

/** What holds on an edge: the word in A (an offset, or null when unknown) and the facts. */
interface State {
  readonly a: number | null;
  readonly facts: ReadonlyMap<number, Fact>;
}

const ANY: Fact = { min: 0, max: 0xffffffff, ne: new Set(), zero: 0 };

function decide(f: Fact, op: JmpOp, k: number): boolean | undefined {
  switch (op) {
    case 'jeq':
      if (f.min === f.max) return f.min === k;
      return k < f.min || k > f.max || f.ne.has(k) || (k & f.zero) !== 0 ? false : undefined;
    case 'jgt':
      return f.min > k ? true : f.max <= k ? false : undefined;
    case 'jge':
      return f.min >= k ? true : f.max < k ? false : undefined;
    case 'jset':
      if ((k & ~f.zero) === 0) return false;
      return f.min === f.max ? (f.min & k) !== 0 : undefined;
  }
}

function refine(f: Fact, op: JmpOp, k: number, outcome: boolean): Fact {
  switch (op) {
    case 'jeq':
      if (outcome) return { min: k, max: k, ne: new Set(), zero: f.zero };
      return {
        min: f.min === k ? f.min + 1 : f.min,
        max: f.max === k ? f.max - 1 : f.max,
        ne: new Set([...f.ne, k]),
        zero: f.zero,
      };
    case 'jgt':
      return outcome ? { ...f, min: Math.max(f.min, k + 1) } : { ...f, max: Math.min(f.max, k) };
    case 'jge':
      return outcome ? { ...f, min: Math.max(f.min, k) } : { ...f, max: Math.min(f.max, k - 1) };
    case 'jset':
      return outcome ? f : { ...f, zero: (f.zero | k) >>> 0 };
  }
}

function meetFact(x: Fact, y: Fact): Fact {
  return {
    min: Math.min(x.min, y.min),
    max: Math.max(x.max, y.max),
    ne: new Set([...x.ne].filter((v) => y.ne.has(v))),
    zero: (x.zero & y.zero) >>> 0,
  };
}

function meet(x: State, y: State): State {
  const facts = new Map<number, Fact>();
  for (const [w, fx] of x.facts) {
    const fy = y.facts.get(w);
    if (fy !== undefined) facts.set(w, meetFact(fx, fy));
  }
  return { a: x.a === y.a ? x.a : null, facts };
}

// Follow an edge entering `target` with `s`: past loads of the word A holds and tests the facts decide.
function follow(g: Graph, target: Ref, s: State): Ref {
  let best = target;
  let n = target;
  let virt = s.a;
  for (;;) {
    const node = g.node(n);
    if (!readsA(node) || virt === s.a) best = n;
    if (node.kind === 'ld') {
      virt = node.off;
      n = node.next;
    } else if (node.kind === 'jmp' && virt !== null) {
      const d = decide(s.facts.get(virt) ?? ANY, node.op, node.k);
      if (d === undefined) return best;
      n = d ? node.t : node.f;
    } else return best;
  }
}

/** Thread every edge of the DAG rooted at `root`; returns the rebuilt graph and root. */
export function threadJumps(g: Graph, root: Ref): { readonly g: Graph; readonly root: Ref } {
  const entry = new Map<Ref, State>([[root, { a: null, facts: new Map() }]]);
  const into = (r: Ref, s: State): void => {
    if (g.node(r).kind === 'ret') return; // nothing follows a return: its state is never needed
    const old = entry.get(r);
    entry.set(r, old === undefined ? s : meet(old, s));
  };
  const out: Node[] = [...g.nodes];
  for (let r = root; r >= 0; r--) {
    const s = entry.get(r);
    if (s === undefined) continue;
    const n = g.node(r);
    if (n.kind === 'jmp') {
      const edge = (outcome: boolean): State => {
        if (s.a === null) return s;
        const facts = new Map(s.facts);
        facts.set(s.a, refine(s.facts.get(s.a) ?? ANY, n.op, n.k, outcome));
        return { a: s.a, facts };
      };
      const st = edge(true);
      const sf = edge(false);
      const t = follow(g, n.t, st);
      const f = follow(g, n.f, sf);
      into(t, st);
      into(f, sf);
      out[r] = { ...n, t, f };
    } else if (n.kind !== 'ret') {
      const after: State = { a: n.kind === 'ld' ? n.off : null, facts: s.facts };
      const next = follow(g, n.next, after);
      into(next, after);
      out[r] = { ...n, next };
    }
  }
  const rebuilt = new Graph();
  const memo = new Map<Ref, Ref>();
  const build = (r: Ref): Ref => {
    const done = memo.get(r);
    if (done !== undefined) return done;
    const made = rebuilt.copy(out[r]!, build);
    memo.set(r, made);
    return made;
  };
  return { g: rebuilt, root: build(root) };
}
