/**
 * The two JSON shapes of a seccomp profile, validated with io-ts (O1 of
 * spec/18-oci.md): the OCI runtime-spec `linux.seccomp` object (alone or
 * inside a whole config.json) and Docker's profile file, which adds
 * `archMap` and per-rule `includes`/`excludes`. A wrong field is reported
 * with its JSON path, its line and column, and what was expected.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { parseJson, type Pos } from './json.ts';

/** The comparison operators of a rule's argument (runtime-spec `LinuxSeccompOperator`). */
export const OPS = [
  'SCMP_CMP_NE',
  'SCMP_CMP_LT',
  'SCMP_CMP_LE',
  'SCMP_CMP_EQ',
  'SCMP_CMP_GE',
  'SCMP_CMP_GT',
  'SCMP_CMP_MASKED_EQ',
] as const;
/** One comparison operator. */
export type Op = (typeof OPS)[number];

/** The actions a profile names (runtime-spec `LinuxSeccompAction`). */
export const ACTIONS = [
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_LOG',
  'SCMP_ACT_NOTIFY',
] as const;
/** One action name. */
export type ActionName = (typeof ACTIONS)[number];

/** The architectures libseccomp knows (runtime-spec `Arch`). */
export const ARCHES = [
  'SCMP_ARCH_X86',
  'SCMP_ARCH_X86_64',
  'SCMP_ARCH_X32',
  'SCMP_ARCH_ARM',
  'SCMP_ARCH_AARCH64',
  'SCMP_ARCH_MIPS',
  'SCMP_ARCH_MIPS64',
  'SCMP_ARCH_MIPS64N32',
  'SCMP_ARCH_MIPSEL',
  'SCMP_ARCH_MIPSEL64',
  'SCMP_ARCH_MIPSEL64N32',
  'SCMP_ARCH_PPC',
  'SCMP_ARCH_PPC64',
  'SCMP_ARCH_PPC64LE',
  'SCMP_ARCH_S390',
  'SCMP_ARCH_S390X',
  'SCMP_ARCH_PARISC',
  'SCMP_ARCH_PARISC64',
  'SCMP_ARCH_RISCV64',
  'SCMP_ARCH_LOONGARCH64',
  'SCMP_ARCH_M68K',
  'SCMP_ARCH_SH',
  'SCMP_ARCH_SHEB',
] as const;
/** One architecture name. */
export type ArchName = (typeof ARCHES)[number];

/** The filter flags runc knows (runtime-spec `LinuxSeccompFlag`); none changes a decision. */
export const FLAGS = [
  'SECCOMP_FILTER_FLAG_TSYNC',
  'SECCOMP_FILTER_FLAG_LOG',
  'SECCOMP_FILTER_FLAG_SPEC_ALLOW',
  'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV',
] as const;

const U64_MAX = (1n << 64n) - 1n;

const enumOf = <T extends string>(values: readonly T[]): t.Type<T, T, unknown> =>
  t.keyof(Object.fromEntries(values.map((v) => [v, null])) as Record<T, null>) as unknown as t.Type<T, T, unknown>;

const uintIn = (name: string, max: number): t.Type<number, number, unknown> =>
  new t.Type<number, number, unknown>(
    name,
    (u): u is number => typeof u === 'number' && Number.isInteger(u) && u >= 0 && u <= max,
    (u, c) => (typeof u === 'number' && Number.isInteger(u) && u >= 0 && u <= max ? t.success(u) : t.failure(u, c)),
    (x) => x,
  );

/** An unsigned 64-bit integer, exact (the JSON reader keeps large integers as bigint). */
const U64 = new t.Type<bigint, bigint, unknown>(
  'an integer from 0 to 18446744073709551615',
  (u): u is bigint => typeof u === 'bigint',
  (u, c) =>
    typeof u === 'number' && Number.isInteger(u) && u >= 0
      ? t.success(BigInt(u))
      : typeof u === 'bigint' && u >= 0n && u <= U64_MAX
        ? t.success(u)
        : t.failure(u, c),
  (x) => x,
);

/** Docker's `minKernel`: "X.Y", each a number 0..255, not 0.0 (Docker's KernelVersion). */
const KernelVersion = new t.Type<readonly [number, number] | null, string, unknown>(
  'a kernel version "X.Y" (e.g. "4.8")',
  (u): u is readonly [number, number] => Array.isArray(u),
  (u, c) => {
    if (u === '' || u === null) return t.success(null);
    if (typeof u !== 'string') return t.failure(u, c);
    const m = /^(\d+)\.(\d+)$/.exec(u);
    if (m === null) return t.failure(u, c);
    const v = [Number(m[1]), Number(m[2])] as const;
    return v[0] > 255 || v[1] > 255 || (v[0] === 0 && v[1] === 0) ? t.failure(u, c) : t.success(v);
  },
  (v) => (v === null ? '' : `${v[0]}.${v[1]}`),
);

const nullable = <A, O>(c: t.Type<A, O, unknown>) => t.union([c, t.null]);

const Arg = t.intersection([
  t.type({ index: uintIn('an argument index from 0 to 5', 5), value: U64, op: enumOf(OPS) }),
  t.partial({ valueTwo: U64 }),
]);

const Filter = t.partial({
  caps: nullable(t.array(t.string)),
  arches: nullable(t.array(t.string)),
  minKernel: KernelVersion,
});

/** errnoRet: runc passes it to libseccomp as a 16-bit return code; the kernel caps errno at 4095. */
const ErrnoRet = uintIn('an errno number from 0 to 4095', 4095);

const Syscall = t.intersection([
  t.type({ action: enumOf(ACTIONS) }),
  t.partial({
    names: nullable(t.array(t.string)),
    name: t.string,
    errnoRet: nullable(ErrnoRet),
    args: nullable(t.array(Arg)),
    comment: t.string,
    includes: nullable(Filter),
    excludes: nullable(Filter),
  }),
]);

const ArchMapEntry = t.intersection([
  t.type({ architecture: enumOf(ARCHES) }),
  t.partial({ subArchitectures: nullable(t.array(enumOf(ARCHES))) }),
]);

const Profile = t.intersection([
  t.type({ defaultAction: enumOf(ACTIONS) }),
  t.partial({
    defaultErrnoRet: nullable(ErrnoRet),
    architectures: nullable(t.array(enumOf(ARCHES))),
    archMap: nullable(t.array(ArchMapEntry)),
    flags: nullable(t.array(enumOf(FLAGS))),
    listenerPath: t.string,
    listenerMetadata: t.string,
    syscalls: nullable(t.array(Syscall)),
  }),
]);

/** One argument comparison of a rule. */
export interface ProfileArg {
  readonly index: number;
  readonly value: bigint;
  readonly valueTwo: bigint;
  readonly op: Op;
}

/** Docker's condition on a rule: capabilities, architectures (Go names: amd64, x32, x86...) and kernel. */
export interface DockerFilter {
  readonly caps: readonly string[];
  readonly arches: readonly string[];
  readonly minKernel?: readonly [number, number];
}

/** One entry of `syscalls`: names, action, errnoRet, args, and Docker's conditions. */
export interface ProfileRule {
  readonly names: readonly string[];
  readonly action: ActionName;
  readonly errnoRet?: number;
  readonly args: readonly ProfileArg[];
  readonly comment?: string;
  readonly includes: DockerFilter;
  readonly excludes: DockerFilter;
}

/** A profile, in either shape. */
export interface Profile {
  /** `docker`: a profile file (Docker's conditions apply); `config`: config.json's linux.seccomp (runc ignores them). */
  readonly shape: 'docker' | 'config';
  /** The JSON path of the profile object in the text (`$` or `$.linux.seccomp`). */
  readonly at: string;
  readonly defaultAction: ActionName;
  readonly defaultErrnoRet?: number;
  readonly architectures: readonly ArchName[];
  readonly archMap: readonly { readonly architecture: ArchName; readonly subArchitectures: readonly ArchName[] }[];
  readonly flags: readonly string[];
  readonly listenerPath?: string;
  readonly syscalls: readonly ProfileRule[];
}

/** A problem in a profile's text: where (JSON path, and line/column when known) and what. */
export interface OciError {
  readonly path: string;
  readonly pos?: Pos;
  readonly message: string;
}

/** A profile read from a text, with warnings about fields runc and Docker ignore. */
export interface ReadProfile {
  readonly profile: Profile;
  readonly warnings: readonly OciError[];
}

const KNOWN: Readonly<Record<string, readonly string[]>> = {
  profile: [
    'defaultAction',
    'defaultErrnoRet',
    'architectures',
    'archMap',
    'flags',
    'listenerPath',
    'listenerMetadata',
    'syscalls',
    // Podman's profile spells errnos by name too; runc reads only the numbers.
    'defaultErrno',
  ],
  syscall: ['names', 'name', 'action', 'errnoRet', 'errno', 'args', 'comment', 'includes', 'excludes'],
  arg: ['index', 'value', 'valueTwo', 'op'],
  filter: ['caps', 'arches', 'minKernel'],
  archMap: ['architecture', 'subArchitectures'],
};

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);

function unknownFields(u: unknown, path: string, kind: string, out: OciError[]): void {
  if (!isObject(u)) return;
  for (const k of Object.keys(u))
    if (!(KNOWN[kind] ?? []).includes(k))
      out.push({ path: `${path}.${k}`, message: `unknown field '${k}' (ignored, as runc and Docker ignore it)` });
  const each = (key: string, sub: string): void => {
    const v = u[key];
    if (Array.isArray(v)) v.forEach((x, i) => unknownFields(x, `${path}.${key}[${i}]`, sub, out));
  };
  if (kind === 'profile') {
    each('syscalls', 'syscall');
    each('archMap', 'archMap');
  } else if (kind === 'syscall') {
    each('args', 'arg');
    unknownFields(u['includes'], `${path}.includes`, 'filter', out);
    unknownFields(u['excludes'], `${path}.excludes`, 'filter', out);
  }
}

/** A value as a short text for a message (integers past 2^53 included). */
const shown = (u: unknown): string => {
  const s = JSON.stringify(u, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)) ?? String(u);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/** The JSON path and expectation of an io-ts failure. */
function describe(e: t.ValidationError, at: string): OciError {
  let path = at;
  for (let j = 1; j < e.context.length; j++) {
    const parent = e.context[j - 1]!.type;
    const key = e.context[j]!.key;
    if (parent instanceof t.ArrayType) path += `[${key}]`;
    else if (parent instanceof t.InterfaceType || parent instanceof t.PartialType) path += `.${key}`;
  }
  const last = e.context[e.context.length - 1]!;
  const missing = last.actual === undefined;
  const expected = last.type.name;
  return {
    path,
    message: missing ? `missing field: expected ${expected}` : `${shown(last.actual)} is not ${expected}`,
  };
}

const emptyFilter: DockerFilter = { caps: [], arches: [] };

/**
 * O1 read a profile from `text`: JSON, then either shape (an object with
 * `ociVersion`, `process` or `linux` is a config.json, whose
 * `linux.seccomp` is read; any other object is a profile file), validated.
 * Every error names its JSON path, line and column, and what is valid.
 */
export function readProfile(text: string): E.Either<readonly OciError[], ReadProfile> {
  const doc = parseJson(text);
  if (E.isLeft(doc)) return E.left([{ path: '$', pos: doc.left.pos, message: `invalid JSON: ${doc.left.message}` }]);
  const root = doc.right.value;
  const located = (errs: readonly OciError[]): readonly OciError[] =>
    errs.map((e) => {
      // The nearest enclosing value with a position: the field itself, or its object when it is missing.
      for (let p = e.path; p.length > 0; p = p.replace(/(\.[^.[]+|\[[^\]]*\])$/, '')) {
        const pos = doc.right.positions.get(p);
        if (pos !== undefined) return { ...e, pos };
        if (!/(\.[^.[]+|\[[^\]]*\])$/.test(p)) break;
      }
      return e;
    });
  if (!isObject(root))
    return E.left(located([{ path: '$', message: 'expected a JSON object: a seccomp profile or an OCI config.json' }]));
  let at = '$';
  let shape: Profile['shape'] = 'docker';
  let obj: unknown = root;
  if ('ociVersion' in root || 'process' in root || 'linux' in root) {
    shape = 'config';
    const linux = root['linux'];
    obj = isObject(linux) ? linux['seccomp'] : undefined;
    at = '$.linux.seccomp';
    if (!isObject(obj))
      return E.left(
        located([
          { path: at, message: 'this config.json has no linux.seccomp object: expected a seccomp profile there' },
        ]),
      );
  }
  const decoded = Profile.decode(obj);
  if (E.isLeft(decoded)) {
    const seen = new Set<string>();
    const all = decoded.left.map((e) => describe(e, at));
    // A nullable field reports its null branch too: keep the error of the deepest path only.
    const errs = all
      .filter((e) => !all.some((o) => o.path.length > e.path.length && o.path.startsWith(e.path)))
      .filter((e) => !seen.has(e.path + e.message) && seen.add(e.path + e.message) !== undefined);
    return E.left(located(errs));
  }
  const p = decoded.right;
  const errors: OciError[] = [];
  const warnings: OciError[] = [];
  unknownFields(obj, at, 'profile', warnings);
  if ((p.architectures ?? []).length > 0 && (p.archMap ?? []).length > 0)
    errors.push({
      path: `${at}.archMap`,
      message: "both 'architectures' and 'archMap' are set: Docker takes one or the other",
    });
  const syscalls: ProfileRule[] = (p.syscalls ?? []).map((s, i) => {
    const path = `${at}.syscalls[${i}]`;
    if (s.name !== undefined && (s.names ?? []).length > 0)
      errors.push({ path: `${path}.name`, message: "both 'name' and 'names' are set: Docker takes one or the other" });
    const names = s.name !== undefined && s.name !== '' ? [s.name] : (s.names ?? []);
    names.forEach((n, j) => {
      if (n === '') errors.push({ path: `${path}.names[${j}]`, message: 'an empty system call name: runc refuses it' });
    });
    if (shape === 'config')
      for (const k of ['includes', 'excludes'] as const)
        if (s[k] !== undefined && s[k] !== null)
          warnings.push({
            path: `${path}.${k}`,
            message: `'${k}' is Docker's: runc ignores it in a config.json, so the rule always applies`,
          });
    const filter = (f: t.TypeOf<typeof Filter> | null | undefined): DockerFilter =>
      f === null || f === undefined
        ? emptyFilter
        : {
            caps: f.caps ?? [],
            arches: f.arches ?? [],
            ...(f.minKernel !== null && f.minKernel !== undefined ? { minKernel: f.minKernel } : {}),
          };
    const errnoRet = s.errnoRet ?? undefined;
    return {
      names,
      action: s.action,
      ...(errnoRet !== undefined ? { errnoRet } : {}),
      args: (s.args ?? []).map((a) => ({ index: a.index, value: a.value, valueTwo: a.valueTwo ?? 0n, op: a.op })),
      ...(s.comment !== undefined ? { comment: s.comment } : {}),
      includes: shape === 'config' ? emptyFilter : filter(s.includes),
      excludes: shape === 'config' ? emptyFilter : filter(s.excludes),
    };
  });
  if (shape === 'config' && (p.archMap ?? []).length > 0)
    warnings.push({ path: `${at}.archMap`, message: "'archMap' is Docker's: runc ignores it in a config.json" });
  if (errors.length > 0) return E.left(located(errors));
  const defaultErrnoRet = p.defaultErrnoRet ?? undefined;
  return E.right({
    profile: {
      shape,
      at,
      defaultAction: p.defaultAction,
      ...(defaultErrnoRet !== undefined ? { defaultErrnoRet } : {}),
      architectures: p.architectures ?? [],
      archMap:
        shape === 'config'
          ? []
          : (p.archMap ?? []).map((a) => ({
              architecture: a.architecture,
              subArchitectures: a.subArchitectures ?? [],
            })),
      flags: p.flags ?? [],
      ...(p.listenerPath !== undefined ? { listenerPath: p.listenerPath } : {}),
      syscalls,
    },
    warnings: located(warnings),
  });
}

/** `file:line:col: message` (or `file: message` at `path` when there is no position), with the line and a caret. */
export function formatOciError(e: OciError, file: string, text: string): string {
  if (e.pos === undefined) return `${file}: ${e.path}: ${e.message}`;
  const src = text.split('\n')[e.pos.line - 1] ?? '';
  // Keep the source's tabs in the caret's indentation so the caret stays under its column.
  const lead = src.slice(0, Math.max(0, e.pos.col - 1)).replace(/[^\t]/g, ' ');
  return `${file}:${e.pos.line}:${e.pos.col}: ${e.path}: ${e.message}\n${src}\n${lead}^`;
}
