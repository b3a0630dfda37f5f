/**
 * User memory (S7.3, C16): a sparse byte map per task. The kernel touches
 * only mapped bytes; anything else faults.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as O from 'fp-ts/lib/Option.js';
import { ERRNO } from '../x86/errno.ts';
import { MAX_USER_TEXT } from '../x86/prctl.ts';
import type { Errno } from './state.ts';

/** A task's user memory: address to byte, only mapped bytes present. */
export type Memory = ReadonlyMap<bigint, number>;

/** Memory with nothing mapped. */
export const EMPTY_MEMORY: Memory = new Map();

const ADDR_LIMIT = 1n << 64n;

/** The `len` bytes at `addr`, if every one is mapped (C16). */
export function readBytes(mem: Memory, addr: bigint, len: number): O.Option<readonly number[]> {
  // S9.4 a length that is not a whole number of bytes reads nothing.
  if (!Number.isSafeInteger(len) || len < 0) return O.none;
  const out: number[] = [];
  for (let i = 0; i < len; i++) {
    const b = mem.get(addr + BigInt(i));
    if (b === undefined) return O.none;
    out.push(b);
  }
  return O.some(out);
}

/** Host or kernel write of `bytes` at `addr`: a fresh map with them mapped; out-of-range input is refused. */
export function writeBytes(mem: Memory, addr: bigint, bytes: readonly number[]): E.Either<string, Memory> {
  if (addr < 0n || addr + BigInt(bytes.length) > ADDR_LIMIT)
    return E.left(`address range 0x${addr.toString(16)}+${bytes.length} is outside [0, 2^64)`);
  const bad = bytes.findIndex((b) => !Number.isInteger(b) || b < 0 || b > 255);
  if (bad >= 0) return E.left(`byte ${bad} (${String(bytes[bad])}) is not an integer in 0..255`);
  return E.right(new Map([...mem, ...bytes.map((b, i): [bigint, number] => [addr + BigInt(i), b])]));
}

/**
 * C16 a NUL-terminated user string, read byte by byte as Latin-1: an
 * unmapped byte before the NUL is -EFAULT, no NUL in the first 64 KiB -E2BIG.
 */
export function readCString(mem: Memory, addr: bigint): E.Either<Errno, string> {
  const chars: string[] = [];
  for (let i = 0; i < MAX_USER_TEXT; i++) {
    const b = mem.get(addr + BigInt(i));
    if (b === undefined) return E.left(ERRNO.EFAULT);
    if (b === 0) return E.right(chars.join(''));
    chars.push(String.fromCharCode(b));
  }
  return E.left(ERRNO.E2BIG);
}
