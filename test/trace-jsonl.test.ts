/**
 * JSON-lines traces validated with io-ts: accepted forms, errors with line,
 * JSON path and column; format detection; the printers round-trip.
 */
import test from 'ava';
import {
  detectFormat,
  parseJsonl,
  parseStrace,
  parseTrace,
  printJsonl,
  printStrace,
  type TraceError,
} from '../src/trace/index.ts';

const opts = { abi: 'x86_64', lenient: false } as const;

function bad(text: string): TraceError {
  const r = parseJsonl(text, opts);
  if (r.ok) throw new Error('expected an error');
  return r.error;
}

test('records by number or by name, args as numbers or strings, optional ret and abi', (t) => {
  const r = parseJsonl(
    [
      '{"pid":1,"nr":1,"args":[1,"0x1000",12],"ret":12,"ip":"0x401000"}',
      '',
      '{"pid":1,"name":"sys_openat","args":["0xffffff9c","4096",0]}',
      '{"pid":2,"abi":"ia32","name":"write","nr":4,"args":["18446744073709551615"],"ret":"-1"}',
    ].join('\n'),
    opts,
  );
  if (!r.ok) return t.fail(JSON.stringify(r.error));
  t.deepEqual(r.trace.events, [
    {
      kind: 'call',
      line: 1,
      pid: 1,
      abi: 'x86_64',
      nr: 1,
      name: 'write',
      args: [1n, 0x1000n, 12n],
      ret: 12n,
      ip: 0x401000n,
    },
    {
      kind: 'call',
      line: 3,
      pid: 1,
      abi: 'x86_64',
      nr: 257,
      name: 'openat',
      args: [0xffffff9cn, 4096n, 0n],
      ret: null,
      ip: null,
    },
    { kind: 'call', line: 4, pid: 2, abi: 'ia32', nr: 4, name: 'write', args: [(1n << 64n) - 1n], ret: -1n, ip: null },
  ]);
  t.is(r.trace.format, 'jsonl');
});

test('sys_<entry> names resolve as in policies (S1.3)', (t) => {
  const r = parseJsonl(
    '{"pid":1,"name":"sys_newstat","args":[]}\n{"pid":1,"abi":"ia32","name":"sys_newstat","args":[]}',
    opts,
  );
  t.deepEqual(r.ok ? r.trace.events.map((e) => (e.kind === 'call' ? [e.nr, e.name] : [])) : [], [
    [4, 'stat'],
    [106, 'stat'],
  ]);
  t.regex(bad('{"pid":1,"name":"sys_nothing","args":[]}').message, /unknown system call 'sys_nothing'/);
});

test('a bad argument names its line, path and value', (t) => {
  const e = bad('{"pid":1,"nr":0,"args":[]}\n{"pid":1,"nr":0,"args":[1,-2,3]}');
  t.is(e.line, 2);
  t.is(e.column, 16);
  t.is(
    e.message,
    'at .args[1]: expected u64 (a non-negative integer, or a decimal or "0x..." string below 2^64), got -2',
  );
});

test('values beyond 2^53 as numbers and beyond 2^64 as strings are rejected', (t) => {
  t.regex(bad('{"pid":1,"nr":0,"args":[9007199254740993]}').message, /at \.args\[0\]/);
  t.regex(bad('{"pid":1,"nr":0,"args":["0x10000000000000000"]}').message, /at \.args\[0\]/);
});

test('missing and mistyped fields, unknown keys, too many arguments', (t) => {
  t.is(bad('{"nr":0,"args":[]}').message, 'at .pid: expected a positive integer pid, got nothing');
  t.is(bad('{"pid":1,"nr":0,"args":[],"abi":"arm"}').message, 'at .abi: expected x86_64 | ia32, got "arm"');
  t.is(
    bad('{"pid":1,"nr":0,"args":[],"argz":[]}').message,
    'at .argz: unknown key (valid: pid, abi, nr, name, args, ret, ip)',
  );
  t.is(bad('{"pid":1,"args":[]}').message, 'at .: needs "nr" or "name"');
  t.is(
    bad('{"pid":1,"nr":0,"args":[1,2,3,4,5,6,7]}').message,
    'at .args: expected at most 6 arguments, got [1,2,3,4,5,6,7]',
  );
  t.is(bad('[1]').message, 'at .: expected an object');
  t.regex(bad('{"pid":1,"nr":-1,"args":[]}').message, /^at \.nr: expected a system call number/);
});

test('a name that contradicts nr, and an unknown name, are errors at .name', (t) => {
  t.regex(
    bad('{"pid":1,"nr":2,"name":"read","args":[]}').message,
    /^at \.name: 'read' is system call 0 of x86_64, but the line says \[2\]/,
  );
  const e = bad('{"pid":1,"name":"wirte","args":[]}');
  t.is(e.column, 9);
  t.regex(e.message, /did you mean 'write'/);
});

test('invalid JSON gives the position as the column', (t) => {
  const e = bad('{"pid":1');
  t.is(e.line, 1);
  t.is(e.column, 8);
  t.regex(e.message, /^invalid JSON/);
});

test('lenient JSON lines skip bad records', (t) => {
  const r = parseJsonl('{"pid":1,"nr":0,"args":[]}\nnot json\n{"pid":1,"nr":1,"args":[]}\n', {
    abi: 'x86_64',
    lenient: true,
  });
  t.true(r.ok && r.trace.events.length === 2 && r.trace.skipped[0]!.line === 2);
});

test('format detection: a leading { means JSON lines', (t) => {
  t.is(detectFormat('\n  {"pid":1}'), 'jsonl');
  t.is(detectFormat('1  read(0x1) = 0'), 'strace');
  t.is(detectFormat(''), 'strace');
  const r = parseTrace('{"pid":3,"nr":39,"args":[],"ret":3}\n', opts);
  t.true(r.ok && r.trace.format === 'jsonl');
});

test('printStrace and printJsonl round-trip the events', (t) => {
  const text =
    '5  [00007f032ae45ad7] execve(0x1, 0x2, 0x3) = 0\n[ Process PID=5 runs in 32 bit mode. ]\n5  write(0x1, 0x1000, 0xffffffff) = -1 EBADF\n5  --- SIGCHLD {si_signo=SIGCHLD} ---\n5  exit_group(0) = ?\n5  +++ exited with 0 +++\n';
  const r = parseStrace(text, opts);
  if (!r.ok) return t.fail();
  const strip = (es: readonly object[]): object[] => es.map((e) => ({ ...e, line: 0 }));
  const again = parseStrace(printStrace(r.trace.events, 'x86_64'), opts);
  t.true(again.ok);
  if (again.ok) t.deepEqual(strip(again.trace.events), strip(r.trace.events));
  const json = parseJsonl(printJsonl(r.trace.events), opts);
  t.true(json.ok);
  if (json.ok) t.deepEqual(strip(json.trace.events), strip(r.trace.events.filter((e) => e.kind === 'call')));
});
