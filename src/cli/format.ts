/** Output conventions shared by every command: numbers (U3) and counts (U4). */
import { formatValue } from '../grammar/index.ts';
import type { NamedArg } from '../trace/index.ts';

export { plural } from '../trace/index.ts';

/** `write(fd=1, buf=0x1000, count=12)`: a call with its arguments in the U3 style. */
export const callText = (name: string, args: readonly NamedArg[]): string =>
  `${name}(${args.map((a) => `${a.name}=${formatValue(a.value, a)}`).join(', ')})`;
