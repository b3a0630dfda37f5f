/**
 * The search over system call numbers inside one architecture's part of a
 * program: runs of numbers that share code become segments, reached by a
 * search whose deepest number is as shallow as can be, split by the
 * numbers each side holds (B16), or by the search that makes the fewest
 * expected instructions for numbers weighted by a trace's counts (B15).
 */
import type { Graph, Ref } from './ir.ts';

/** A run of numbers [lo, hi) whose code is the node `ref`. */
export interface Segment {
  readonly lo: number;
  readonly hi: number;
  readonly ref: Ref;
}

/** Every value of a 32-bit number: the searches cover [0, SPACE). */
export const SPACE = 0x1_0000_0000;

/** The summed weight of the numbers below a bound: prefix sums over the weighted numbers, ascending. */
function weightBelow(counts: ReadonlyMap<number, number>): (x: number) => number {
  const nrs = [...counts].filter(([nr, w]) => w > 0 && nr >= 0).sort(([a], [b]) => a - b);
  const prefix = [0];
  for (const [, w] of nrs) prefix.push(prefix[prefix.length - 1]! + w);
  return (x) => {
    let lo = 0;
    let hi = nrs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (nrs[mid]![0] < x) lo = mid + 1;
      else hi = mid;
    }
    return prefix[lo]!;
  };
}

/**
 * B15 the weighted search: the split points of the search over `segs` in
 * [lo, hi) that make the fewest expected instructions for calls weighted
 * by `counts` (an optimal alphabetic tree, by dynamic programming over
 * ranges of segments, O(n^3)); a tie goes to the split nearest the middle,
 * so numbers without counts keep a search balanced by segment count.
 */
export function weightedTree(
  g: Graph,
  segs: readonly Segment[],
  lo: number,
  hi: number,
  kill: Ref,
  counts: ReadonlyMap<number, number>,
): Ref {
  const n = segs.length;
  if (n <= 1) return tree(g, segs, lo, hi, kill);
  const below = weightBelow(counts);
  // bound[k]: the low end of the numbers a subtree starting at segment k covers.
  const bound = [lo, ...segs.slice(1).map((s) => s.lo), hi];
  const w = bound.map(below);
  const W = (i: number, j: number): number => w[j]! - w[i]!;
  const leaf = (i: number): number => {
    const s = segs[i]!;
    const [l, h] = [bound[i]!, bound[i + 1]!];
    if (s.lo === l && s.hi === h) return 0;
    const all = W(i, i + 1);
    if (s.lo === l || s.hi === h || s.hi === s.lo + 1) return all;
    return all + (w[i + 1]! - below(s.lo));
  };
  // cost[i][j], split[i][j] for the segments i..j-1.
  const cost: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(n + 1).fill(0));
  const split: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(n + 1).fill(0));
  for (let i = 0; i < n; i++) cost[i]![i + 1] = leaf(i);
  for (let len = 2; len <= n; len++)
    for (let i = 0; i + len <= n; i++) {
      const j = i + len;
      const mid = (i + j) >> 1;
      let best = Infinity;
      let at = mid;
      for (let m = i + 1; m < j; m++) {
        const c = cost[i]![m]! + cost[m]![j]!;
        if (c < best || (c === best && Math.abs(m - mid) < Math.abs(at - mid))) [best, at] = [c, m];
      }
      cost[i]![j] = best + W(i, j);
      split[i]![j] = at;
    }
  const build = (i: number, j: number): Ref => {
    if (j - i === 1) return tree(g, [segs[i]!], bound[i]!, bound[j]!, kill);
    const m = split[i]![j]!;
    const at = segs[m]!.lo;
    return g.jmp('jge', at, build(m, j), build(i, m));
  };
  return build(0, n);
}

/**
 * The tests a segment's leaf makes inside its interval [l, h): none when
 * the segment fills it, one `jge` when it touches an edge or one `jeq`
 * when it is one number, else two.
 */
export function leafTests(s: Segment, l: number, h: number): number {
  if (s.lo === l && s.hi === h) return 0;
  return s.lo === l || s.hi === h || s.hi === s.lo + 1 ? 1 : 2;
}

// One leaf of the search: the segment `s` inside [l, h), numbers outside it to `kill`.
function leaf(g: Graph, s: Segment, l: number, h: number, kill: Ref): Ref {
  if (s.lo === l && s.hi === h) return s.ref;
  if (s.lo === l) return g.jmp('jge', s.hi, kill, s.ref);
  if (s.hi === h) return g.jmp('jge', s.lo, s.ref, kill);
  if (s.hi === s.lo + 1) return g.jmp('jeq', s.lo, s.ref, kill);
  return g.jmp('jge', s.lo, g.jmp('jge', s.hi, kill, s.ref), kill);
}

/**
 * B16 the search over `segs` inside [lo, hi), numbers in no segment to
 * `kill` (the default): each test is a `jge` at the low end of a segment,
 * and each segment's leaf makes the tests `leafTests` says. The deepest
 * number takes as few tests as any such search allows (a minimax
 * alphabetic tree over the leaves' own tests); within that bound each
 * split divides the numbers the segments hold as evenly as it can, so a
 * run of many numbers that share code sits nearer the root than a lone
 * number, as in a search over the numbers one by one.
 */
export function tree(g: Graph, segs: readonly Segment[], lo: number, hi: number, kill: Ref): Ref {
  const n = segs.length;
  if (n === 0) return kill;
  // bound[k]: the low end of the interval of a subtree starting at segment k.
  const bound = [lo, ...segs.slice(1).map((s) => s.lo), hi];
  const cost = segs.map((s, i) => leafTests(s, bound[i]!, bound[i + 1]!));
  // held[k]: the numbers segments 0..k-1 hold.
  const held = [0];
  for (const s of segs) held.push(held[held.length - 1]! + (s.hi - s.lo));
  // upTo[b][i]: the end of the longest run of segments from i that a search of at most b tests reaches;
  // downTo[b][j]: the start of the longest such run that ends at j.
  const upTo: number[][] = [];
  const downTo: number[][] = [];
  const reachUp = (b: number, i: number): number => {
    if (i >= n || b < 0) return i;
    const row = (upTo[b] ??= []);
    const known = row[i];
    if (known !== undefined) return known;
    let end = cost[i]! <= b ? i + 1 : i;
    const m = reachUp(b - 1, i);
    if (m > i) end = Math.max(end, reachUp(b - 1, m));
    row[i] = end;
    return end;
  };
  const reachDown = (b: number, j: number): number => {
    if (j <= 0 || b < 0) return j;
    const row = (downTo[b] ??= []);
    const known = row[j];
    if (known !== undefined) return known;
    let start = cost[j - 1]! <= b ? j - 1 : j;
    const m = reachDown(b - 1, j);
    if (m < j) start = Math.min(start, reachDown(b - 1, m));
    row[j] = start;
    return start;
  };
  // Segments [i, j) under a subtree of at most b tests (they fit).
  const build = (i: number, j: number, b: number): Ref => {
    if (j - i === 1) return leaf(g, segs[i]!, bound[i]!, bound[j]!, kill);
    // Every split m in [from, to] leaves both sides within b - 1 tests; take the most even in numbers.
    const from = Math.max(i + 1, reachDown(b - 1, j));
    const to = Math.min(j - 1, reachUp(b - 1, i));
    let m = from;
    for (let k = from + 1; k <= to; k++)
      if (Math.abs(2 * held[k]! - held[i]! - held[j]!) < Math.abs(2 * held[m]! - held[i]! - held[j]!)) m = k;
    return g.jmp('jge', segs[m]!.lo, build(m, j, b - 1), build(i, m, b - 1));
  };
  let depth = 0;
  while (reachUp(depth, 0) < n) depth++;
  return build(0, n, depth);
}

// Adjacent numbers with the same code become one segment; `entries` sorted by number.
export function segments(entries: readonly (readonly [number, Ref])[]): readonly Segment[] {
  const out: Segment[] = [];
  for (const [nr, ref] of entries) {
    const last = out[out.length - 1];
    if (last !== undefined && last.hi === nr && last.ref === ref) out[out.length - 1] = { ...last, hi: nr + 1 };
    else out.push({ lo: nr, hi: nr + 1, ref });
  }
  return out;
}
