/** The playground's state and its place in the URL fragment, so a link reproduces what one sees. */
import type { Abi, Vector } from '../../src/x86/index.ts';

/** What the playground shows: a policy, an ABI and one call. */
export interface State {
  readonly policy: string;
  readonly abi: Abi;
  readonly vector: Vector;
  readonly call: string;
  readonly args: Readonly<Record<string, string>>;
}

/** What a fresh playground shows. */
export const DEFAULT_STATE: State = {
  policy:
    '# One NAME: FILTER line per system call (S2.5)\nsys_read: fd == 0\nsys_write: fd == 1 || fd == 2\nsys_exit_group: 1\nsys_mmap: !(prot & 4)\n',
  abi: 'x86_64',
  vector: 'syscall',
  call: 'write',
  args: { fd: '1', count: '12' },
};

const VECTORS: readonly Vector[] = ['syscall', 'int80', 'sysenter'];

/** `#abi=...&vector=...&call=...&policy=...&a.fd=1`. */
export function encodeState(s: State): string {
  const p = new URLSearchParams({ abi: s.abi, vector: s.vector, call: s.call, policy: s.policy });
  for (const [k, v] of Object.entries(s.args)) if (v !== '') p.set(`a.${k}`, v);
  return `#${p.toString()}`;
}

/** The state in a fragment; missing or unknown parts take the defaults. */
export function decodeState(hash: string): State {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  if (!p.has('policy')) return DEFAULT_STATE;
  const abi = p.get('abi') === 'ia32' ? 'ia32' : 'x86_64';
  const vector = VECTORS.find((v) => v === p.get('vector')) ?? 'syscall';
  const args = Object.fromEntries(
    [...p.entries()].filter(([k]) => k.startsWith('a.')).map(([k, v]) => [k.slice(2), v]),
  );
  return { policy: p.get('policy') ?? '', abi, vector, call: p.get('call') ?? '', args };
}
