/**
 * Runs every `replay-example` block of spec/*.md through the CLI (chapter 11):
 * the exit code must match and every `expect` line must appear in stdout.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { runCli, type Run } from './support/cli.ts';

interface ReplayExample {
  readonly file: string;
  readonly line: number;
  readonly command: readonly string[];
  readonly policy: string;
  readonly trace: string;
  readonly exit: number;
  readonly expect: readonly string[];
}

const specDir = new URL('../spec/', import.meta.url);

/** The blocks tagged replay-example in one markdown text, with the line each starts at. */
function extract(file: string, text: string): ReplayExample[] {
  const out: ReplayExample[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```replay-example') continue;
    const start = i + 1;
    const sections: Record<string, string[]> = { policy: [], trace: [], expect: [] };
    let command = ['replay', 'POLICY', 'TRACE'];
    let exit = -1;
    let current: string[] | null = null;
    for (i++; i < lines.length && lines[i] !== '```'; i++) {
      const l = lines[i]!;
      if (l.startsWith('  ') && current !== null) current.push(l.slice(2));
      else if (l.startsWith('command ')) command = l.slice(8).split(' ');
      else if (l.startsWith('exit ')) exit = Number(l.slice(5));
      else if (l.endsWith(':') && l.slice(0, -1) in sections) current = sections[l.slice(0, -1)]!;
      else throw new Error(`${file}:${i + 1}: not part of the replay-example format: ${l}`);
    }
    out.push({ file, line: start, command, policy: sections['policy']!.join('\n'), trace: sections['trace']!.join('\n'), exit, expect: sections['expect']! });
  }
  return out;
}

const examples = readdirSync(specDir)
  .filter((f) => f.endsWith('.md'))
  .flatMap((f) => extract(f, readFileSync(new URL(f, specDir), 'utf8')));

const run = (ex: ReplayExample): Promise<Run> => runCli(ex.command, (p) => (p === 'POLICY' ? ex.policy : p === 'TRACE' ? ex.trace : undefined));

test('spec/: there are replay examples for chapter 11', (t) => {
  t.true(examples.length >= 4, `found ${examples.length}`);
});

/** What differs between an example's expectations and its run: empty when it holds. */
async function problems(ex: ReplayExample): Promise<readonly string[]> {
  const r = await run(ex);
  const got = r.out.split('\n').map((l) => l.trimEnd());
  const missing = ex.expect.filter((want) => !got.includes(want.trimEnd())).map((want) => `missing line: ${want}`);
  const exit = r.code === ex.exit ? [] : [`exit ${r.code}, expected ${ex.exit}`];
  return [...exit, ...missing].map((p) => `${p}\nstdout:\n${r.out}\nstderr:\n${r.err}`);
}

for (const ex of examples) {
  test(`spec/${ex.file}:${ex.line} replay example`, async (t) => {
    t.deepEqual(await problems(ex), []);
  });
}

test('spec/: a replay example with a wrong exit code or a wrong line fails', async (t) => {
  const ex = examples[0]!;
  t.is((await problems({ ...ex, exit: ex.exit === 0 ? 1 : 0 })).length, 1);
  t.is((await problems({ ...ex, expect: [...ex.expect, 'a line the replay never prints'] })).length, 1);
});
