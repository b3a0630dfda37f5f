/**
 * A JSON reader for seccomp profiles: integers stay exact (a rule's value
 * is an unsigned 64-bit number, past what a JavaScript number holds), and
 * every value keeps the line and column where it starts, so a validation
 * error can point into the text.
 */
import * as E from 'fp-ts/lib/Either.js';

/** A 1-based line and column in a text. */
export interface Pos {
  readonly line: number;
  readonly col: number;
}

/** A JSON syntax error at `pos`. */
export interface JsonSyntaxError {
  readonly pos: Pos;
  readonly message: string;
}

/**
 * The parsed value (integers past 2^53 as bigint, other numbers as number)
 * and the position of the value at each JSON path (`$`, `$.syscalls[0].names`).
 */
export interface JsonDoc {
  readonly value: unknown;
  readonly positions: ReadonlyMap<string, Pos>;
}

const keyPath = (path: string, key: string): string =>
  /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;

/** Parse `text` as JSON (RFC 8259), keeping exact integers and positions. */
export function parseJson(text: string): E.Either<JsonSyntaxError, JsonDoc> {
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const positions = new Map<string, Pos>();
  const pos = (): Pos => ({ line, col: i - lineStart + 1 });
  class Fail {
    constructor(
      readonly pos: Pos,
      readonly message: string,
    ) {}
  }
  const fail = (message: string): never => {
    throw new Fail(pos(), message);
  };
  const ws = (): void => {
    for (;;) {
      const c = text[i];
      if (c === '\n') {
        i++;
        line++;
        lineStart = i;
      } else if (c === ' ' || c === '\t' || c === '\r') i++;
      else return;
    }
  };
  const str = (): string => {
    const start = i;
    i++; // opening quote
    let out = '';
    for (;;) {
      const c = text[i];
      if (c === undefined || c === '\n') {
        i = start;
        return fail('unterminated string');
      }
      if (c === '"') {
        i++;
        return out;
      }
      if (c === '\\') {
        const e = text[i + 1];
        const simple: Record<string, string> = {
          '"': '"',
          '\\': '\\',
          '/': '/',
          b: '\b',
          f: '\f',
          n: '\n',
          r: '\r',
          t: '\t',
        };
        if (e !== undefined && simple[e] !== undefined) {
          out += simple[e];
          i += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else return fail('invalid escape in a string');
      } else if (c < ' ') return fail('control character in a string');
      else {
        out += c;
        i++;
      }
    }
  };
  const value = (path: string): unknown => {
    ws();
    positions.set(path, pos());
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') return fail('expected a string key');
        const k = str();
        ws();
        if (text[i] !== ':') return fail("expected ':'");
        i++;
        Object.defineProperty(obj, k, {
          value: value(keyPath(path, k)),
          enumerable: true,
          writable: true,
          configurable: true,
        });
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return obj;
        } else return fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value(`${path}[${arr.length}]`));
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return arr;
        } else return fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m !== null) {
      i += m[0].length;
      if (m[1] === undefined && m[2] === undefined) {
        const n = BigInt(m[0]);
        return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
      }
      return Number(m[0]);
    }
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const)
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    return fail(c === undefined ? 'unexpected end of the text' : `unexpected character ${JSON.stringify(c)}`);
  };
  try {
    const v = value('$');
    ws();
    if (i < text.length) fail('text after the JSON value');
    return E.right({ value: v, positions });
  } catch (e) {
    if (e instanceof Fail) return E.left({ pos: e.pos, message: e.message });
    throw e;
  }
}
