/**
 * The helper's act mode (src/native/act.ts, native/act.c): the real kernel
 * carries out any program's actions, but only on calls that are harmless
 * if they run; every other call is refused before the filter goes in.
 */
import test from 'ava';
import { isLeft } from 'fp-ts/lib/Either.js';
import { act, actHarmless, type ProbeCall } from '../src/native/index.ts';
import { RET, assemble, jeq, ld, ret } from './support/bpf-asm.ts';

const zero = [0n, 0n, 0n, 0n, 0n, 0n];

test('act carries out errno, trap, kill and allow, and replaces a killed child for the next call', (t) => {
  const p = assemble([
    ld(0),
    jeq(39, 0, 1),
    ret(RET.errno(13)),
    jeq(110, 0, 1),
    ret(0x00030000 | 7),
    jeq(186, 0, 1),
    ret(RET.KILL_PROCESS),
    ret(RET.ALLOW),
  ]);
  const calls: ProbeCall[] = [
    { vector: 'syscall', nr: 39, args: zero },
    { vector: 'syscall', nr: 110, args: zero },
    { vector: 'syscall', nr: 186, args: zero },
    { vector: 'syscall', nr: 111, args: zero },
    { vector: 'syscall', nr: 2000, args: zero },
  ];
  const r = act(p, calls);
  if (isLeft(r)) return t.fail(`${r.left.kind}: ${r.left.message}`);
  const [e, trap, killed, ran, nosys] = r.right;
  t.like(e, { kind: 'ret', rax: -13n });
  t.like(trap, { kind: 'trap', nr: 110, arch: 0xc000003e, data: 7, code: 1 });
  t.like(killed, { kind: 'killed', signal: 31 });
  t.true(ran?.kind === 'ret' && ran.rax > 0n, 'getpgrp ran');
  t.like(nosys, { kind: 'ret', rax: -38n });
  t.not(killed!.pid, ran!.pid, 'a new child after the kill');
});

test('act refuses a call that could do harm if it ran, before any call', (t) => {
  for (const c of [
    { vector: 'syscall', nr: 1, args: zero }, // write
    { vector: 'int80', nr: 39, args: zero }, // ia32 mkdir
    { vector: 'syscall', nr: 0x40000000 + 62, args: zero }, // x32 kill, where x32 is on
    { vector: 'syscall', nr: 1023, args: zero },
  ] as const) {
    t.false(actHarmless(c), JSON.stringify(c.nr));
    const r = act(assemble([ret(RET.ALLOW)]), [c]);
    t.true(isLeft(r) && /may do harm if it runs/.test(r.left.message), String(c.nr));
  }
  t.true(actHarmless({ vector: 'syscall', nr: 0x40000000 + 39, args: zero }));
  t.true(actHarmless({ vector: 'int80', nr: -1, args: zero }));
});

test('act: bad input and a refused program are error values', (t) => {
  const one = [{ vector: 'syscall', nr: 39, args: zero }] as const;
  t.true(isLeft(act(new Uint8Array(12), one)));
  const many = act(assemble([ret(RET.ALLOW)]), { length: (1 << 20) + 1 } as readonly ProbeCall[]);
  t.true(isLeft(many) && /at most 1048576 calls/.test(many.left.message));
  const refused = act(assemble([ld(64), ret(RET.ALLOW)]), one);
  t.true(isLeft(refused) && refused.left.kind === 'refused' && /EINVAL/.test(refused.left.message));
});
