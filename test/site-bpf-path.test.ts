/**
 * The playground's highlighted BPF path (site/src/bpf-path.ts pathOf): for
 * the bundled policies and calls of every listed number with edge-case
 * arguments, the path starts at 0, only moves forward, ends at the `ret` whose
 * value the run returned, and has as many instructions as the emulator says it executed.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { isRight } from 'fp-ts/lib/Either.js';
import { BPF, auditArch, compilePolicy, emulate } from '../src/bpf/index.ts';
import { syscallTable } from '../src/x86/index.ts';
import { pathOf } from '../site/src/bpf-path.ts';

const dir = new URL('../examples/policies/', import.meta.url);
const policies = readdirSync(dir).map((f) => [f, readFileSync(new URL(f, dir), 'utf8')] as const);
const ARGS: readonly (readonly bigint[])[] = [
  [0n, 0n, 0n, 0n, 0n, 0n],
  [1n, 2n, 0x80000n, 4n, 5n, 6n],
  [0xffffffffn, 1n << 32n, (1n << 64n) - 1n, 3n, 0n, 7n],
];

test('the path is the run: forward only, from 0 to a ret, as long as the instructions executed', (t) => {
  let checked = 0;
  for (const [name, text] of policies) {
    const compiled = compilePolicy(text, { abi: 'x86_64' });
    if (!isRight(compiled)) return t.fail(`${name} does not compile`);
    const p = compiled.right.program;
    for (const call of syscallTable('x86_64').calls.filter((c) => c.nr % 7 === 0)) {
      for (const args of ARGS) {
        for (const arch of [auditArch('x86_64'), auditArch('ia32')]) {
          const d = { nr: call.nr, arch, instructionPointer: 0n, args };
          const path = pathOf(p, d);
          const run = emulate(p, d);
          t.is(path.length, run.executed, `${name} ${call.name}`);
          t.is(path[0], 0);
          t.true(path.every((pc, i) => i === 0 || pc > path[i - 1]!));
          const last = p[path.at(-1)!]!;
          t.is(last.code & 0x07, BPF.RET);
          t.is(last.k >>> 0, run.ret >>> 0);
          checked++;
        }
      }
    }
  }
  t.true(checked > 1000, `only ${checked} runs`);
});
