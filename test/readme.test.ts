import test from 'ava';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');

test('README: the library tour is examples/library.ts, verbatim', (t) => {
  const source = readFileSync(new URL('examples/library.ts', root), 'utf8');
  t.true(readme.includes('```ts\n' + source + '```'), 'README.md does not show examples/library.ts as it is');
});

test('README: the library tour prints what README.md says it prints', (t) => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/library.ts'], {
    cwd: root,
    encoding: 'utf8',
  });
  const shown = readme.split('$ node --import tsx examples/library.ts\n')[1]?.split('```')[0];
  t.is(shown, out);
});
