/** Programs as bytes: the little-endian array of 8-byte `struct sock_filter`s that seccomp(2) and `bwrap --seccomp` load. */
import * as E from 'fp-ts/lib/Either.js';
import { BPF_MAXINSNS, type Program, type SockFilter } from './insn.ts';

/** Encode `p` as raw little-endian sock_filters (code u16, jt u8, jf u8, k u32). */
export function encodeRaw(p: Program): Uint8Array {
  const bytes = new Uint8Array(p.length * 8);
  const view = new DataView(bytes.buffer);
  p.forEach((ins, i) => {
    view.setUint16(i * 8, ins.code, true);
    view.setUint8(i * 8 + 2, ins.jt);
    view.setUint8(i * 8 + 3, ins.jf);
    view.setUint32(i * 8 + 4, ins.k >>> 0, true);
  });
  return bytes;
}

/** Decode raw sock_filters; the length must be a positive multiple of 8 and at most BPF_MAXINSNS instructions. */
export function decodeRaw(bytes: Uint8Array): E.Either<string, Program> {
  if (bytes.length === 0 || bytes.length % 8 !== 0)
    return E.left(`a raw program is a positive multiple of 8 bytes; this one has ${bytes.length}`);
  if (bytes.length / 8 > BPF_MAXINSNS)
    return E.left(`${bytes.length / 8} instructions is more than BPF_MAXINSNS (${BPF_MAXINSNS})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const p: SockFilter[] = [];
  for (let i = 0; i < bytes.length; i += 8) {
    p.push({
      code: view.getUint16(i, true),
      jt: view.getUint8(i + 2),
      jf: view.getUint8(i + 3),
      k: view.getUint32(i + 4, true),
    });
  }
  return E.right(p);
}
