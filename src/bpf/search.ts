/**
 * The search over system call numbers inside one architecture's part of a
 * program: runs of numbers that share code become segments, reached by a
 * balanced search, or by the search that makes the fewest expected
 * instructions for numbers weighted by a trace's counts (B15).
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
 * so numbers without counts keep a balanced search.
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

// A balanced search over segments inside [lo, hi); numbers in no segment go to `kill` (the default).
export function tree(g: Graph, segs: readonly Segment[], lo: number, hi: number, kill: Ref): Ref {
  if (segs.length === 0) return kill;
  if (segs.length === 1) {
    const s = segs[0]!;
    if (s.lo === lo && s.hi === hi) return s.ref;
    if (s.lo === lo) return g.jmp('jge', s.hi, kill, s.ref);
    if (s.hi === hi) return g.jmp('jge', s.lo, s.ref, kill);
    if (s.hi === s.lo + 1) return g.jmp('jeq', s.lo, s.ref, kill);
    return g.jmp('jge', s.lo, g.jmp('jge', s.hi, kill, s.ref), kill);
  }
  const mid = segs.length >> 1;
  const at = segs[mid]!.lo;
  return g.jmp('jge', at, tree(g, segs.slice(mid), at, hi, kill), tree(g, segs.slice(0, mid), lo, at, kill));
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
