/**
 * The call record that flows through the trace pipeline: raw arguments as
 * uint32 halves (the engine's register-row words), so a call goes from the
 * scanner to the engine without a BigInt; bigints are made only for
 * reports (toCall) and for values that need all 64 bits.
 */
import type { Abi } from '../x86/table.ts';
import type { TraceCall } from './types.ts';

const TWO32 = 0x1_0000_0000;

/** The calls that create a task; the child's pid is their result (S7.1). */
export const isFork = (name: string): boolean =>
  name === 'clone' || name === 'fork' || name === 'vfork' || name === 'clone3';

/** One system call of one task; mutable, and reused by the scanner for every line. */
export class RawCall {
  line = 0;
  pid = 0;
  abi: Abi = 'x86_64';
  nr = 0;
  name = '';
  /** Number of arguments printed (0 to 6). */
  nargs = 0;
  /** Argument k is `halves[2k] + halves[2k+1] * 2^32`. */
  readonly halves = new Uint32Array(12);
  retKnown = false;
  /** The result when retKnown and retBig is null (exact: |ret| < 2^53). */
  ret = 0;
  /** The result when it needs all 64 bits. */
  retBig: bigint | null = null;
  ipKnown = false;
  ipLo = 0;
  ipHi = 0;
  /** The path an execve printed as a string (strace without raw decoding for execve), else null. */
  path: string | null = null;
  /** An execve's argv when strace printed it whole (not cut with `...`), else null. */
  argv: readonly string[] | null = null;
  /** An `<unfinished ...>` call not yet resumed. */
  open = false;

  /** Argument k as an unsigned 64-bit value. */
  arg(k: number): bigint {
    const lo = this.halves[2 * k]!;
    const hi = this.halves[2 * k + 1]!;
    return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** Set argument k from a number below 2^53 or a bigint below 2^64. */
  setArg(k: number, v: number | bigint): void {
    if (typeof v === 'number') {
      this.halves[2 * k] = v % TWO32;
      this.halves[2 * k + 1] = Math.floor(v / TWO32);
    } else {
      this.halves[2 * k] = Number(v & 0xffff_ffffn);
      this.halves[2 * k + 1] = Number((v >> 32n) & 0xffff_ffffn);
    }
  }

  /** The traced result as a bigint, or null when unknown. */
  result(): bigint | null {
    return !this.retKnown ? null : (this.retBig ?? BigInt(this.ret));
  }

  /** The pid a fork returned to its parent, or 0 (not a fork, failed, unknown). */
  childPid(): number {
    if (!this.retKnown || !isFork(this.name)) return 0;
    if (this.retBig !== null) return this.retBig > 0n && this.retBig < 0x1_0000_0000n ? Number(this.retBig) : 0;
    return this.ret > 0 ? this.ret : 0;
  }

  /** A copy that the scanner will not overwrite. */
  copy(): RawCall {
    const c = new RawCall();
    c.line = this.line;
    c.pid = this.pid;
    c.abi = this.abi;
    c.nr = this.nr;
    c.name = this.name;
    c.nargs = this.nargs;
    c.halves.set(this.halves);
    c.retKnown = this.retKnown;
    c.ret = this.ret;
    c.retBig = this.retBig;
    c.ipKnown = this.ipKnown;
    c.ipLo = this.ipLo;
    c.ipHi = this.ipHi;
    c.path = this.path;
    c.argv = this.argv;
    c.open = this.open;
    return c;
  }

  /** The call as the public TraceCall. */
  toCall(): TraceCall {
    const args: bigint[] = [];
    for (let k = 0; k < this.nargs; k++) args.push(this.arg(k));
    const ip = this.ipKnown ? (BigInt(this.ipHi) << 32n) | BigInt(this.ipLo) : null;
    return {
      kind: 'call',
      line: this.line,
      pid: this.pid,
      abi: this.abi,
      nr: this.nr,
      name: this.name,
      args,
      ret: this.result(),
      ip,
      ...(this.path === null ? {} : { path: this.path }),
    };
  }

  /** A RawCall holding `c`. */
  static from(c: TraceCall): RawCall {
    const r = new RawCall();
    r.line = c.line;
    r.pid = c.pid;
    r.abi = c.abi;
    r.nr = c.nr;
    r.name = c.name;
    r.nargs = Math.min(6, c.args.length);
    for (let k = 0; k < r.nargs; k++) r.setArg(k, c.args[k]!);
    r.retKnown = c.ret !== null;
    if (c.ret !== null) {
      if (c.ret > -(1n << 53n) && c.ret < 1n << 53n) r.ret = Number(c.ret);
      else r.retBig = c.ret;
    }
    r.ipKnown = c.ip !== null;
    if (c.ip !== null) {
      r.ipLo = Number(c.ip & 0xffff_ffffn);
      r.ipHi = Number((c.ip >> 32n) & 0xffff_ffffn);
    }
    r.path = c.path ?? null;
    return r;
  }
}
