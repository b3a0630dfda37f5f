/**
 * Every ```seccomp-example block of spec/*.md runs against the engine too
 * (S9.1): the same runner as for the model (src/spec-runner), through its
 * engine backend, which threads the one mutable Kernel through.
 */
import { readdirSync, readFileSync } from 'node:fs';
import test from 'ava';
import { engineBackend, extractExamples, runExample } from '../src/spec-runner/index.ts';

const SPEC = new URL('../spec/', import.meta.url);
const files = readdirSync(SPEC)
  .filter((f) => f.endsWith('.md'))
  .sort();

for (const f of files) {
  for (const ex of extractExamples(readFileSync(new URL(f, SPEC), 'utf8'), `spec/${f}`)) {
    test(`engine ${ex.file}:${ex.line}`, (t) => {
      const r = runExample(ex, engineBackend);
      t.true(r.ok, r.ok ? '' : `${ex.file}:${r.line}: ${r.message}`);
    });
  }
}
