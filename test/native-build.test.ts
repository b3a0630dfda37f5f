/**
 * Building the C helper (K1): on first use into a cache keyed by the
 * sources, rebuilt when a source changes, and every way it can fail is an
 * error value that says what to do: another platform, no compiler, a
 * failing build, an unreadable source directory, an unusable cache.
 */
import test from 'ava';
import { cpSync, mkdtempSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { nativeHelper, platformProblem } from '../src/native/index.ts';

const SOURCES = new URL('../native/', import.meta.url).pathname;
const scratch = (t: { teardown: (f: () => void) => void }): string => {
  const dir = mkdtempSync(join(tmpdir(), 'seccomp-native-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

test('another platform is refused with what is needed', (t) => {
  t.is(platformProblem('linux', 'x64'), null);
  const p = platformProblem('darwin', 'arm64');
  t.is(p?.kind, 'platform');
  t.regex(p?.message ?? '', /needs Linux on x86_64 \(this is darwin on arm64\)/);
  const r = nativeHelper({ platform: 'linux', arch: 'arm64' });
  t.true(isLeft(r) && r.left.kind === 'platform');
});

test('the helper is built once into the cache and rebuilt when a source changes', (t) => {
  const dir = scratch(t);
  const src = join(dir, 'src');
  cpSync(SOURCES, src, { recursive: true });
  const a = nativeHelper({ sourceDir: src, cacheDir: join(dir, 'cache') });
  if (isLeft(a)) return t.fail(a.left.message);
  const built = statSync(a.right).mtimeMs;
  const again = nativeHelper({ sourceDir: src, cacheDir: join(dir, 'cache') });
  t.deepEqual(again, a);
  t.is(statSync(a.right).mtimeMs, built, 'a cached build is not rebuilt');
  appendFileSync(join(src, 'util.c'), '/* changed */\n');
  const b = nativeHelper({ sourceDir: src, cacheDir: join(dir, 'cache') });
  t.true(isRight(b) && b.right !== a.right, 'a changed source builds anew');
});

test('a missing compiler says what to install', (t) => {
  const dir = scratch(t);
  const r = nativeHelper({ cc: join(dir, 'no-such-cc'), sourceDir: SOURCES, cacheDir: dir });
  t.true(isLeft(r) && r.left.kind === 'compiler');
  if (isLeft(r))
    t.regex(
      r.left.message,
      /no C compiler: '.*no-such-cc' was not found\. Install one \(Debian\/Ubuntu: apt-get install gcc/,
    );
  const notExe = nativeHelper({ cc: dir, sourceDir: SOURCES, cacheDir: join(dir, 'c') });
  t.true(isLeft(notExe) && notExe.left.kind === 'compiler' && /cannot run the C compiler/.test(notExe.left.message));
});

test('a failing build, bad sources or an unusable cache are build errors with the reason', (t) => {
  const dir = scratch(t);
  const src = join(dir, 'src');
  cpSync(SOURCES, src, { recursive: true });
  writeFileSync(join(src, 'broken.c'), 'int broken(void) { int unused; return 0; }\n');
  const r = nativeHelper({ sourceDir: src, cacheDir: join(dir, 'cache') });
  t.true(isLeft(r) && r.left.kind === 'build');
  if (isLeft(r)) t.regex(r.left.message, /building the helper with 'cc' failed \(status 1\):[^]*unused/);
  const none = nativeHelper({ sourceDir: join(dir, 'absent'), cacheDir: dir });
  t.true(isLeft(none) && /cannot read the helper's sources/.test(none.left.message));
  writeFileSync(join(dir, 'file'), '');
  const cache = nativeHelper({ sourceDir: SOURCES, cacheDir: join(dir, 'file', 'cache') });
  t.true(isLeft(cache) && /cannot create the cache directory/.test(cache.left.message));
});
