/**
 * The conformance protocol, versions 1 and 2 (spec/14-conformance.md): JSON lines
 * over an implementation's stdin and stdout, one request and one answer per
 * line. Every line read is validated with io-ts; a bad one is an error value
 * that says what was wrong and where (`calls[0].args[2]: ...`).
 */
import * as t from 'io-ts';
import { formatAction, isActionError, parseAction } from '../action/index.ts';
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import type { Abi } from '../x86/table.ts';
import type { Vector } from '../x86/vectors.ts';

/** The protocol version this module speaks (P1). */
export const PROTOCOL_VERSION = 1;

/** One system call to judge: entry vector, eax as a signed 32-bit number, six 64-bit argument registers. */
export interface Call {
  readonly vector: Vector;
  readonly nr: number;
  readonly args: readonly bigint[];
}

/** A request: a fresh task of code `abi`, its PR_SET_SECCOMP 2 texts in order, the calls to judge. */
export interface Request {
  readonly id: number;
  readonly abi: Abi;
  readonly installs: readonly string[];
  readonly calls: readonly Call[];
}

/** What one call met: allowed (whatever the call then does) or killed by seccomp (S6.4). */
export type Verdict = 'allow' | 'kill';

/** An answer: prctl's result per install (0 or -errno) and a verdict per call, or a refusal. */
export type Answer =
  | { readonly id: number; readonly installs: readonly number[]; readonly calls: readonly Verdict[] }
  | { readonly id: number; readonly unsupported: string };

const fail = <A>(u: unknown, c: t.Context, message: string): t.Validation<A> => t.failure(u, c, message);

/** A 64-bit register value as the protocol writes it: `0x` and 1 to 16 hex digits. */
const Hex64 = new t.Type<bigint, string, unknown>(
  'Hex64',
  (u): u is bigint => typeof u === 'bigint',
  (u, c) =>
    typeof u === 'string' && /^0x[0-9a-fA-F]{1,16}$/.test(u)
      ? t.success(BigInt(u))
      : fail(u, c, 'expected a 64-bit value as a hex string, "0x" and 1 to 16 hex digits'),
  (v) => `0x${v.toString(16)}`,
);

const int = (name: string, min: number, max: number, what: string): t.Type<number, number, unknown> =>
  new t.Type<number, number, unknown>(
    name,
    (u): u is number => typeof u === 'number',
    (u, c) =>
      typeof u === 'number' && Number.isInteger(u) && u >= min && u <= max
        ? t.success(u)
        : fail(u, c, `expected ${what}`),
    (v) => v,
  );

/** Request ids: any non-negative safe integer. */
const Id = int('Id', 0, Number.MAX_SAFE_INTEGER, 'a non-negative integer');
/** eax read as a signed int (C8). */
const Nr = int('Nr', -(2 ** 31), 2 ** 31 - 1, 'a signed 32-bit integer (eax, C8)');
/** prctl's result: 0 or a negative errno (S5.7). */
const InstallResult = int('InstallResult', -4095, 0, "prctl's result: 0 or a negative errno above -4096");

/** A policy text: one byte per character (Latin-1, C16), no NUL since prctl reads up to the first one (C33). */
const PolicyText = new t.Type<string, string, unknown>(
  'PolicyText',
  (u): u is string => typeof u === 'string',
  (u, c) => {
    if (typeof u !== 'string') return fail(u, c, 'expected a policy text (a string)');
    const bad = /[\u0000\u0100-\uffff]/.exec(u);
    if (bad === null) return t.success(u);
    const what =
      bad[0] === '\0'
        ? 'a NUL byte (prctl would read only up to it, C33)'
        : `the character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')} (texts are bytes: U+0001 to U+00FF)`;
    return fail(u, c, `policy text has ${what} at offset ${bad.index}`);
  },
  (v) => v,
);

const AbiCodec = t.keyof({ x86_64: null, ia32: null }, '"x86_64" | "ia32"');
const VectorCodec = t.keyof({ syscall: null, int80: null, sysenter: null }, '"syscall" | "int80" | "sysenter"');
const VerdictCodec = t.keyof({ allow: null, kill: null }, '"allow" | "kill"');

const sixArgs = new t.Type<readonly bigint[], readonly string[], unknown>(
  'Args',
  (u): u is readonly bigint[] => Array.isArray(u),
  (u, c) => {
    if (!Array.isArray(u) || u.length !== 6) return fail(u, c, 'expected an array of exactly six hex strings');
    const out: bigint[] = [];
    for (let i = 0; i < 6; i++) {
      const v = Hex64.validate(u[i], t.appendContext(c, String(i), Hex64, u[i]));
      if (isLeft(v)) return v;
      out.push(v.right);
    }
    return t.success(out);
  },
  (vs) => vs.map((v) => Hex64.encode(v)),
);

/** A call of a request. */
export const CallCodec = t.type({ vector: VectorCodec, nr: Nr, args: sixArgs }, 'Call');

/** A request line (P1). */
export const RequestCodec = t.type(
  { id: Id, abi: AbiCodec, installs: t.array(PolicyText), calls: t.array(CallCodec) },
  'Request',
);

/** An answer line (P1): results and verdicts, or `unsupported` with a reason. */
export const AnswerCodec = t.union(
  [
    t.type({ id: Id, installs: t.array(InstallResult), calls: t.array(VerdictCodec) }, 'Answered'),
    t.type({ id: Id, unsupported: t.string }, 'Unsupported'),
  ],
  'Answer',
);

/** `calls[0].args[2]` from an io-ts context (a union's branch index is not part of the path). */
const pathOf = (c: t.Context): string =>
  c
    .filter((e, i) => i > 0 && !(c[i - 1]!.type instanceof t.UnionType))
    .map((e) => (/^[0-9]+$/.test(e.key) ? `[${e.key}]` : `.${e.key}`))
    .join('')
    .replace(/^\./, '');

const shown = (u: unknown): string => {
  const s = JSON.stringify(u) ?? String(u);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/** The first io-ts error as one line: where, what was expected, what was there. */
function report(errors: t.Errors): string {
  // A union reports every branch; the deepest path is the most telling.
  const e = [...errors].sort((a, b) => b.context.length - a.context.length)[0]!;
  const where = pathOf(e.context) || 'the line';
  const what = e.message ?? `expected ${e.context[e.context.length - 1]?.type.name ?? 'a value'}`;
  return `${where}: ${what}, got ${e.value === undefined ? 'nothing' : shown(e.value)}`;
}

function decodeLine<A>(codec: t.Decoder<unknown, A>, line: string, kind: string): Either<string, A> {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (e) {
    return left(`${kind} is not JSON (${e instanceof Error ? e.message : String(e)}): ${shown(line)}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return left(`${kind} is not a JSON object: ${shown(line)}`);
  const r = codec.decode(json);
  return isLeft(r) ? left(`${kind}: ${report(r.left)}`) : right(r.right);
}

/** Decode a request line; the error says what and where. */
export const decodeRequest = (line: string): Either<string, Request> => decodeLine(RequestCodec, line, 'request');

/** Decode an answer line; the error says what and where. */
export const decodeAnswer = (line: string): Either<string, Answer> => decodeLine(AnswerCodec, line, 'answer');

/** A request as one protocol line (no newline). */
export const encodeRequest = (r: Request): string =>
  JSON.stringify({ id: r.id, abi: r.abi, installs: r.installs, calls: r.calls.map((c) => CallCodec.encode(c)) });

/** An answer as one protocol line (no newline). */
export const encodeAnswer = (a: Answer | AnswerV2): string => JSON.stringify(a);

/** The id of a line that at least parses as an object with a numeric id, for error answers. */
export function idOf(line: string): number | undefined {
  try {
    const j: unknown = JSON.parse(line);
    const id = typeof j === 'object' && j !== null ? (j as { id?: unknown }).id : undefined;
    return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Protocol version 2 (P9): installs with a dialect, verdicts as actions. */
export const PROTOCOL_VERSION_2 = 2;

/** A version-2 install: a text and the dialect it is written in (`2011`, `rules`, or another adapters may know). */
export interface Install {
  readonly dialect: string;
  readonly text: string;
}

/** A version-2 request: as version 1, installs with their dialect; each call is answered with an action. */
export interface RequestV2 {
  readonly version: 2;
  readonly id: number;
  readonly abi: Abi;
  readonly installs: readonly Install[];
  readonly calls: readonly Call[];
}

/** A version-2 answer: install results, and per call the action's spelling (formatAction); or a refusal. */
export type AnswerV2 =
  | {
      readonly version: 2;
      readonly id: number;
      readonly installs: readonly number[];
      readonly calls: readonly string[];
    }
  | { readonly version: 2; readonly id: number; readonly unsupported: string };

/** A request of either version. */
export type AnyRequest = Request | RequestV2;
/** An answer of either version. */
export type AnyAnswer = Answer | AnswerV2;

/** Whether a request is of version 2. */
export const isV2 = (r: AnyRequest): r is RequestV2 => 'version' in r && r.version === 2;

const DialectName = new t.Type<string, string, unknown>(
  'Dialect',
  (u): u is string => typeof u === 'string',
  (u, c) =>
    typeof u === 'string' && /^[a-z0-9][a-z0-9-]{0,31}$/.test(u)
      ? t.success(u)
      : fail(u, c, 'expected a dialect name such as "2011" or "rules" (lower case, digits, -)'),
  (v) => v,
);

/** P9 an install: a 2011 text as in version 1, or {dialect, text}. A 2011 text is Latin-1 without NUL. */
const InstallCodec = new t.Type<Install, string | { dialect: string; text: string }, unknown>(
  'Install',
  (u): u is Install => typeof u === 'object' && u !== null && 'dialect' in u,
  (u, c) => {
    if (typeof u === 'string') {
      const text = PolicyText.validate(u, c);
      return isLeft(text) ? text : t.success({ dialect: '2011', text: text.right });
    }
    if (typeof u !== 'object' || u === null || Array.isArray(u))
      return fail(u, c, 'expected a 2011 policy text or {"dialect": ..., "text": ...}');
    const o = u as { dialect?: unknown; text?: unknown };
    const d = DialectName.validate(o.dialect, t.appendContext(c, 'dialect', DialectName, o.dialect));
    if (isLeft(d)) return d;
    const text =
      d.right === '2011'
        ? PolicyText.validate(o.text, t.appendContext(c, 'text', PolicyText, o.text))
        : typeof o.text === 'string'
          ? t.success(o.text)
          : fail<string>(o.text, t.appendContext(c, 'text', t.string, o.text), 'expected the install text (a string)');
    return isLeft(text) ? text : t.success({ dialect: d.right, text: text.right });
  },
  (i) => (i.dialect === '2011' ? i.text : { dialect: i.dialect, text: i.text }),
);

/** A version-2 request line (P9). */
export const RequestV2Codec = t.type(
  { version: t.literal(2), id: Id, abi: AbiCodec, installs: t.array(InstallCodec), calls: t.array(CallCodec) },
  'RequestV2',
);

const ActionText = new t.Type<string, string, unknown>(
  'Action',
  (u): u is string => typeof u === 'string',
  (u, c) => {
    if (typeof u !== 'string') return fail(u, c, 'expected an action spelling');
    const a = parseAction(u);
    return isActionError(a) ? fail(u, c, a.message) : t.success(formatAction(a));
  },
  (v) => v,
);

/** A version-2 answer line (P9). */
export const AnswerV2Codec = t.union(
  [
    t.type(
      { version: t.literal(2), id: Id, installs: t.array(InstallResult), calls: t.array(ActionText) },
      'AnsweredV2',
    ),
    t.type({ version: t.literal(2), id: Id, unsupported: t.string }, 'UnsupportedV2'),
  ],
  'AnswerV2',
);

const versionOf = (line: string): unknown => {
  try {
    const j: unknown = JSON.parse(line);
    return typeof j === 'object' && j !== null && 'version' in j ? (j as { version: unknown }).version : undefined;
  } catch {
    return undefined;
  }
};

/** Decode a request line of either version: one with `"version": 2` is a version-2 request (P9). */
export const decodeAnyRequest = (line: string): Either<string, AnyRequest> =>
  versionOf(line) === undefined ? decodeRequest(line) : decodeLine(RequestV2Codec, line, 'request');

/** Decode an answer line of either version. */
export const decodeAnyAnswer = (line: string): Either<string, AnyAnswer> =>
  versionOf(line) === undefined ? decodeAnswer(line) : decodeLine(AnswerV2Codec, line, 'answer');

/** A request of either version as one protocol line. */
export const encodeAnyRequest = (r: AnyRequest): string =>
  isV2(r)
    ? JSON.stringify({
        version: 2,
        id: r.id,
        abi: r.abi,
        installs: r.installs.map((i) => InstallCodec.encode(i)),
        calls: r.calls.map((c) => CallCodec.encode(c)),
      })
    : encodeRequest(r);
