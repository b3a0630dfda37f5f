/**
 * The conformance protocol (spec/14, P1-P4): request and answer validation
 * with messages that say what and where, the adapter side (`serve`), the
 * runner's answer checks and --impl splitting.
 */
import test from 'ava';
import { isLeft, isRight, type Either } from 'fp-ts/lib/Either.js';
import {
  checkAnswer,
  decodeAnswer,
  decodeRequest,
  encodeRequest,
  bpfAnswer,
  engineAnswer,
  linuxAnswer,
  modelAnswer,
  serve,
  splitCommand,
  type Request,
} from '../src/conform/index.ts';

const ZERO = ['0x0', '0x0', '0x0', '0x0', '0x0', '0x0'];
const line = (o: object): string => JSON.stringify(o);
const req = (extra: object = {}): string =>
  line({
    id: 7,
    abi: 'x86_64',
    installs: ['sys_read: fd == 0'],
    calls: [{ vector: 'syscall', nr: 0, args: ZERO }],
    ...extra,
  });
const err = (s: string, decode: (l: string) => Either<string, unknown> = decodeRequest): string => {
  const r = decode(s);
  return isLeft(r) ? r.left : 'decoded';
};

test('a request decodes to bigints and encodes back to the same line (P1)', (t) => {
  const r = decodeRequest(
    req({ calls: [{ vector: 'int80', nr: -1, args: ['0xFFFFFFFFFFFFFFFF', '0x1', '0x0', '0x0', '0x0', '0x10'] }] }),
  );
  t.true(isRight(r));
  if (isLeft(r)) return;
  t.deepEqual(r.right.calls[0]!.args, [2n ** 64n - 1n, 1n, 0n, 0n, 0n, 16n]);
  t.is(
    encodeRequest(r.right),
    req({ calls: [{ vector: 'int80', nr: -1, args: ['0xffffffffffffffff', '0x1', '0x0', '0x0', '0x0', '0x10'] }] }),
  );
});

test('bad requests say what and where', (t) => {
  t.regex(err('{"id": 7,'), /^request is not JSON/);
  t.regex(err('[1]'), /^request is not a JSON object/);
  t.is(
    err(req({ calls: [{ vector: 'syscall', nr: 0, args: ['0x0', '0x0', 'zz', '0x0', '0x0', '0x0'] }] })),
    'request: calls[0].args[2]: expected a 64-bit value as a hex string, "0x" and 1 to 16 hex digits, got "zz"',
  );
  t.regex(
    err(req({ calls: [{ vector: 'syscall', nr: 0, args: ['0x0'] }] })),
    /^request: calls\[0\]\.args: expected an array of exactly six hex strings/,
  );
  t.regex(
    err(req({ calls: [{ vector: 'syscall', nr: 0, args: [...ZERO.slice(1), '0x10000000000000000'] }] })),
    /calls\[0\]\.args\[5\]/,
  );
  t.regex(
    err(req({ calls: [{ vector: 'syscall', nr: 2 ** 31, args: ZERO }] })),
    /^request: calls\[0\]\.nr: expected a signed 32-bit integer/,
  );
  t.regex(
    err(req({ calls: [{ vector: 'int81', nr: 0, args: ZERO }] })),
    /^request: calls\[0\]\.vector: .*"syscall" \| "int80" \| "sysenter".*got "int81"/,
  );
  t.regex(err(req({ abi: 'x32' })), /^request: abi: .*got "x32"/);
  t.regex(err(req({ id: -1 })), /^request: id: expected a non-negative integer, got -1/);
  t.regex(
    err(req({ installs: ['read: 1\u0000'] })),
    /^request: installs\[0\]: policy text has a NUL byte .* at offset 7/,
  );
  t.regex(err(req({ installs: ['read: fd == \u20ac'] })), /installs\[0\]: policy text has the character U\+20ac/);
  t.regex(err(line({ id: 1, abi: 'x86_64', installs: [] })), /^request: calls: .*got nothing/);
});

test('bad answers say what and where; unsupported carries a reason', (t) => {
  t.true(isRight(decodeAnswer('{"id": 7, "installs": [0, -13], "calls": ["allow", "kill"]}')));
  t.true(isRight(decodeAnswer('{"id": 7, "unsupported": "no ! in BPF"}')));
  t.regex(
    err('{"id": 7, "installs": [0], "calls": ["maybe"]}', decodeAnswer),
    /^answer: calls\[0\]: .*"allow" \| "kill".*got "maybe"/,
  );
  t.regex(
    err('{"id": 7, "installs": [1], "calls": []}', decodeAnswer),
    /^answer: installs\[0\]: expected prctl's result: 0 or a negative errno/,
  );
  t.regex(err('not json', decodeAnswer), /^answer is not JSON/);
});

const request: Request = {
  id: 3,
  abi: 'x86_64',
  installs: ['read: 1', 'write: 1'],
  calls: [{ vector: 'syscall', nr: 0, args: [0n, 0n, 0n, 0n, 0n, 0n] }],
};

test('the runner checks the id and one result per install and call', (t) => {
  t.true(isRight(checkAnswer(request, { id: 3, installs: [0, -13], calls: ['allow'] })));
  t.true(isRight(checkAnswer(request, { id: 3, unsupported: 'x' })));
  const msg = (a: Parameters<typeof checkAnswer>[1]): string => {
    const r = checkAnswer(request, a);
    return isLeft(r) ? r.left : 'ok';
  };
  t.is(
    msg({ id: 4, installs: [0, 0], calls: ['allow'] }),
    'answer id 4 does not match request id 3 (answers must come in request order)',
  );
  t.is(msg({ id: 3, installs: [0], calls: ['allow'] }), 'answer 3 has 1 install results for 2 installs');
  t.is(msg({ id: 3, installs: [0, 0], calls: [] }), 'answer 3 has 0 verdicts for 1 calls');
});

test("installs are prctl's results without its entry check, and calls are independent (P2)", (t) => {
  const r: Request = {
    id: 1,
    abi: 'x86_64',
    installs: ['read: fd == 0', 'read: count == 1', 'write: 1'],
    calls: [1n, 0n].map((fd) => ({ vector: 'syscall' as const, nr: 0, args: [fd, 0n, 1n, 0n, 0n, 0n] })),
  };
  t.deepEqual(modelAnswer(r), { id: 1, installs: [0, 0, -13], calls: ['kill', 'allow'] });
});

test('the engine answers as the model where its public API can, and says why where it cannot (P4)', (t) => {
  const one: Request = {
    id: 2,
    abi: 'ia32',
    installs: ['read: fd == 0\nprctl: 1', 'read: count == 1'],
    calls: [
      { vector: 'int80', nr: 3, args: [0n, 0n, 1n, 0n, 0n, 0n] },
      { vector: 'syscall', nr: 3, args: [0n, 0n, 2n, 0n, 0n, 0n] },
    ],
  };
  t.deepEqual(engineAnswer(one), modelAnswer(one));
  t.deepEqual(engineAnswer({ ...one, installs: ['read: 1', 'read: fd == 0'] }), {
    id: 2,
    unsupported: 'install 1: the installed state kills prctl itself, and the engine checks every prctl at entry',
  });
  t.deepEqual(engineAnswer({ ...one, installs: ['on_next_syscall: 1\nprctl: 1', 'prctl: 1'] }), {
    id: 2,
    unsupported: "install 1: the engine's prctl would spend the pending grant (on_next_syscall) of the installed state",
  });
});

test('the BPF adapter emulates the compiled state, allows all in mode 0, and refuses a pending grant (P7)', (t) => {
  const call = (vector: 'syscall' | 'int80', nr: number, a0: bigint) => ({
    vector,
    nr,
    args: [a0, 0n, 0n, 0n, 0n, 0n],
  });
  const r: Request = {
    id: 4,
    abi: 'x86_64',
    installs: ['read: fd < 10', 'read: fd > 1'],
    calls: [call('syscall', 0, 5n), call('syscall', 0, 1n), call('syscall', 0, 2n ** 64n - 1n), call('int80', 3, 5n)],
  };
  t.deepEqual(bpfAnswer(r), { id: 4, installs: [0, 0], calls: ['allow', 'kill', 'kill', 'kill'] });
  t.deepEqual(bpfAnswer(r), modelAnswer(r));
  t.deepEqual(bpfAnswer({ ...r, installs: ['read: fd = 1'] }), {
    id: 4,
    installs: [-22],
    calls: ['allow', 'allow', 'allow', 'allow'],
  });
  t.deepEqual(bpfAnswer({ ...r, installs: ['on_next_syscall: 1\nread: 1'] }), {
    id: 4,
    unsupported: 'the installed state has a pending on_next_syscall grant, which a BPF program cannot express',
  });
});

test('the linux adapter answers through the native probe as the model does, and refuses what Linux never filters (K9)', (t) => {
  const call = (vector: 'syscall' | 'int80' | 'sysenter', nr: number, a0: bigint) => ({
    vector,
    nr,
    args: [a0, 0n, 0n, 0n, 0n, 0n],
  });
  const r: Request = {
    id: 5,
    abi: 'x86_64',
    installs: ['read: fd < 10', 'read: fd > 1'],
    calls: [call('syscall', 0, 5n), call('syscall', 0, 1n), call('sysenter', 3, 5n), call('syscall', -1, 0n)],
  };
  t.deepEqual(linuxAnswer(r), modelAnswer(r));
  t.deepEqual(linuxAnswer({ ...r, installs: [] }), {
    id: 5,
    installs: [],
    calls: ['allow', 'allow', 'allow', 'allow'],
  });
  t.deepEqual(linuxAnswer({ ...r, installs: ['on_next_syscall: 1\nread: 1'] }), {
    id: 5,
    unsupported: 'the installed state has a pending on_next_syscall grant, which a BPF program cannot express',
  });
  t.deepEqual(linuxAnswer({ ...r, calls: [call('syscall', 335, 0n)] }), {
    id: 5,
    unsupported: 'native uretprobe and uprobe (335, 336) never reach a seccomp filter on this Linux (K9)',
  });
});

async function* linesOf(...ls: string[]): AsyncIterable<string> {
  yield* ls;
}

test('serve answers each line in order, skips blank lines, and stops with 2 on a bad request', async (t) => {
  let out = '';
  let errs = '';
  const code = await serve(
    modelAnswer,
    linesOf(req(), '', req({ id: 8 }), '{"id": 9}', req({ id: 10 })),
    (s) => void (out += s),
    (s) => void (errs += s),
  );
  t.is(code, 2);
  t.deepEqual(
    out
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: number }).id),
    [7, 8],
  );
  t.regex(errs, /^line 4: request: abi: .*got nothing\n$/);
  t.is(
    await serve(
      modelAnswer,
      linesOf(req()),
      () => undefined,
      () => undefined,
    ),
    0,
  );
});

test('--impl is split into words as a shell would, with quotes', (t) => {
  t.deepEqual(splitCommand(`python3  'my adapter.py' --flag "a \\"b\\"" c\\ d`), {
    _tag: 'Right',
    right: ['python3', 'my adapter.py', '--flag', 'a "b"', 'c d'],
  });
  t.deepEqual(splitCommand(`x ''`), { _tag: 'Right', right: ['x', ''] });
  t.deepEqual(splitCommand(`x 'y`), { _tag: 'Left', left: `unterminated ' quote in --impl "x 'y"` });
  t.deepEqual(splitCommand('   '), {
    _tag: 'Left',
    left: '--impl is empty: give the command that starts the implementation',
  });
});
