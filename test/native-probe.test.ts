/**
 * The probe helper on Linux with hand-assembled programs (K3):
 * int $0x80 from 64-bit code reaches the filter as I386 with full 64-bit
 * registers, x32 numbers arrive as X86_64, every call is answered and none
 * runs, and bad programs are refused before or by the kernel.
 */
import test from 'ava';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { probe, type ProbeCall } from '../src/native/index.ts';
import { ARCH, RET, assemble, jeq, ld, ret } from './support/bpf-asm.ts';

const E = (e: number): bigint => BigInt(-e);
const answers = (program: Uint8Array, calls: readonly ProbeCall[]): readonly bigint[] => {
  const r = probe(program, calls);
  if (isLeft(r)) throw new Error(`probe failed: ${r.left.kind}: ${r.left.message}`);
  return r.right;
};
const zero = [0n, 0n, 0n, 0n, 0n, 0n];

test('int $0x80 from 64-bit code reaches the filter with arch I386, syscall with X86_64', (t) => {
  const p = assemble([
    ld(4),
    jeq(ARCH.I386, 0, 2),
    ld(0),
    jeq(20, 2, 3),
    jeq(ARCH.X86_64, 0, 1),
    ret(RET.errno(3003)),
    ret(RET.errno(3001)),
    ret(RET.errno(3002)),
  ]);
  // I386 and nr 20 (ia32 getpid) -> 3001; X86_64 -> 3003 at the instruction after the second test.
  t.deepEqual(
    answers(p, [
      { vector: 'int80', nr: 20, args: zero },
      { vector: 'syscall', nr: 39, args: zero },
      { vector: 'int80', nr: 4, args: zero },
    ]),
    [E(3001), E(3003), E(3002)],
  );
});

test('the filter sees all six argument registers with their upper halves, on both vectors', (t) => {
  for (let k = 0; k < 6; k++) {
    const p = assemble([
      ld(20 + 8 * k),
      jeq(0xdeadbeef, 0, 3),
      ld(16 + 8 * k),
      jeq(0x1234 + k, 0, 1),
      ret(RET.errno(3001)),
      ret(RET.errno(3002)),
    ]);
    const calls: ProbeCall[] = [];
    for (const vector of ['syscall', 'int80'] as const)
      for (let j = 0; j < 6; j++) {
        const args = [0n, 1n, 2n, 3n, 4n, 5n].map((v, i) =>
          i === j ? (0xdeadbeefn << 32n) | BigInt(0x1234 + k) : v | (0xffffn << 48n),
        );
        calls.push({ vector, nr: vector === 'syscall' ? 39 : 20, args });
      }
    const expected = calls.map((_, i) => (i % 6 === k ? E(3001) : E(3002)));
    t.deepEqual(answers(p, calls), expected, `argument ${k}`);
  }
});

test('x32 numbers (bit 30) reach the filter as arch X86_64 with the bit set; a negative nr arrives as it is', (t) => {
  const p = assemble([
    ld(4),
    jeq(ARCH.X86_64, 0, 4),
    ld(0),
    jeq(0x40000027, 0, 1),
    ret(RET.errno(3001)),
    jeq(0xffffffff, 1, 0),
    ret(RET.errno(3002)),
    ret(RET.errno(3003)),
  ]);
  t.deepEqual(
    answers(p, [
      { vector: 'syscall', nr: 0x40000027, args: zero },
      { vector: 'syscall', nr: -1, args: zero },
      { vector: 'syscall', nr: 39, args: zero },
    ]),
    [E(3001), E(3003), E(3002)],
  );
});

test('no call runs: a probed kill of the parent or exit answers an errno and the probe goes on', (t) => {
  const p = assemble([ret(RET.errno(3002))]);
  const calls: ProbeCall[] = [
    { vector: 'syscall', nr: 62, args: [BigInt(process.pid), 9n, 0n, 0n, 0n, 0n] },
    { vector: 'int80', nr: 37, args: [BigInt(process.pid), 9n, 0n, 0n, 0n, 0n] },
    { vector: 'syscall', nr: 231, args: zero },
    { vector: 'syscall', nr: 39, args: zero },
  ];
  t.deepEqual(
    answers(p, calls),
    calls.map(() => E(3002)),
  );
});

test('thousands of calls are decided in one helper run', (t) => {
  const p = assemble([ld(16), jeq(7, 0, 1), ret(RET.errno(3001)), ret(RET.errno(3002))]);
  const calls: ProbeCall[] = Array.from({ length: 20_000 }, (_, i) => ({
    vector: i % 2 === 0 ? 'syscall' : 'int80',
    nr: 39,
    args: [BigInt(i % 13), 0n, 0n, 0n, 0n, 0n],
  }));
  const r = answers(p, calls);
  t.is(r.length, 20_000);
  t.deepEqual(
    r,
    calls.map((c) => (c.args[0] === 7n ? E(3001) : E(3002))),
  );
  t.log(`the kernel decided ${r.length} calls in one probe run`);
});

test('a program that could let a call run is refused by the helper before any call', (t) => {
  for (const k of [RET.ALLOW, RET.KILL_PROCESS, RET.trace(1), 0x7ffc0000]) {
    const r = probe(assemble([ld(0), jeq(39, 0, 1), ret(RET.errno(1)), ret(k)]), [
      { vector: 'syscall', nr: 39, args: zero },
    ]);
    t.true(
      isLeft(r) && r.left.kind === 'failed' && /may answer other than SECCOMP_RET_ERRNO/.test(r.left.message),
      `ret 0x${k.toString(16)}`,
    );
  }
  const retA = probe(assemble([ld(0), { code: 0x16, jt: 0, jf: 0, k: 0 }]), []);
  t.true(isLeft(retA) && /instruction 1/.test(retA.left.message));
});

test('a program the kernel refuses (a jump past the end, a load out of seccomp_data) is `refused` with the errno name', (t) => {
  for (const p of [assemble([ld(0), jeq(1, 5, 0), ret(RET.errno(1))]), assemble([ld(64), ret(RET.errno(1))])]) {
    const r = probe(p, [{ vector: 'syscall', nr: 39, args: zero }]);
    t.true(isLeft(r) && r.left.kind === 'refused', JSON.stringify(r));
    if (isLeft(r)) t.regex(r.left.message, /seccomp\(SECCOMP_SET_MODE_FILTER\): EINVAL/);
  }
});

test('bad input is an error value: an empty or ragged program, too many calls', (t) => {
  const one = [{ vector: 'syscall', nr: 39, args: zero }] as const;
  t.true(isLeft(probe(new Uint8Array(0), one)));
  t.true(isLeft(probe(new Uint8Array(12), one)));
  const many = probe(assemble([ret(RET.errno(1))]), { length: (1 << 20) + 1 } as readonly ProbeCall[]);
  t.true(isLeft(many) && /at most 1048576 calls/.test(many.left.message));
  t.true(isRight(probe(assemble([ret(RET.errno(1))]), [])));
});

test('native 335 (uretprobe) and 336 (uprobe) are refused: the kernel runs them without asking the filter', (t) => {
  for (const nr of [335, 336, 0x1_0000_0000n + 336n]) {
    const r = probe(assemble([ret(RET.errno(3002))]), [
      { vector: 'syscall', nr: 39, args: zero },
      { vector: 'syscall', nr, args: zero },
    ]);
    t.true(
      isLeft(r) &&
        /call 1 is native 335 \(uretprobe\) or 336 \(uprobe\), which the kernel runs without asking the filter/.test(
          r.left.message,
        ),
      String(nr),
    );
  }
  t.deepEqual(
    answers(assemble([ret(RET.errno(3002))]), [
      { vector: 'int80', nr: 335, args: zero },
      { vector: 'syscall', nr: 0x40000000 + 336, args: zero },
    ]),
    [E(3002), E(3002)],
    'compat 335 and x32 336 are filtered',
  );
});
