/**
 * Actions on the command line: errno names in action flags, and
 * `generate --default` for the dialects that have a default action.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { formatAction } from '../src/action/index.ts';
import { ERRNO_NAMES, parseActionFlag } from '../src/cli/action-flag.ts';
import { DEFAULT_WRITERS } from '../src/cli/commands/generate.ts';
import { runCli } from '../src/cli/memory.ts';

const disk = (p: string): string | undefined => {
  try {
    return readFileSync(p, 'latin1');
  } catch {
    return undefined;
  }
};
const TRACE = 'examples/traces/true.strace';

test('an action flag takes every spelling and errno:NAME; unknown names and values say what is valid', (t) => {
  t.deepEqual(parseActionFlag('errno:EPERM'), { kind: 'errno', errno: 1 });
  t.deepEqual(parseActionFlag('errno:ENOSYS'), { kind: 'errno', errno: 38 });
  t.deepEqual(parseActionFlag('trap'), { kind: 'trap', data: 0 });
  t.is(ERRNO_NAMES['EACCES'], 13);
  t.like(parseActionFlag('errno:EBOGUS'), {
    message: "unknown errno name 'EBOGUS' (e.g. EPERM, EACCES, ENOSYS; or a number)",
  });
  t.regex((parseActionFlag('die') as { message: string }).message, /\(errno:NAME too\)$/);
});

test('generate --default: the 2011 dialect has none; an unknown dialect or action is a usage error', async (t) => {
  const r = await runCli(['generate', TRACE, '--default', 'errno:EPERM'], disk);
  t.is(r.code, 2);
  t.regex(
    r.err,
    /^--default errno:1: the 2011 dialect has no default action \(every call without an entry is killed\); dialects with a default: minijail\n$/,
  );
  const d = await runCli(['generate', TRACE, '--dialect', 'klingon'], disk);
  t.is(d.code, 2);
  t.regex(d.err, /klingon/);
  const a = await runCli(['generate', TRACE, '--default', 'errno:EBOGUS'], disk);
  t.is(a.code, 2);
  t.regex(a.err, /^invalid --default: unknown errno name 'EBOGUS'/);
});

test('generate --dialect minijail --default writes @default, and refuses what @default cannot say', async (t) => {
  const r = await runCli(['generate', TRACE, '--dialect', 'minijail', '--default', 'trap', '--quiet'], disk);
  t.is(r.code, 0, r.err);
  t.regex(r.out, /\n@default trap\n$/);
  // What it wrote reads back: check takes it.
  const back = await runCli(['check', '--dialect', 'minijail', 'gen.policy'], (p) =>
    p === 'gen.policy' ? r.out : disk(p),
  );
  t.is(back.code, 0, back.err);
  const e = await runCli(['generate', TRACE, '--dialect', 'minijail', '--default', 'errno:EPERM'], disk);
  t.is(e.code, 2);
  t.regex(e.err, /^--default errno:1: minijail's @default takes kill-process, kill-thread, trap or user-notify/);
});

test('generate --default hands the action to a dialect that registered a writer', async (t) => {
  DEFAULT_WRITERS.set('minijail-test', (text, dflt) => ({ text: `${text ?? ''}# default ${formatAction(dflt)}\n` }));
  t.teardown(() => DEFAULT_WRITERS.delete('minijail-test'));
  t.true(DEFAULT_WRITERS.has('minijail'));
  const w = DEFAULT_WRITERS.get('minijail-test')!;
  t.deepEqual(w('x\n', { kind: 'errno', errno: 1 }), { text: 'x\n# default errno:1\n' });
});
