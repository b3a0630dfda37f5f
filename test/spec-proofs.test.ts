/**
 * spec/19-proofs.md: the chapter's console examples are what the commands
 * print (times aside): `verify` finds the planted compiler bug (a dropped
 * high-word test) with the counterexample shown, and proves the program
 * compiled without it; `diff` names what a minijail policy's conversion to
 * 2011 changes, and `verify` finds it in the converted program.
 */
import test, { type ExecutionContext } from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { readFileSync } from 'node:fs';
import { compileState, encodeRaw } from '../src/bpf/index.ts';
import { runCli } from '../src/cli/memory.ts';
import * as model from '../src/model/index.ts';

const chapter = readFileSync(new URL('../spec/19-proofs.md', import.meta.url), 'utf8');
const blocks = [...chapter.matchAll(/```console\n([\s\S]*?)```/g)].map((m) => m[1]!);
const times = (s: string): string => s.replace(/terms \d+ ms, solver \d+ ms/g, 'terms N ms, solver N ms');

// `$ cmd` lines and the output under each.
function session(block: string): { cmd: string; out: string }[] {
  const out: { cmd: string; out: string }[] = [];
  for (const line of block.split('\n').slice(0, -1)) {
    if (line.startsWith('$ ')) out.push({ cmd: line.slice(2), out: '' });
    else out[out.length - 1]!.out += `${line}\n`;
  }
  return out;
}

test('the chapter shows the policy, the planted bug found and the fixed program proven', async (t) => {
  t.is(blocks.length, 4);
  const [first, second] = blocks.map(session) as [ReturnType<typeof session>, ReturnType<typeof session>];
  t.is(first[0]!.cmd, 'cat policy.txt');
  const policy = first[0]!.out;
  const state = model.applyPolicy(model.INITIAL_STATE, policy, 'x86_64');
  if (E.isLeft(state)) return t.fail('the chapter policy does not install');
  const planted = compileState(state.right, { abi: 'x86_64' }, { dropHighWord: true });
  if (E.isLeft(planted)) return t.fail(planted.left.message);
  const files = new Map<string, string | Uint8Array>([['planted.bpf', encodeRaw(planted.right.program)]]);
  await replay(t, [...first, ...second], files);
});

test('the chapter shows a minijail policy compared with its 2011 conversion, and verify on its program', async (t) => {
  const steps = blocks.slice(2).flatMap(session);
  t.is(steps[0]!.cmd, 'cat app.policy');
  await replay(t, steps, new Map());
});

// Run each step through the CLI, `cat FILE` giving FILE the text shown; outputs must match but for the times.
async function replay(
  t: ExecutionContext,
  steps: readonly { cmd: string; out: string }[],
  files: Map<string, string | Uint8Array>,
): Promise<void> {
  for (const step of steps) {
    const argv = step.cmd.split(' ');
    if (argv[0] === 'cat' && argv.length === 2) {
      files.set(argv[1]!, step.out);
      continue;
    }
    t.is(argv[0], 'seccomp-spec');
    const r = await runCli(argv.slice(1), (p) => files.get(p));
    for (const [path, data] of r.written) files.set(path, data);
    t.is(times(r.out + r.err), times(step.out), step.cmd);
  }
}
