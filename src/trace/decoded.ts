/**
 * The one decoded form the strace scanner reads: execve as `strace -e
 * raw=!execve` prints it, `execve("/usr/bin/ls", ["ls", "-l"], 0x7ffd...
 * /* 23 vars *\/)`. Functions over a line's bytes [i, lineEnd); a number result is
 * the byte offset where the line ends too early.
 */

// The bytes the scanner looks for, by name. Local consts, not imports: V8
// folds a module's own const, while an imported binding is a load on every use.
const CHAR_DIGIT_9 = 57;
const CHAR_LOWER_A = 97;
const CHAR_LOWER_F = 102;
const CHAR_UPPER_A = 65;
const CHAR_UPPER_F = 70;
const CHAR_ASTERISK = 42;
const CHAR_BACKSLASH = 92;
const CHAR_CLOSE_BRACE = 125;
const CHAR_CLOSE_BRACKET = 93;
const CHAR_CLOSE_PAREN = 41;
const CHAR_DIGIT_0 = 48;
const CHAR_DIGIT_7 = 55;
const CHAR_DOT = 46;
const CHAR_DOUBLE_QUOTE = 34;
const CHAR_LOWER_X = 120;
const CHAR_OPEN_BRACE = 123;
const CHAR_OPEN_BRACKET = 91;
const CHAR_SLASH = 47;
const CHAR_SPACE = 32;

/** The value of a hex digit byte, -1 for any other byte (or none). */
const hexDigit = (c: number | undefined): number =>
  c === undefined
    ? -1
    : c >= CHAR_DIGIT_0 && c <= CHAR_DIGIT_9
      ? c - CHAR_DIGIT_0
      : c >= CHAR_LOWER_A && c <= CHAR_LOWER_F
        ? c - CHAR_LOWER_A + 10
        : c >= CHAR_UPPER_A && c <= CHAR_UPPER_F
          ? c - CHAR_UPPER_A + 10
          : -1;

const utf8 = new TextDecoder('utf-8');
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const UNFINISHED = enc(' <unfinished ...>');
/** The byte of each one-letter escape: `\n` is byte 10. */
const SIMPLE: Readonly<Record<number, number>> = Object.fromEntries(
  [...'ntrvf\\"'].map((letter, k) => [letter.charCodeAt(0), '\n\t\r\v\f\\"'.charCodeAt(k)]),
);

const at = (buf: Uint8Array, i: number, lineEnd: number, text: Uint8Array): boolean => {
  if (i + text.length > lineEnd) return false;
  for (let k = 0; k < text.length; k++) if (buf[i + k] !== text[k]) return false;
  return true;
};

/** A C string as strace prints it (`\n`, `\t`, `\\`, `\"`, `\xHH`, octal), and the `...` after it when cut. */
export function readCString(
  buf: Uint8Array,
  from: number,
  lineEnd: number,
): { readonly text: string; readonly end: number } | number {
  if (from >= lineEnd || buf[from] !== CHAR_DOUBLE_QUOTE) return from;
  const bytes: number[] = [];
  let i = from + 1;
  for (;;) {
    if (i >= lineEnd) return i;
    const ch = buf[i++]!;
    if (ch === CHAR_DOUBLE_QUOTE) break;
    if (ch !== CHAR_BACKSLASH) {
      bytes.push(ch);
      continue;
    }
    if (i >= lineEnd) return i;
    const x = buf[i++]!;
    if (SIMPLE[x] !== undefined) bytes.push(SIMPLE[x]);
    else if (x === CHAR_LOWER_X) {
      const hi = i < lineEnd ? hexDigit(buf[i]) : -1;
      const lo = i + 1 < lineEnd ? hexDigit(buf[i + 1]) : -1;
      if (hi < 0 || lo < 0) return i;
      bytes.push(hi * 16 + lo);
      i += 2;
    } else {
      let v = x - CHAR_DIGIT_0;
      for (let k = 0; k < 2 && i < lineEnd && buf[i]! >= CHAR_DIGIT_0 && buf[i]! <= CHAR_DIGIT_7; k++)
        v = v * 8 + buf[i++]! - CHAR_DIGIT_0;
      bytes.push(v & 0xff);
    }
  }
  if (i + 3 <= lineEnd && buf[i] === CHAR_DOT && buf[i + 1] === CHAR_DOT && buf[i + 2] === CHAR_DOT) i += 3;
  return { text: utf8.decode(new Uint8Array(bytes)), end: i };
}

/** The rest of the arguments (strings, `[...]`, `{...}`, comments) up to `)` or ` <unfinished ...>` at depth 0. */
export function skipDecoded(
  buf: Uint8Array,
  from: number,
  lineEnd: number,
): { readonly end: number; readonly open: boolean } | number {
  let depth = 0;
  let i = from;
  while (i < lineEnd) {
    const ch = buf[i]!;
    if (ch === CHAR_DOUBLE_QUOTE) {
      const s = readCString(buf, i, lineEnd);
      if (typeof s === 'number') return s;
      i = s.end;
      continue;
    }
    if (ch === CHAR_SLASH && buf[i + 1] === CHAR_ASTERISK && i + 1 < lineEnd) {
      i += 2;
      while (i < lineEnd && !(buf[i] === CHAR_ASTERISK && i + 1 < lineEnd && buf[i + 1] === CHAR_SLASH)) i++;
      i = Math.min(lineEnd, i + 2);
      continue;
    }
    if (ch === CHAR_OPEN_BRACKET || ch === CHAR_OPEN_BRACE) depth++;
    else if (ch === CHAR_CLOSE_BRACKET || ch === CHAR_CLOSE_BRACE) depth--;
    else if (depth === 0 && ch === CHAR_CLOSE_PAREN) return { end: i + 1, open: false };
    else if (depth === 0 && ch === CHAR_SPACE && at(buf, i, lineEnd, UNFINISHED)) return { end: i, open: true };
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
