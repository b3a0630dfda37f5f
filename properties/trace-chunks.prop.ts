/**
 * A trace read as a stream gives the same result however its
 * bytes are cut into chunks: at any byte boundary, inside a multi-byte
 * UTF-8 character, between `\r` and `\n`, one byte at a time. Strict and
 * lenient, strace text and JSON lines, good lines and bad.
 */
import test from 'ava';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { parseChunks, type TraceResult } from '../src/trace/index.ts';
import { params } from './support.ts';

const recorded = (name: string): string[] =>
  readFileSync(new URL(`../examples/traces/${name}.strace`, import.meta.url), 'latin1')
    .split('\n')
    .filter((l) => l !== '');
// python3 has unfinished and resumed calls across tasks and forks; ls has plain lines.
const lines = [...recorded('ls').slice(0, 60), ...recorded('python3').slice(600, 900)];
const extra = [
  '7  execve("/usr/bin/\\303\\251t\\xe2\\x82\\xac", ["\\u00e9"], 0x7ffe /* 3 vars */) = 0',
  '7  write(0x1, 0x7f00, 0x10) = 0x10 \u00e9\u20ac\ud83d\ude00',
  '7  bogus\u00e9(0x1) = 0',
  '7  read(0x3, \u20ac) = 0',
  '{"pid":7,"name":"write","args":[1,"0x10",2],"ret":2}',
  '',
  '   ',
];

/** A text of recorded and odd lines, with LF or CRLF ends, and the cut points (as fractions) of its bytes. */
const traceAndCuts = fc.record({
  lines: fc.array(
    fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...lines) }, { weight: 1, arbitrary: fc.constantFrom(...extra) }),
    { minLength: 1, maxLength: 40 },
  ),
  crlf: fc.boolean(),
  finalNewline: fc.boolean(),
  cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
  lenient: fc.boolean(),
});

/** The result without the events' object identities. */
const canon = (r: TraceResult): string => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

function chunks(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((f) => Math.floor(f * bytes.length)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const k of [...at, bytes.length]) {
    out.push(bytes.subarray(from, k));
    from = k;
  }
  return out;
}

test('a trace cut into chunks at any byte boundaries parses as the whole (cut for CI time; more under npm run props)', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(traceAndCuts, ({ lines: ls, crlf, finalNewline, cuts, lenient }) => {
        const text = ls.join(crlf ? '\r\n' : '\n') + (finalNewline ? (crlf ? '\r\n' : '\n') : '');
        const bytes = new TextEncoder().encode(text);
        const opts = { abi: 'x86_64', lenient } as const;
        const whole = canon(parseChunks([bytes], opts));
        return canon(parseChunks(chunks(bytes, cuts), opts)) === whole;
      }),
      params(500),
    ),
  );
});

test('byte by byte, every cut at once, including between \\r and \\n and inside UTF-8 characters', (t) => {
  const text = `${[...lines.slice(0, 30), ...extra].join('\r\n')}\r\n`;
  const bytes = new TextEncoder().encode(text);
  for (const lenient of [false, true]) {
    const opts = { abi: 'x86_64', lenient } as const;
    const whole = parseChunks([bytes], opts);
    const single = Array.from(bytes, (_, k) => bytes.subarray(k, k + 1));
    t.is(canon(parseChunks(single, opts)), canon(whole));
  }
  const r = parseChunks([bytes], { abi: 'x86_64', lenient: true });
  t.true(
    r.ok && r.trace.skipped.some((e) => e.source.includes('bogus\u00e9')),
    'the source of a bad line is its UTF-8 text',
  );
});
