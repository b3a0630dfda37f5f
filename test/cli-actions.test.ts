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
    /^--default errno:1: the 2011 dialect has no default action \(every call without an entry is killed\)/,
  );
  const d = await runCli(['generate', TRACE, '--dialect', 'klingon'], disk);
  t.is(d.code, 2);
  t.regex(d.err, /^unknown --dialect 'klingon' \(valid: 2011/);
  const a = await runCli(['generate', TRACE, '--default', 'errno:EBOGUS'], disk);
  t.is(a.code, 2);
  t.regex(a.err, /^invalid --default: unknown errno name 'EBOGUS'/);
});

test('generate --default hands the action to the dialect that registered a writer', async (t) => {
  DEFAULT_WRITERS.set(
    'test-dialect',
    (g, dflt) => `${g.entries} entries, default ${dflt === undefined ? 'own' : formatAction(dflt)}\n`,
  );
  try {
    const r = await runCli(
      ['generate', TRACE, '--dialect', 'test-dialect', '--default', 'errno:EPERM', '--quiet'],
      disk,
    );
    t.is(r.code, 0, r.err);
    t.regex(r.out, /^\d+ entries, default errno:1\n$/);
    const own = await runCli(['generate', TRACE, '--dialect', 'test-dialect', '--quiet'], disk);
    t.regex(own.out, /default own\n$/);
  } finally {
    DEFAULT_WRITERS.delete('test-dialect');
  }
});
