/**
 * Policy dialects on the command line (spec/17-minijail.md, M11): the
 * `--dialect` flag, what may be detected from a text, and one function
 * that reads a policy of any dialect into the decision form.
 */
import { isRight } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { ALLOW } from '../action/index.ts';
import { caret, parsePolicy, printFilter, type PolicyOptions } from '../grammar/index.ts';
import {
  dirname,
  joinPath,
  parseMinijail,
  type MinijailError,
  type MinijailOptions,
  type MinijailPolicy,
  type MinijailWarning,
} from '../minijail/index.ts';
import { DOCKER_DEFAULT_CAPS, capName, formatOciError, kernelVersion, readOci, type OciPolicy } from '../oci/index.ts';
import { condOfFilter, type Cond, type Rule, type RuleSet } from '../ruleset/index.ts';
import { syscallTable, type Abi } from '../x86/table.ts';
import { loadUapi } from '../x86/uapi.ts';
import { decodeFlag, type Parsed } from './args.ts';
import { EXIT, type Io } from './io.ts';

/** The policy languages the CLI reads. */
export type Dialect = '2011' | 'minijail' | 'oci';

/** The dialects as an io-ts codec, for `--dialect`. */
export const DialectCodec = t.keyof({ '2011': null, minijail: null, oci: null }, '2011 | minijail | oci');

/** The --dialect flag: the dialect, undefined when absent, or the exit code after a usage error. */
export function dialectFlag(args: Parsed, io: Io): Dialect | undefined | number {
  const raw = args.flags['dialect'];
  if (raw === undefined) return undefined;
  const d = decodeFlag(DialectCodec, 'dialect', raw);
  if (isRight(d)) return d.right;
  io.err(`${d.left}\n`);
  return EXIT.USAGE;
}

/**
 * M11 what a text shows of its dialect: a JSON object is an OCI profile;
 * anything else is read as the default, 2011, unless the flag says
 * otherwise (a minijail policy is never guessed: its `1` and `argN` lines
 * are valid 2011 lines with another meaning for repeated names).
 */
export const detectDialect = (text: string): Dialect => (/^\s*\{/.test(text) && isJsonObject(text) ? 'oci' : '2011');

function isJsonObject(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

const MINIJAIL_SIGNS: readonly (readonly [RegExp, string])[] = [
  [/^\s*@(?:include|frequency|default|denylist)\b/m, 'an @ directive'],
  [/\barg[0-5]\s+in\b/, "'in'"],
  [/(?:^|[:;,{])\s*return\b/m, "'return'"],
  [/^\s*\{[^}]*\}\s*:/m, 'a {a, b}: group'],
  [/:\s*(?:allow|kill-process|kill-thread|user-notify|trap|trace|log)\s*$/m, 'a minijail action'],
  [/\barg[0-5]\s*(?:==|!=|<=|>=|<|>|&)\s*[^;\n]*\|\s*[A-Z0-9(~]/, "a '|' of values"],
];

/**
 * M11 why a text that failed as 2011 looks like a minijail policy (the
 * first sign found), or undefined: the CLI then names `--dialect minijail`.
 */
export function minijailSign(text: string): string | undefined {
  return MINIJAIL_SIGNS.find(([re]) => re.test(text))?.[1];
}

/** The hint a 2011 error gets on a text that looks like a minijail policy. */
export function minijailHint(text: string): string | undefined {
  const sign = minijailSign(text);
  return sign === undefined
    ? undefined
    : `this looks like a minijail policy (${sign}); read it with --dialect minijail`;
}

/** A policy of any dialect, read into the decision form. */
export interface ReadPolicy {
  readonly dialect: Dialect;
  readonly abi: Abi;
  readonly ruleSet: RuleSet;
  /** The minijail policy, for its frequencies and warnings (minijail only). */
  readonly minijail?: MinijailPolicy;
  /** The OCI profile as read, with the rules Docker removed (oci only). */
  readonly oci?: OciPolicy;
}

/** What an OCI profile's Docker conditions are resolved against (spec/18-oci.md, O2). */
export interface OciReadOptions {
  /** The container's capabilities; Docker's defaults when absent. */
  readonly caps?: readonly string[];
  /** The kernel version; the running kernel's when absent. */
  readonly kernel?: readonly [number, number];
}

/** The kernel a profile's minKernel conditions are checked against when --kernel is absent: the running one, else the tables' (6.17). */
export function runningKernel(io: Io): readonly [number, number] {
  const release = io.readFile('/proc/sys/kernel/osrelease');
  return (typeof release === 'string' ? kernelVersion(release) : undefined) ?? [6, 17];
}

/** O2 the --caps and --kernel flags: options, or the exit code after a usage error. */
export function ociFlags(args: Parsed, io: Io): OciReadOptions | number {
  const caps = args.flags['caps'];
  const kernel = args.flags['kernel'];
  let k: readonly [number, number] | undefined;
  if (typeof kernel === 'string') {
    k = /^\d+\.\d+$/.test(kernel) ? kernelVersion(kernel) : undefined;
    if (k === undefined) {
      io.err(`--kernel takes a version X.Y (e.g. 6.1), not '${kernel}'\n`);
      return EXIT.USAGE;
    }
  }
  return {
    ...(typeof caps === 'string'
      ? {
          caps: caps
            .split(',')
            .filter((c) => c.trim() !== '')
            .map(capName),
        }
      : {}),
    ...(k !== undefined ? { kernel: k } : {}),
  };
}

/** How a policy file is read. */
export interface ReadOptions {
  readonly dialect: Dialect;
  readonly abi: Abi;
  /** 2011 options (strict mode). */
  readonly policy?: PolicyOptions;
  /** minijail options (what `kill` means). */
  readonly minijail?: Pick<MinijailOptions, 'kill' | 'denylist'>;
  /** OCI options (Docker's conditions). */
  readonly oci?: OciReadOptions;
}

/** `file:line:col: message`, the include chain, and a caret, for a minijail error. */
export function renderMinijailError(e: MinijailError): string {
  const chain = e.chain.map((s) => `  included from ${s.file}:${s.line}\n`).join('');
  const near = e.suggestions !== undefined ? `; did you mean ${e.suggestions.map((s) => `'${s}'`).join(', ')}?` : '';
  return `${e.file}:${e.line}:${e.column + 1}: ${e.message}${near}\n${chain}${caret(e.source, e.column)}\n`;
}

/** A minijail warning as the CLI prints it. */
export const renderMinijailWarning = (w: MinijailWarning): string =>
  `${w.file}${w.line > 0 ? `:${w.line}` : ''}: warning: ${w.message}\n`;

/** M11 the decision form of a 2011 text: repeated names merge with && (S5.4), allow where the merge holds. */
export function ruleSetOf2011Text(text: string, abi: Abi, file: string, opts: PolicyOptions = {}): RuleSet | string {
  const r = parsePolicy(text, abi, opts);
  if (!r.ok) {
    const hint = minijailHint(text);
    return (
      r.errors
        .map(
          (e) =>
            `${file}:${e.line}:${e.column + 1}: ${e.message}${e.detail ? `; ${e.detail}` : ''}\n${caret(e.source, e.column)}\n`,
        )
        .join('') + (hint !== undefined ? `${file}: ${hint}\n` : '')
    );
  }
  const table = syscallTable(abi);
  const byNr = new Map<number, { conds: Cond[]; lines: number[]; texts: string[] }>();
  for (const e of r.policy.entries) {
    const entry = byNr.get(e.nr) ?? { conds: [], lines: [], texts: [] };
    entry.conds.push(condOfFilter(e.filter, e.nr));
    entry.lines.push(e.line);
    entry.texts.push(printFilter(e.filter, table.byNr(e.nr)?.args));
    byNr.set(e.nr, entry);
  }
  const calls = new Map<number, readonly Rule[]>();
  for (const [nr, e] of byNr) {
    const when: Cond = e.conds.length === 1 ? e.conds[0]! : { kind: 'and', of: e.conds };
    const name = table.byNr(nr)?.sysName ?? String(nr);
    calls.set(nr, [
      { when, action: ALLOW, origin: { file, line: e.lines[0]!, text: `${name}: ${e.texts.join(' && ')}` } },
    ]);
  }
  return { arches: { [abi]: { calls, otherwise: { kind: 'kill' } } }, otherArch: { kind: 'kill' } };
}

/**
 * M11 read the policy in `file` (text `text`) in `opts.dialect` for
 * `opts.abi` into the decision form; prints errors (and minijail's
 * warnings) and gives the exit code when it cannot.
 */
export async function readPolicy(file: string, text: string, opts: ReadOptions, io: Io): Promise<ReadPolicy | number> {
  switch (opts.dialect) {
    case '2011': {
      const rs = ruleSetOf2011Text(text, opts.abi, file, opts.policy);
      if (typeof rs === 'string') {
        io.err(rs);
        return EXIT.FAIL;
      }
      return { dialect: '2011', abi: opts.abi, ruleSet: rs };
    }
    case 'minijail': {
      const uapi = await loadUapi(opts.abi);
      const r = parseMinijail(text, uapi, {
        abi: opts.abi,
        file,
        readFile: (p) => (p === file ? text : io.readFile(p)),
        ...opts.minijail,
      });
      if (!r.ok) {
        for (const e of r.errors) io.err(renderMinijailError(e));
        return EXIT.FAIL;
      }
      for (const w of r.policy.warnings) io.err(renderMinijailWarning(w));
      return { dialect: 'minijail', abi: opts.abi, ruleSet: r.policy.ruleSet, minijail: r.policy };
    }
    case 'oci': {
      const docker = {
        arch: 'amd64',
        caps: opts.oci?.caps ?? DOCKER_DEFAULT_CAPS,
        kernel: opts.oci?.kernel ?? runningKernel(io),
      };
      const r = readOci(text, { docker });
      if (r._tag === 'Left') {
        for (const e of r.left) io.err(`${formatOciError(e, file, text)}\n`);
        return EXIT.FAIL;
      }
      for (const w of r.right.warnings) io.err(`${file}: warning: ${w.path}: ${w.message}\n`);
      for (const w of r.right.weakened) io.err(`${file}: warning: ${w.rule.text}: ${w.message}\n`);
      return { dialect: 'oci', abi: opts.abi, ruleSet: r.right.ruleSet, oci: r.right };
    }
  }
}

/**
 * B15 a frequency file in minijail's format (`name: count` lines, M4) for
 * `abi`: the counts by call number, or the exit code after printing what
 * is wrong (file:line:col, caret). It is read as minijail's `@frequency`
 * reads it, so the two never differ.
 */
export async function readFrequencies(file: string, abi: Abi, io: Io): Promise<ReadonlyMap<number, number> | number> {
  const text = io.readFile(file);
  if (text instanceof Error) {
    io.err(`${file}: cannot read: ${text.message}\n`);
    return EXIT.USAGE;
  }
  const at = joinPath(dirname(file), '(frequency)');
  const name = file.slice(file.lastIndexOf('/') + 1);
  const r = parseMinijail(`@frequency ${name}\n`, await loadUapi(abi), {
    abi,
    file: at,
    readFile: (p) => (p === joinPath(dirname(file), name) ? text : io.readFile(p)),
  });
  if (!r.ok) {
    for (const e of r.errors) io.err(renderMinijailError({ ...e, chain: [] }));
    return EXIT.FAIL;
  }
  return r.policy.frequencies;
}
