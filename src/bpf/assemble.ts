/**
 * From the DAG to a program: nodes in reverse postorder (each node before
 * its successors, a load's successor and a jump's false branch placed
 * right after it when they can be), a `ja` where a load's successor is
 * elsewhere, and trampolines (`ja` with a 32-bit offset) for conditional
 * jumps further than 255 instructions.
 */
import { BPF, jump, stmt, type SockFilter } from './insn.ts';
import { successors, type Graph, type Node, type Ref } from './ir.ts';

const JMP_CODE = { jeq: BPF.JEQ, jgt: BPF.JGT, jge: BPF.JGE, jset: BPF.JSET } as const;

/** Reverse postorder from `root`, visiting a node's preferred fall-through successor last so it lands right after it. */
export function order(g: Graph, root: Ref): readonly Ref[] {
  const seen = new Set<Ref>([root]);
  const post: Ref[] = [];
  const stack: { readonly r: Ref; readonly kids: readonly Ref[]; i: number }[] = [{ r: root, kids: successors(g.node(root)), i: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.i < top.kids.length) {
      const k = top.kids[top.i++]!;
      if (!seen.has(k)) {
        seen.add(k);
        stack.push({ r: k, kids: successors(g.node(k)), i: 0 });
      }
    } else {
      post.push(top.r);
      stack.pop();
    }
  }
  return post.reverse();
}

/** One placed item: a node, or a `ja` to a node (after a load whose successor is elsewhere, or a trampoline). */
type Item = { readonly kind: 'node'; readonly r: Ref } | { readonly kind: 'ja'; readonly to: Ref; readonly key: string };

/** Lay out the DAG as BPF instructions. */
export function assemble(g: Graph, root: Ref): readonly SockFilter[] {
  const nodes = order(g, root);
  const trampolines = new Set<string>();
  for (;;) {
    const items: Item[] = [];
    for (let i = 0; i < nodes.length; i++) {
      const r = nodes[i]!;
      const n = g.node(r);
      items.push({ kind: 'node', r });
      if (n.kind === 'jmp') {
        for (const side of ['t', 'f'] as const) {
          const key = `${r}${side}`;
          if (trampolines.has(key)) items.push({ kind: 'ja', to: n[side], key });
        }
      } else if (n.kind !== 'ret' && nodes[i + 1] !== n.next) items.push({ kind: 'ja', to: n.next, key: `${r}n` });
    }
    const at = new Map<Ref, number>();
    items.forEach((it, i) => {
      if (it.kind === 'node') at.set(it.r, i);
    });
    const tramp = new Map<string, number>();
    items.forEach((it, i) => {
      if (it.kind === 'ja') tramp.set(it.key, i);
    });
    const far: string[] = [];
    const program = items.map((it, i): SockFilter => {
      if (it.kind === 'ja') return stmt(BPF.JMP | BPF.JA, at.get(it.to)! - i - 1);
      const n: Node = g.node(it.r);
      switch (n.kind) {
        case 'ret':
          return stmt(BPF.RET | BPF.K, n.k);
        case 'ld':
          return stmt(BPF.LD | BPF.W | BPF.ABS, n.off);
        case 'imm':
          return stmt(BPF.LD | BPF.IMM, n.k);
        case 'alu':
          return stmt(BPF.ALU | (n.op === 'and' ? BPF.AND : BPF.XOR) | BPF.K, n.k);
        case 'jmp': {
          const dist = (side: 't' | 'f'): number => (tramp.get(`${it.r}${side}`) ?? at.get(n[side])!) - i - 1;
          const jt = dist('t');
          const jf = dist('f');
          if (jt > 255) far.push(`${it.r}t`);
          if (jf > 255) far.push(`${it.r}f`);
          return jump(BPF.JMP | JMP_CODE[n.op] | BPF.K, n.k, jt, jf);
        }
      }
    });
    if (far.length === 0) return program;
    for (const key of far) trampolines.add(key);
  }
}
