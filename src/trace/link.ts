/**
 * Linking strace lines (T1): unfinished calls and their resumptions, per-pid
 * ABIs, children of forks, and the root's lines written without a pid.
 */
import type { Abi } from '../x86/table.ts';
import type { TraceCall, TraceEvent } from './types.ts';

/** A call whose result is filled in by its `<... resumed>` line. */
export type OpenCall = { -readonly [K in keyof TraceCall]: TraceCall[K] } & { args: bigint[] };

/** Pid of lines without a pid column (a single traced process). */
export const UNPREFIXED = 0;

/** The calls that create a task; the child's pid is their result (S7.1). */
export const isFork = (name: string): boolean => name === 'clone' || name === 'fork' || name === 'vfork' || name === 'clone3';

/** What one line says, before it is linked to the other lines. */
export type LineItem =
  | { readonly k: 'skip' }
  | { readonly k: 'event'; readonly pid: number; readonly event: TraceEvent }
  | { readonly k: 'abi'; readonly pid: number; readonly abi: Abi }
  | { readonly k: 'call'; readonly pid: number; readonly call: OpenCall; readonly open: boolean }
  | { readonly k: 'resumed'; readonly pid: number; readonly name: string; readonly args: bigint[]; readonly ret: bigint | null; readonly column: number };

/** Links lines together: unfinished calls, resumptions, per-pid ABIs, the unprefixed root. */
export class Linker {
  readonly events: TraceEvent[] = [];
  readonly open = new Map<number, OpenCall>();
  readonly abis = new Map<number, Abi>();
  readonly prefixed = new Set<number>();
  readonly children = new Set<number>();
  sawUnprefixed = false;
  rootAlias: number | null = null;
  constructor(readonly defaultAbi: Abi) {}

  abiOf = (pid: number): Abi => this.abis.get(pid) ?? this.defaultAbi;

  add(item: LineItem): string | null {
    if (item.k === 'skip') return null;
    if (item.pid === UNPREFIXED) this.sawUnprefixed = true;
    else this.prefixed.add(item.pid);
    switch (item.k) {
      case 'abi':
        this.abis.set(item.pid, item.abi);
        return null;
      case 'event':
        if (item.event.kind === 'end') this.open.delete(item.pid);
        this.events.push(item.event);
        return null;
      case 'call':
        this.events.push(item.call);
        if (item.open) this.open.set(item.pid, item.call);
        else this.noteChild(item.call);
        return null;
      case 'resumed':
        return this.resume(item);
    }
  }

  private resume(item: Extract<LineItem, { k: 'resumed' }>): string | null {
    let call = this.open.get(item.pid);
    let key = item.pid;
    const unprefixed = this.open.get(UNPREFIXED);
    if (call === undefined && unprefixed !== undefined && unprefixed.name === item.name && !this.children.has(item.pid)) {
      // stderr output: the root's call began before the first child, without a pid prefix.
      call = unprefixed;
      key = UNPREFIXED;
      this.rootAlias = item.pid;
    }
    if (call === undefined) return `'<... ${item.name} resumed>' without an unfinished ${item.name} call of pid ${item.pid}`;
    if (call.name !== item.name) return `'<... ${item.name} resumed>' but pid ${item.pid} is in ${call.name} (line ${call.line})`;
    if (call.args.length + item.args.length > 6) return 'more than 6 arguments';
    this.open.delete(key);
    call.args.push(...item.args);
    call.ret = item.ret;
    this.noteChild(call);
    return null;
  }

  private noteChild(call: OpenCall): void {
    if (call.ret !== null && call.ret > 0n && isFork(call.name)) this.children.add(Number(call.ret));
  }

  /** Give lines without a pid the root's pid, once the root shows up with a prefix (stderr output). */
  finish(): string | null {
    if (!this.sawUnprefixed) return null;
    let root = this.rootAlias;
    if (root === null) {
      const roots = [...this.prefixed].filter((p) => !this.children.has(p));
      if (roots.length > 1) return `lines without a pid while processes ${roots.join(', ')} have no traced parent; record with strace -f -o FILE`;
      root = roots[0] ?? null;
    }
    if (root !== null) {
      const r = root;
      for (let k = 0; k < this.events.length; k++) {
        const e = this.events[k]!;
        if (e.pid === UNPREFIXED) this.events[k] = { ...e, pid: r };
      }
    }
    return null;
  }
}
