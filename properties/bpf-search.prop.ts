/**
 * B16 the search over numbers (src/bpf/search.ts `tree`): on random runs
 * of numbers with random gaps between them, every number reaches its own
 * segment's code or the default; the deepest number takes exactly as many
 * tests as the best search of the same shape allows (found by trying every
 * split, on up to 12 segments), within the bounds of Kraft's inequality
 * and of Gilbert and Moore's alphabetic code on any number of segments;
 * and a run holding most of the numbers is nearer the root than any lone
 * number.
 */
import test from 'ava';
import fc from 'fast-check';
import { Graph, type Ref } from '../src/bpf/ir.ts';
import { leafTests, SPACE, tree, type Segment } from '../src/bpf/search.ts';
import { params } from './support.ts';

/** Segments laid from `lo` by (gap, width) pairs, each with a return of its own; the interval ends `tail` after the last. */
interface Layout {
  readonly g: Graph;
  readonly segs: readonly Segment[];
  readonly lo: number;
  readonly hi: number;
  readonly kill: Ref;
}

function layout(lo: number, runs: readonly (readonly [number, number])[], tail: number): Layout {
  const g = new Graph();
  const kill = g.ret(0);
  const segs: Segment[] = [];
  let at = lo;
  runs.forEach(([gap, width], i) => {
    at += gap;
    segs.push({ lo: at, hi: at + width, ref: g.ret(1000 + i) });
    at += width;
  });
  return { g, segs, lo, hi: Math.min(at + tail, SPACE), kill };
}

const arbLayout = (most: number): fc.Arbitrary<Layout> =>
  fc
    .record({
      lo: fc.constantFrom(0, 5, 0x40000000),
      runs: fc.array(
        fc.tuple(
          fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4 })),
          fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 60 })),
        ),
        { minLength: 1, maxLength: most },
      ),
      tail: fc.constantFrom(0, 1, 7),
    })
    .map(({ lo, runs, tail }) => layout(lo, runs, tail));

/** Follow the search for `nr`: the return it reaches and the tests on the way. */
function walk(g: Graph, root: Ref, nr: number): { readonly ret: Ref; readonly tests: number } {
  let r = root;
  let tests = 0;
  for (;;) {
    const n = g.node(r);
    if (n.kind !== 'jmp') return { ret: r, tests };
    tests++;
    const holds = n.op === 'jge' ? nr >= n.k : n.op === 'jeq' ? nr === n.k : false;
    r = holds ? n.t : n.f;
  }
}

/** Each segment's edges and the numbers beside them, inside [lo, hi): every path of the search. */
const probes = (l: Layout): number[] =>
  [...new Set([l.lo, l.hi - 1, ...l.segs.flatMap((s) => [s.lo - 1, s.lo, s.hi - 1, s.hi, (s.lo + s.hi) >> 1])])].filter(
    (nr) => nr >= l.lo && nr < l.hi,
  );

/** The leaves' own tests, each segment inside the interval the searches give it. */
const leafCosts = (l: Layout): number[] => {
  const bound = [l.lo, ...l.segs.slice(1).map((s) => s.lo), l.hi];
  return l.segs.map((s, i) => leafTests(s, bound[i]!, bound[i + 1]!));
};

/** The fewest tests the deepest leaf can take, over every split: a minimax alphabetic tree by trying them all. */
function bestDepth(costs: readonly number[]): number {
  const n = costs.length;
  const memo = new Map<number, number>();
  const best = (i: number, j: number): number => {
    if (j - i === 1) return costs[i]!;
    const key = i * (n + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let b = Infinity;
    for (let m = i + 1; m < j; m++) b = Math.min(b, 1 + Math.max(best(i, m), best(m, j)));
    memo.set(key, b);
    return b;
  };
  return best(0, n);
}

const deepest = (l: Layout, root: Ref): number => Math.max(...probes(l).map((nr) => walk(l.g, root, nr).tests));

// The segment `nr` is in, or undefined.
const owner = (l: Layout, nr: number): Segment | undefined => l.segs.find((s) => s.lo <= nr && nr < s.hi);

test('B16 every number reaches its segment’s code, every other number the default', (t) => {
  fc.assert(
    fc.property(arbLayout(40), (l) => {
      const root = tree(l.g, l.segs, l.lo, l.hi, l.kill);
      for (const nr of probes(l)) {
        const got = walk(l.g, root, nr).ret;
        const want = owner(l, nr)?.ref ?? l.kill;
        if (got !== want) return false;
      }
      return true;
    }),
    params(300),
  );
  t.pass();
});

test('B16 the deepest number takes as few tests as any split of the segments allows (up to 12 segments)', (t) => {
  fc.assert(
    fc.property(arbLayout(12), (l) => deepest(l, tree(l.g, l.segs, l.lo, l.hi, l.kill)) === bestDepth(leafCosts(l))),
    params(300),
  );
  t.pass();
});

test('B16 the deepest number is within Kraft’s and Gilbert–Moore’s bounds (up to 300 segments)', (t) => {
  fc.assert(
    fc.property(arbLayout(300), (l) => {
      const d = deepest(l, tree(l.g, l.segs, l.lo, l.hi, l.kill));
      // A search whose leaf i is c_i tests deep below depth d_i has sum 2^-(d_i + c_i) = 1 (Kraft),
      // and an alphabetic one exists once every leaf may be one test deeper than that (Gilbert and Moore).
      const kraft = Math.ceil(Math.log2(leafCosts(l).reduce((sum, c) => sum + 2 ** c, 0)) - 1e-9);
      return kraft <= d && d <= kraft + 1;
    }),
    params(100),
  );
  t.pass();
});

test('B16 a run holding most of the numbers is reached in fewer tests than any lone number', (t) => {
  // 3 lone numbers with gaps, then a run of 500, then 20 more: the run is one segment of 24, off the middle.
  // A search balanced by segment count reaches it in 5 tests, as deep as the lone numbers; within the
  // deepest number's bound (6 tests) the most even split in numbers lifts it above every one of them.
  const lone = (k: number): (readonly [number, number])[] => Array.from({ length: k }, () => [1, 1] as const);
  const l = layout(0, [...lone(3), [1, 500], ...lone(20)], 1);
  const root = tree(l.g, l.segs, l.lo, l.hi, l.kill);
  const run = l.segs[3]!;
  const runDepth = walk(l.g, root, run.lo).tests;
  const loneDepth = Math.min(...l.segs.filter((s) => s !== run).map((s) => walk(l.g, root, s.lo).tests));
  t.true(runDepth < loneDepth, `the run takes ${runDepth} tests, a lone number ${loneDepth} or more`);
  t.is(deepest(l, root), 6);
  t.is(deepest(l, root), bestDepth(leafCosts(l)));
});
