/**
 * From the DAG to a program: nodes in reverse postorder (each node before
 * its successors, a load's successor and a jump's false branch placed
 * right after it when they can be), a `ja` where a load's successor is
 * elsewhere, and for a conditional jump further than 255 instructions a
 * copy of the return it jumps to (shared by later jumps in reach) or a
 * trampoline (`ja` with a 32-bit offset).
 */
import { BPF, jump, stmt, type SockFilter } from './insn.ts';
import { successors, type Graph, type Node, type Ref } from './ir.ts';

const JMP_CODE = { jeq: BPF.JEQ, jgt: BPF.JGT, jge: BPF.JGE, jset: BPF.JSET } as const;

/** Reverse postorder from `root`, visiting a node's preferred fall-through successor last so it lands right after it. */
export function order(g: Graph, root: Ref): readonly Ref[] {
  const seen = new Set<Ref>([root]);
  const post: Ref[] = [];
  const stack: { readonly r: Ref; readonly kids: readonly Ref[]; i: number }[] = [
    { r: root, kids: successors(g.node(root)), i: 0 },
  ];
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

/**
 * Lay out the DAG as BPF instructions, from the last one backwards: every
 * target of an instruction is already placed when it is, so a conditional
 * jump further than 255 gets its copied return or trampoline (a `ja`
 * right after it) in the
 * same single pass, and nothing placed later moves what is placed.
 */
export function assemble(g: Graph, root: Ref, offByOne = false): readonly SockFilter[] {
  const nodes = order(g, root);
  const rev: SockFilter[] = [];
  // Index from the end of the program of each placed node.
  const at = new Map<Ref, number>();
  const offset = (target: number): number => rev.length - target - 1;
  const ja = (to: Ref): number => {
    rev.push(stmt(BPF.JMP | BPF.JA, offset(at.get(to)!)));
    return rev.length - 1;
  };
  // A conditional jump's target out of reach: a copy of a return, which later jumps in reach share, else a `ja`.
  const far = (to: Ref): number => {
    const n = g.node(to);
    if (n.kind !== 'ret') return ja(to);
    rev.push(stmt(BPF.RET | BPF.K, n.k));
    at.set(to, rev.length - 1);
    return rev.length - 1;
  };
  // A load whose successor was placed elsewhere: a copy of a return or of a near jump costs no more room than a `ja` and one executed instruction less.
  const inlineOrJump = (to: Ref): void => {
    const n = g.node(to);
    if (n.kind === 'ret') rev.push(stmt(BPF.RET | BPF.K, n.k));
    else if (n.kind === 'jmp' && offset(at.get(n.t)!) <= 255 && offset(at.get(n.f)!) <= 255) {
      rev.push(jump(BPF.JMP | JMP_CODE[n.op] | BPF.K, n.k, offset(at.get(n.t)!), offset(at.get(n.f)!)));
    } else ja(to);
  };
  for (let i = nodes.length - 1; i >= 0; i--) {
    const r = nodes[i]!;
    const n: Node = g.node(r);
    if (n.kind === 'jmp') {
      // A trampoline for one side moves the other one further: check both until neither is out of reach.
      let t = at.get(n.t)!;
      let f = at.get(n.f)!;
      while (offset(t) > 255 || offset(f) > 255) {
        if (offset(f) > 255) f = far(n.f);
        else t = far(n.t);
      }
      const jt = offset(t) + (offByOne && offset(t) < 255 && t > 0 ? 1 : 0);
      rev.push(jump(BPF.JMP | JMP_CODE[n.op] | BPF.K, n.k, jt, offset(f)));
    } else if (n.kind === 'ret') {
      rev.push(stmt(BPF.RET | BPF.K, n.k));
    } else {
      if (at.get(n.next) !== rev.length - 1) inlineOrJump(n.next);
      rev.push(
        n.kind === 'ld'
          ? stmt(BPF.LD | BPF.W | BPF.ABS, n.off)
          : n.kind === 'imm'
            ? stmt(BPF.LD | BPF.IMM, n.k)
            : stmt(BPF.ALU | (n.op === 'and' ? BPF.AND : BPF.XOR) | BPF.K, n.k),
      );
    }
    at.set(r, rev.length - 1);
  }
  return rev.reverse();
}
