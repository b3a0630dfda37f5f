/** The control flow of a seccomp BPF program and the path one run takes (no DOM: the tests import it). */
import { BPF, emulate, type Program, type SeccompData } from '../../src/bpf/index.ts';

const cls = (code: number): number => code & 0x07;
export const isRet = (code: number): boolean => cls(code) === BPF.RET;
export const isJump = (code: number): boolean => cls(code) === BPF.JMP;
const isJa = (code: number): boolean => isJump(code) && (code & 0xf0) === BPF.JA;

/** Where control can go after instruction `pc`. */
export function successors(p: Program, pc: number): readonly number[] {
  const { code, jt, jf, k } = p[pc]!;
  if (isRet(code)) return [];
  if (isJa(code)) return [pc + 1 + k];
  if (isJump(code)) return jt === jf ? [pc + 1 + jt] : [pc + 1 + jt, pc + 1 + jf];
  return [pc + 1];
}

/**
 * The instructions a run of `p` on `d` executes, in order. Seccomp programs
 * only jump forward, so instruction i is reached exactly when the program
 * with i replaced by `ret MARK` returns MARK (MARK: a value no `ret` of the
 * program returns); the emulator itself decides every branch.
 */
export function pathOf(p: Program, d: SeccompData): readonly number[] {
  const rets = new Set(p.filter((i) => isRet(i.code)).map((i) => i.k >>> 0));
  let mark = 0x0005_0fff;
  while (rets.has(mark)) mark--;
  const ret = { code: BPF.RET | BPF.K, jt: 0, jf: 0, k: mark };
  return p.flatMap((_, i) => (emulate([...p.slice(0, i), ret, ...p.slice(i + 1)], d).ret >>> 0 === mark ? [i] : []));
}
