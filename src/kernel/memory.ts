/**
 * Sparse user memory (S7.3, C16): pages of 4 KiB (page numbers stay below 2^52, exact as doubles), -1 marking an
 * unmapped byte, shared between forked tasks until one of them writes
 * (copy on write, counted by `owners`).
 */
import { MAX_USER_TEXT } from '../x86/prctl.ts';

const PAGE_SHIFT = 12;
const PAGE = 1 << PAGE_SHIFT;
/** Pages in the 2^64 address space. */
const PAGES = 2 ** (64 - PAGE_SHIFT);
const ADDR_LIMIT = 1n << 64n;

/** Result of reading a C string: the text, or a negative errno (C16). */
export type CStringResult = string | -14 | -7;

/** One task's user memory. */
export class UserMemory {
  /** Tasks holding this memory; above 1 a write copies first. */
  owners = 1;
  private readonly pages: Map<number, Int16Array>;

  constructor(pages: Map<number, Int16Array> = new Map()) {
    this.pages = pages;
  }

  /** Share with a forked child (S7.1, C18). */
  share(): UserMemory {
    this.owners++;
    return this;
  }

  /** A task stops holding this memory (exit, kill, execve). */
  release(): void {
    this.owners--;
  }

  /** This memory if its caller is the only owner, else a private copy (the caller's new memory). */
  writable(): UserMemory {
    if (this.owners <= 1) return this;
    this.owners--;
    const copy = new Map<number, Int16Array>();
    for (const [k, p] of this.pages) copy.set(k, p.slice());
    return new UserMemory(copy);
  }

  /** Whether `[addr, addr + len)` lies inside the address space. */
  static inRange(addr: bigint, len: number): boolean {
    return addr >= 0n && addr + BigInt(len) <= ADDR_LIMIT;
  }

  /** Map and write `bytes` at `addr` (caller checked the range and made this writable). */
  write(addr: bigint, bytes: ArrayLike<number>): void {
    let page = Number(addr >> BigInt(PAGE_SHIFT));
    let off = Number(addr & BigInt(PAGE - 1));
    let p = this.page(page);
    for (let i = 0; i < bytes.length; i++) {
      if (off === PAGE) {
        page++;
        off = 0;
        p = this.page(page);
      }
      p[off++] = bytes[i]! & 0xff;
    }
  }

  private page(n: number): Int16Array {
    let p = this.pages.get(n);
    if (p === undefined) {
      p = new Int16Array(PAGE).fill(-1);
      this.pages.set(n, p);
    }
    return p;
  }

  /** The `len` bytes at `addr`, or undefined if any is unmapped (C16). */
  read(addr: bigint, len: number): Uint8Array | undefined {
    // S9.4 any length is answered: not a whole number, negative, or more than is mapped at all is undefined.
    if (!Number.isSafeInteger(len) || len < 0 || len > this.pages.size * PAGE || !UserMemory.inRange(addr, len))
      return undefined;
    const out = new Uint8Array(len);
    let page = Number(addr >> BigInt(PAGE_SHIFT));
    let off = Number(addr & BigInt(PAGE - 1));
    let p = this.pages.get(page);
    for (let i = 0; i < len; i++) {
      if (off === PAGE) {
        page++;
        off = 0;
        p = this.pages.get(page);
      }
      const b = p === undefined ? -1 : p[off++]!;
      if (b < 0) return undefined;
      out[i] = b;
    }
    return out;
  }

  /**
   * C16 a NUL-terminated string read byte by byte as Latin-1: an unmapped
   * byte before the NUL is -EFAULT; no NUL in the first 64 KiB is -E2BIG.
   */
  readCString(addr: bigint): CStringResult {
    if (addr < 0n || addr >= ADDR_LIMIT) return -14;
    let page = Number(addr >> BigInt(PAGE_SHIFT));
    let off = Number(addr & BigInt(PAGE - 1));
    let p = this.pages.get(page);
    const codes: number[] = [];
    for (let i = 0; i < MAX_USER_TEXT; i++) {
      if (off === PAGE) {
        page++;
        off = 0;
        p = page < PAGES ? this.pages.get(page) : undefined;
      }
      const b = p === undefined ? -1 : p[off++]!;
      if (b < 0) return -14;
      if (b === 0) return latin1(codes);
      codes.push(b);
    }
    return -7;
  }

  /** Mapped bytes as [address, byte] in ascending address (S7.3 view). */
  entries(): (readonly [bigint, number])[] {
    const out: (readonly [bigint, number])[] = [];
    for (const k of [...this.pages.keys()].sort((a, b) => a - b)) {
      const p = this.pages.get(k)!;
      const base = BigInt(k) << BigInt(PAGE_SHIFT);
      for (let i = 0; i < PAGE; i++) if (p[i]! >= 0) out.push([base + BigInt(i), p[i]!]);
    }
    return out;
  }
}

/** Latin-1 decode in slices, so a 64 KiB text never overflows the argument limit. */
function latin1(codes: readonly number[]): string {
  let s = '';
  for (let i = 0; i < codes.length; i += 4096) s += String.fromCharCode(...codes.slice(i, i + 4096));
  return s;
}
