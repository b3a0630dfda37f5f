/**
 * The compiler's intermediate form: a hash-consed DAG of BPF operations
 * with symbolic successors. Identical nodes are one node, so identical
 * tails (the same test leading to the same places) are shared for free;
 * a child always has a smaller id than its parents, so descending ids are
 * a topological order.
 */

/** A conditional jump on A against a constant. */
export type JmpOp = 'jeq' | 'jgt' | 'jge' | 'jset';

/** One node: return, load a word of seccomp_data, load a constant, an ALU op with a constant, or a jump. */
export type Node =
  | { readonly kind: 'ret'; readonly k: number }
  | { readonly kind: 'ld'; readonly off: number; readonly next: number }
  | { readonly kind: 'imm'; readonly k: number; readonly next: number }
  | { readonly kind: 'alu'; readonly op: 'and' | 'xor'; readonly k: number; readonly next: number }
  | { readonly kind: 'jmp'; readonly op: JmpOp; readonly k: number; readonly t: number; readonly f: number };

/** A node id in a Graph. */
export type Ref = number;

/** The arena of nodes, with hash-consing. */
export class Graph {
  readonly nodes: Node[] = [];
  private readonly index = new Map<string, Ref>();

  private add(n: Node, key: string): Ref {
    const found = this.index.get(key);
    if (found !== undefined) return found;
    this.nodes.push(n);
    this.index.set(key, this.nodes.length - 1);
    return this.nodes.length - 1;
  }

  ret(k: number): Ref {
    return this.add({ kind: 'ret', k: k >>> 0 }, `r${k >>> 0}`);
  }

  ld(off: number, next: Ref): Ref {
    return this.add({ kind: 'ld', off, next }, `l${off},${next}`);
  }

  imm(k: number, next: Ref): Ref {
    return this.add({ kind: 'imm', k: k >>> 0, next }, `i${k >>> 0},${next}`);
  }

  alu(op: 'and' | 'xor', k: number, next: Ref): Ref {
    return this.add({ kind: 'alu', op, k: k >>> 0, next }, `a${op}${k >>> 0},${next}`);
  }

  /** A jump; one whose targets are equal is no test at all. */
  jmp(op: JmpOp, k: number, t: Ref, f: Ref): Ref {
    if (t === f) return t;
    return this.add({ kind: 'jmp', op, k: k >>> 0, t, f }, `j${op}${k >>> 0},${t},${f}`);
  }

  node(r: Ref): Node {
    return this.nodes[r]!;
  }

  /** Copy node `n` of another graph into this one with its successors mapped. */
  copy(n: Node, map: (r: Ref) => Ref): Ref {
    switch (n.kind) {
      case 'ret':
        return this.ret(n.k);
      case 'ld':
        return this.ld(n.off, map(n.next));
      case 'imm':
        return this.imm(n.k, map(n.next));
      case 'alu':
        return this.alu(n.op, n.k, map(n.next));
      case 'jmp':
        return this.jmp(n.op, n.k, map(n.t), map(n.f));
    }
  }
}

/** The successors of a node. */
export const successors = (n: Node): readonly Ref[] =>
  n.kind === 'ret' ? [] : n.kind === 'jmp' ? [n.t, n.f] : [n.next];

/** Whether a node reads A before it writes it. */
export const readsA = (n: Node): boolean => n.kind === 'jmp' || n.kind === 'alu';
