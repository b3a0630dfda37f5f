/**
 * pt_regs storage for the simulated kernel (S6.1): one row of 40 uint32
 * words per live task (lo, hi for each of the 20 REG_NAMES), in chunks of
 * 1024 rows, so a fork costs one row and no object; rows of dead tasks are
 * reused. No BigInt on the hot path: bigints appear only at the API edge
 * (RegsInput in, Regs out).
 */
import { REG_NAMES, type RegName, type Regs, type RegsInput } from './registers.ts';

/** Word offsets of each register's low half within a row (high half is +1). */
export const R = {
  rax: 0,
  orig_rax: 2,
  rbx: 4,
  rcx: 6,
  rdx: 8,
  rsi: 10,
  rdi: 12,
  rbp: 14,
  r8: 16,
  r9: 18,
  r10: 20,
  r11: 22,
  r12: 24,
  r13: 26,
  r14: 28,
  r15: 30,
  rip: 32,
  rsp: 34,
  eflags: 36,
  cs: 38,
} as const satisfies Record<RegName, number>;

/** uint32 words per task row. */
export const ROW_WORDS = 40;

/** S3.2 argument registers of the native ABI: rdi, rsi, rdx, r10, r8, r9. */
export const NATIVE_ARG_REGS: readonly number[] = [R.rdi, R.rsi, R.rdx, R.r10, R.r8, R.r9];
/** S3.2 argument registers of the compat ABI: ebx, ecx, edx, esi, edi, ebp. */
export const COMPAT_ARG_REGS: readonly number[] = [R.rbx, R.rcx, R.rdx, R.rsi, R.rdi, R.rbp];

/** A slot's chunk is `slot >>> CHUNK_SHIFT`; its row starts at `(slot & CHUNK_MASK) * ROW_WORDS`. */
const CHUNK_SHIFT = 10;
const CHUNK_ROWS = 1 << CHUNK_SHIFT;
/** See CHUNK_SHIFT. */
export const CHUNK_MASK = CHUNK_ROWS - 1;

/** A register row: the chunk's words and the row's first word. */
export interface RegRow {
  readonly words: Uint32Array;
  readonly base: number;
}

const MASK64 = (1n << 64n) - 1n;

/** Low and high uint32 halves of a bigint taken modulo 2^64. */
export function halves(v: bigint): readonly [number, number] {
  const u = v & MASK64;
  return [Number(u & 0xffff_ffffn), Number(u >> 32n)];
}

/** The unsigned 64-bit value of two uint32 halves. */
export const join = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

/** The register rows of every live task, grown one chunk at a time; rows are named by slot. */
export class RegisterFile {
  /** Chunks of CHUNK_MASK + 1 rows; each task keeps its own chunk (Task.words) for the entry path. */
  private readonly chunks: Uint32Array[] = [];
  private readonly free: number[] = [];
  private next = 0;

  /** A row for a new task: a freed one, or the next unused one. Its contents are the caller's to set. */
  alloc(): number {
    const slot = this.free.pop() ?? this.next++;
    this.words(slot);
    return slot;
  }

  /** The task of `slot` is gone; its row may be reused. */
  release(slot: number): void {
    this.free.push(slot);
  }

  /** The words of the chunk holding `slot` (allocated on first use). */
  words(slot: number): Uint32Array {
    const c = slot >>> CHUNK_SHIFT;
    while (this.chunks.length <= c) this.chunks.push(new Uint32Array(CHUNK_ROWS * ROW_WORDS));
    return this.chunks[c]!;
  }

  /** First word of `slot`'s row within its chunk. */
  static base(slot: number): number {
    return (slot & CHUNK_MASK) * ROW_WORDS;
  }

  /** `slot`'s row. */
  row(slot: number): RegRow {
    return { words: this.words(slot), base: RegisterFile.base(slot) };
  }

  /** Copy row `from` to row `to` (fork, C18). */
  copy(from: number, to: number): void {
    const src = this.words(from);
    const dst = this.words(to);
    const s = RegisterFile.base(from);
    const d = RegisterFile.base(to);
    // Builtin memmoves: an element-by-element loop costs twice as long per fork.
    if (src === dst) dst.copyWithin(d, s, s + ROW_WORDS);
    else dst.set(src.subarray(s, s + ROW_WORDS), d);
  }

  /** Zero `slot`'s row (spawn). */
  clear(slot: number): void {
    const b = RegisterFile.base(slot);
    this.words(slot).fill(0, b, b + ROW_WORDS);
  }

  /** Store the given registers (values taken modulo 2^64); others keep their values. */
  apply(slot: number, input: RegsInput): void {
    const w = this.words(slot);
    const b = RegisterFile.base(slot);
    for (const name of REG_NAMES) {
      const v = input[name];
      if (v === undefined) continue;
      const [lo, hi] = halves(v);
      w[b + R[name]] = lo;
      w[b + R[name] + 1] = hi;
    }
  }

  /** `slot`'s registers as bigints (S6.1 view). */
  read(slot: number): Regs {
    const w = this.words(slot);
    const b = RegisterFile.base(slot);
    const out: Partial<Record<RegName, bigint>> = {};
    for (const name of REG_NAMES) out[name] = join(w[b + R[name]]!, w[b + R[name] + 1]!);
    return out as Regs;
  }
}
