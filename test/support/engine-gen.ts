/**
 * Generators and helpers shared by the engine fast-path tests
 * (engine-fastpath.test.ts, engine-compiled.test.ts): policy numbers per
 * ABI, random filter expressions with boundary values, and writing
 * registers as the fast path reads them.
 */
import fc from 'fast-check';
import type { Kernel } from '../../src/kernel/index.ts';
import { R } from '../../src/kernel/index.ts';
import { syscallTable, type Abi } from '../../src/x86/table.ts';
import { REG_NAMES, type RegsInput } from '../../src/x86/registers.ts';
import { exprText as anyExprText } from '../../src/conform/index.ts';
import { u64 } from '../../properties/support.ts';

export const show = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `0x${x.toString(16)}` : x));
export const M64 = (1n << 64n) - 1n;
export const lo = (v: bigint): number => Number(v & 0xffff_ffffn);
export const hi = (v: bigint): number => Number((v >> 32n) & 0xffff_ffffn);

/** Numbers policies use, per ABI: strict sets, prctl, getpid, fork, the `nr`-argument calls, the last slot, a ni slot. */
export const POOL: Readonly<Record<Abi, readonly number[]>> = {
  x86_64: [0, 1, 2, 3, 15, 39, 57, 60, 157, 186, 208, 209, 333, 454, 469, 335],
  ia32: [1, 3, 4, 5, 20, 119, 172, 224, 247, 248, 385, 416, 454, 469, 2, 222],
};

export const unsignedText = (): fc.Arbitrary<string> =>
  fc.oneof(
    u64().map((v) => v.toString()),
    u64().map((v) => `0x${v.toString(16)}`),
    u64().map((v) => (v === 0n ? '0' : `0${v.toString(8)}`)),
    fc.constantFrom('0x10000000000000000', '18446744073709551616', '0X1f'),
  );
export const signedText = (nr: number): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom(
      String(nr),
      String(nr + 1),
      String(nr - 1),
      `0x${nr.toString(16)}`,
      `${nr + 0x1_0000_0000}`,
      `-${0x1_0000_0000 - nr}`,
    ),
    fc.constantFrom(
      '-1',
      '0',
      '-2147483648',
      '2147483647',
      '0x80000000',
      '0xffffffff',
      '0x100000000',
      '-2147483649',
      '0x7fffffffffffffff',
      '-9223372036854775808',
      '0x8000000000000000',
      '-0',
      '0x40000000',
    ),
    fc.integer({ min: -3, max: 500 }).map(String),
  );

/** A random expression text for call `nr` of `abi`: the shared generator (src/conform) with literals around `nr`, and chains that reach the 32-term limit. */
export function exprText(abi: Abi, nr: number): fc.Arbitrary<string> {
  const args =
    syscallTable(abi)
      .byNr(nr)
      ?.args.map((a) => a.name) ?? [];
  const fields = [
    ...args,
    ...args,
    ...args,
    'nr',
    'nr',
    'common_pid',
    'common_flags',
    'common_type',
    'common_preempt_count',
  ];
  const e = anyExprText(fields, {
    literal: (f) => (!args.includes(f) && (f === 'nr' || f === 'common_pid') ? signedText(nr) : unsignedText()),
  });
  // Long chains of `&` masks to reach the 32-term limit (16 preds + 15 ors = 31; 17 = 33).
  const chain = fc
    .tuple(fc.integer({ min: 14, max: 17 }), fc.constantFrom(...(args.length > 0 ? args : ['nr'])))
    .map(([n, f]) =>
      Array.from({ length: n }, (_, i) => (f === 'nr' ? `nr==${i}` : `${f}&${1n << BigInt((i * 5) % 64)}`)).join('||'),
    );
  return fc.oneof({ weight: 6, arbitrary: e }, { weight: 1, arbitrary: chain });
}

/** Write `regs` into `pid`'s row as uint32 words (the fast path's way). */
export function writeWords(k: Kernel, pid: number, regs: RegsInput): void {
  const row = k.registers(pid)!;
  for (const name of REG_NAMES) {
    const v = regs[name];
    if (v === undefined) continue;
    row.words[row.base + R[name]] = lo(v & M64);
    row.words[row.base + R[name] + 1] = hi(v & M64);
  }
}
