/**
 * JSON-lines traces: one object per line,
 * `{"pid":1,"abi":"x86_64","nr":1 | "name":"write","args":[1,"0x1000",12],"ret":12,"ip":"0x7f.."}`,
 * validated with io-ts; every error names its line and JSON path.
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import type { Abi } from '../x86/table.ts';
import { resolveTraceName, traceName } from './names.ts';
import type { TraceCall } from './types.ts';

const U64_MAX = (1n << 64n) - 1n;
const INT_TEXT = /^(-?)(0x[0-9a-fA-F]{1,16}|[0-9]{1,20})$/;

/** An integer as a JSON number (exact only up to 2^53) or a decimal or 0x-hex string, within [min, max]. */
const integer = (name: string, min: bigint, max: bigint): t.Type<bigint, string, unknown> =>
  new t.Type<bigint, string, unknown>(
    name,
    (u): u is bigint => typeof u === 'bigint' && u >= min && u <= max,
    (u, c) => {
      let v: bigint | undefined;
      if (typeof u === 'number' && Number.isSafeInteger(u)) v = BigInt(u);
      else if (typeof u === 'string') {
        const m = INT_TEXT.exec(u);
        if (m !== null) v = m[1] === '-' ? -BigInt(m[2]!) : BigInt(m[2]!);
      }
      return v !== undefined && v >= min && v <= max ? t.success(v) : t.failure(u, c);
    },
    (v) => v.toString(),
  );

/** An argument: an unsigned 64-bit value (S3.1). */
export const ArgCodec = integer('u64 (a non-negative integer, or a decimal or "0x..." string below 2^64)', 0n, U64_MAX);
/** A result: a signed value as strace prints it (`-1` for errors), up to 64 bits. */
const RetCodec = integer('a 64-bit integer or integer string', -(1n << 63n), U64_MAX);

const PidCodec = t.refinement(t.Int, (n) => n > 0, 'a positive integer pid');
const NrCodec = t.refinement(t.Int, (n) => n >= 0 && n <= 0x7fffffff, 'a system call number in [0, 2^31)');
const ArgsCodec = t.refinement(t.array(ArgCodec), (a) => a.length <= 6, 'at most 6 arguments');

/** One JSON-lines record. */
export const JsonCallCodec = t.intersection([
  t.type({ pid: PidCodec, args: ArgsCodec }),
  t.partial({
    abi: t.keyof({ x86_64: null, ia32: null }, 'x86_64 | ia32'),
    nr: NrCodec,
    name: t.string,
    ret: t.union([RetCodec, t.null]),
    ip: ArgCodec,
  }),
]);

const KEYS = ['pid', 'abi', 'nr', 'name', 'args', 'ret', 'ip'];

/** `.args[2]` from an io-ts context, skipping the member indexes of unions and intersections. */
function pathOf(context: t.Context): string {
  let path = '';
  for (let k = 1; k < context.length; k++) {
    const parent = context[k - 1]!.type;
    if (parent instanceof t.UnionType || parent instanceof t.IntersectionType) continue;
    const key = context[k]!.key;
    // Records have no numeric keys, so a numeric key is an array index.
    path += /^[0-9]+$/.test(key) ? `[${key}]` : `.${key}`;
  }
  return path === '' ? '.' : path;
}

/** The first validation error of a record, with its JSON path and the offending value. */
function describe(errors: t.Errors): { readonly path: string; readonly message: string } {
  const e = errors[0]!;
  const path = pathOf(e.context);
  const last = e.context[e.context.length - 1]!;
  const got = last.actual === undefined ? 'nothing' : JSON.stringify(last.actual);
  return { path, message: `at ${path}: expected ${last.type.name}, got ${got}` };
}

/** Column of `"key"` in the line, for the first key of a path. */
const keyColumn = (source: string, path: string): number => {
  const key = /^\.([a-z]+)/.exec(path)?.[1];
  const at = key === undefined ? -1 : source.indexOf(`"${key}"`);
  return at < 0 ? 0 : at;
};

/** A record's call, or where and why it is not one. */
export type LineResult = TraceCall | { readonly column: number; readonly message: string };

export function parseRecord(source: string, line: number, defaultAbi: Abi): LineResult {
  let json: unknown;
  try {
    json = JSON.parse(source);
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(text);
    return { column: pos === null ? 0 : Number(pos[1]), message: `invalid JSON: ${text}` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return { column: 0, message: 'at .: expected an object' };
  const extra = Object.keys(json).find((k) => !KEYS.includes(k));
  if (extra !== undefined) {
    return {
      column: Math.max(0, source.indexOf(`"${extra}"`)),
      message: `at .${extra}: unknown key (valid: ${KEYS.join(', ')})`,
    };
  }
  const r = JsonCallCodec.decode(json);
  if (isLeft(r)) {
    const d = describe(r.left);
    return { column: keyColumn(source, d.path), message: d.message };
  }
  const rec = r.right;
  const abi = rec.abi ?? defaultAbi;
  if (rec.name === undefined && rec.nr === undefined) return { column: 0, message: 'at .: needs "nr" or "name"' };
  const resolved =
    rec.name === undefined
      ? { nr: rec.nr!, name: traceName(abi, rec.nr!) }
      : resolveTraceName(abi, rec.name, rec.nr ?? null);
  if (typeof resolved === 'string') return { column: keyColumn(source, '.name'), message: `at .name: ${resolved}` };
  return {
    kind: 'call',
    line,
    pid: rec.pid,
    abi,
    nr: resolved.nr,
    name: resolved.name,
    args: rec.args,
    ret: rec.ret ?? null,
    ip: rec.ip ?? null,
  };
}
