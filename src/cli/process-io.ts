/** The process's real I/O for the CLI (Node only: the rest of src/cli runs in a browser too). */
import { readFileSync } from 'node:fs';
import type { Io } from './io.ts';

/** The process's real I/O. */
export const processIo: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  readFile: (path) => {
    try {
      return readFileSync(path === '-' ? 0 : path, 'latin1');
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  },
  errIsTty: process.stderr.isTTY === true,
};
