/** The process's real I/O for the CLI (Node only: the rest of src/cli runs in a browser too). */
import { closeSync, createReadStream, fstatSync, openSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { createInterface } from 'node:readline';
import type { Io } from './io.ts';

/** Bytes read at a time from a trace file. */
const CHUNK = 1 << 20;

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
  openStream: (path) => {
    if (path === '-') return { chunks: process.stdin, size: null };
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
    try {
      const st = fstatSync(fd);
      if (st.isDirectory()) throw new Error(`EISDIR: illegal operation on a directory, read`);
      return { chunks: createReadStream(path, { fd, highWaterMark: CHUNK }), size: st.isFile() ? st.size : null };
    } catch (e) {
      closeSync(fd);
      return e instanceof Error ? e : new Error(String(e));
    }
  },
  errIsTty: process.stderr.isTTY === true,
  outBytes: (b) => process.stdout.write(b),
  outIsTty: process.stdout.isTTY === true,
  writeFile: (path, data) => {
    try {
      writeFileSync(path, data);
      return null;
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  },
  outPath: () => {
    try {
      if (!fstatSync(1).isFile()) return null;
      // Linux names a descriptor's file in /proc; elsewhere this throws and the path is not known.
      const path = readlinkSync('/proc/self/fd/1');
      const rel = relative(process.cwd(), path);
      return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
    } catch {
      return null;
    }
  },
  stdinLines: () => createInterface({ input: process.stdin, crlfDelay: Infinity }),
};
