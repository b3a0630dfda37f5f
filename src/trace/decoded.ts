/**
 * The one decoded form the strace scanner reads: execve as `strace -e
 * raw=!execve` prints it, `execve("/usr/bin/ls", ["ls", "-l"], 0x7ffd...
 * /* 23 vars *\/)`. Functions over a line's bytes [i, e); a number result is
 * the byte offset where the line ends too early.
 */

const utf8 = new TextDecoder('utf-8');
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const UNFINISHED = enc(' <unfinished ...>');
const SIMPLE: Readonly<Record<number, number>> = { 110: 10, 116: 9, 114: 13, 118: 11, 102: 12, 92: 92, 34: 34 };

const at = (b: Uint8Array, i: number, e: number, text: Uint8Array): boolean => {
  if (i + text.length > e) return false;
  for (let k = 0; k < text.length; k++) if (b[i + k] !== text[k]) return false;
  return true;
};
const hexDigit = (c: number | undefined): number =>
  c === undefined ? -1 : c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;

/** A C string as strace prints it (`\n`, `\t`, `\\`, `\"`, `\xHH`, octal), and the `...` after it when cut. */
export function readCString(
  b: Uint8Array,
  from: number,
  e: number,
): { readonly text: string; readonly end: number } | number {
  if (from >= e || b[from] !== 34) return from;
  const bytes: number[] = [];
  let i = from + 1;
  for (;;) {
    if (i >= e) return i;
    const ch = b[i++]!;
    if (ch === 34) break;
    if (ch !== 92) {
      bytes.push(ch);
      continue;
    }
    if (i >= e) return i;
    const x = b[i++]!;
    if (SIMPLE[x] !== undefined) bytes.push(SIMPLE[x]);
    else if (x === 120) {
      const hi = i < e ? hexDigit(b[i]) : -1;
      const lo = i + 1 < e ? hexDigit(b[i + 1]) : -1;
      if (hi < 0 || lo < 0) return i;
      bytes.push(hi * 16 + lo);
      i += 2;
    } else {
      let v = x - 48;
      for (let k = 0; k < 2 && i < e && b[i]! >= 48 && b[i]! <= 55; k++) v = v * 8 + b[i++]! - 48;
      bytes.push(v & 0xff);
    }
  }
  if (i + 3 <= e && b[i] === 46 && b[i + 1] === 46 && b[i + 2] === 46) i += 3;
  return { text: utf8.decode(new Uint8Array(bytes)), end: i };
}

/** The rest of the arguments (strings, `[...]`, `{...}`, comments) up to `)` or ` <unfinished ...>` at depth 0. */
export function skipDecoded(
  b: Uint8Array,
  from: number,
  e: number,
): { readonly end: number; readonly open: boolean } | number {
  let depth = 0;
  let i = from;
  while (i < e) {
    const ch = b[i]!;
    if (ch === 34) {
      const s = readCString(b, i, e);
      if (typeof s === 'number') return s;
      i = s.end;
      continue;
    }
    if (ch === 47 && b[i + 1] === 42 && i + 1 < e) {
      i += 2;
      while (i < e && !(b[i] === 42 && i + 1 < e && b[i + 1] === 47)) i++;
      i = Math.min(e, i + 2);
      continue;
    }
    if (ch === 91 || ch === 123) depth++;
    else if (ch === 93 || ch === 125) depth--;
    else if (depth === 0 && ch === 41) return { end: i + 1, open: false };
    else if (depth === 0 && ch === 32 && at(b, i, e, UNFINISHED)) return { end: i, open: true };
    i++;
  }
  return i;
}

/**
 * execve's argv as strace prints it after the path, `, ["ls", "-l"]`: the
 * strings, or null when strace cut any of them or the list (`...`), or the
 * text is not that shape (the command a trace ran, for the hint `generate` prints).
 */
export function readArgv(b: Uint8Array, from: number, e: number): readonly string[] | null {
  let i = from;
  if (b[i] !== 44 || b[i + 1] !== 32 || b[i + 2] !== 91) return null;
  i += 3;
  const out: string[] = [];
  while (i < e && b[i] !== 93) {
    const s = readCString(b, i, e);
    if (typeof s === 'number' || b[s.end - 1] === 46) return null;
    out.push(s.text);
    i = s.end;
    if (b[i] === 44 && b[i + 1] === 32) i += 2;
    else if (b[i] !== 93) return null;
  }
  return i < e ? out : null;
}
