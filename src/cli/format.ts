/** Output conventions shared by every command: numbers (U3) and counts (U4). */
import { formatValue } from '../grammar/index.ts';
import type { NamedArg } from '../trace/index.ts';

export { plural } from '../trace/index.ts';

/** `write(fd=1, buf=0x1000, count=12)`: a call with its arguments in the U3 style. */
export const callText = (name: string, args: readonly NamedArg[]): string =>
  `${name}(${args.map((a) => `${a.name}=${formatValue(a.value, a)}`).join(', ')})`;

/** `s` as one shell word: as it is when it needs no quoting, else in single quotes. */
export const shellWord = (s: string): string =>
  /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;

/** The line that tells what to run next, on stderr: `next: COMMAND`. */
export const nextStep = (words: readonly string[], note = ''): string => `next: ${words.join(' ')}${note}\n`;
