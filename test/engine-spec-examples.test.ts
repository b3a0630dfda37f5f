/**
 * Every ```seccomp-example block of spec/*.md runs against the engine too
 * (S9.1): the same runner as for the model, through a Backend adapter that
 * threads the one mutable Kernel through.
 */
import { readdirSync, readFileSync } from 'node:fs';
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import * as O from 'fp-ts/lib/Option.js';
import { Kernel } from '../src/kernel/index.ts';
import { extractExamples } from './support/spec-examples.ts';
import { runExample, type Backend } from './support/spec-runner.ts';

/** The engine as a spec-example backend. */
const engineBackend: Backend<Kernel> = {
  name: 'engine',
  initialMachine: (config) => new Kernel(config),
  spawn: (k, abi, comm) => [k, k.spawn(abi, comm)],
  writeMemory: (k, pid, addr, bytes) => (k.writeMemory(pid, addr, bytes) ? E.right(k) : E.left(`write refused at 0x${addr.toString(16)}`)),
  readMemory: (k, pid, addr, len) => O.map((b: Uint8Array): readonly number[] => [...b])(O.fromNullable(k.readMemory(pid, addr, len))),
  syscall: (k, pid, vector, regs) => ({ machine: k, outcome: k.syscall(pid, vector, regs) }),
  procSeccompFilter: (k, pid) => O.fromNullable(k.procSeccompFilter(pid)),
  view: (k) => k.view(),
};

const SPEC = new URL('../spec/', import.meta.url);
const files = readdirSync(SPEC).filter((f) => f.endsWith('.md')).sort();

for (const f of files) {
  for (const ex of extractExamples(readFileSync(new URL(f, SPEC), 'utf8'), `spec/${f}`)) {
    test(`engine ${ex.file}:${ex.line}`, (t) => {
      const r = runExample(ex, engineBackend);
      t.true(r.ok, r.ok ? '' : `${ex.file}:${r.line}: ${r.message}`);
    });
  }
}
