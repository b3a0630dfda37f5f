import test from 'ava';
import { readFileSync } from 'node:fs';
import { ERRNO_NAME_LIST, errnoName } from '../src/x86/errno-names.ts';

test('the errno names are the numbered #defines of linux-libc-dev, the first name for each value', (t) => {
  const text = ['errno-base.h', 'errno.h'].map((f) => readFileSync(`/usr/include/asm-generic/${f}`, 'utf8')).join('\n');
  const want = new Map<number, string>();
  for (const m of text.matchAll(/^#define\s+(E[A-Z0-9]+)\s+(\d+)\b/gm))
    if (!want.has(Number(m[2]))) want.set(Number(m[2]), m[1]!);
  t.deepEqual(new Map(ERRNO_NAME_LIST), want);
});

test('errnoName names a known errno and says the number of any other', (t) => {
  t.is(errnoName(12), 'ENOMEM');
  t.is(errnoName(1), 'EPERM');
  t.is(errnoName(4095), 'E4095');
});
