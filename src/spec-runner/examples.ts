/**
 * The executable examples of spec/: extraction from markdown and parsing of
 * the ```seccomp-example block format into commands. The format, line by
 * line (`#` starts a comment outside strings):
 *
 *   spawn ABI [COMM]            new task, now current (first task: implicit `spawn x86_64 test`)
 *   use PID                     make PID the current task
 *   config default=N            result of calls the simulation does not implement (S6.5)
 *   policy [VECTOR] [-> EXPECT] then indented lines: PR_SET_SECCOMP 2 with that text (expects 0)
 *   call [VECTOR] NAME|NR ARG... -> EXPECT   ARG: value (a0, a1, ...), argname=value, reg=value
 *   prctl [VECTOR] ARG... -> EXPECT          call prctl with positional arguments
 *   write ADDR "bytes"          map bytes (JSON string, no NUL added) in the current task
 *   fill ADDR LEN BYTE          map LEN copies of BYTE
 *   read ADDR -> "bytes"        the mapped bytes at ADDR equal these
 *   show FIELD -> VALUE         comm, pid, tgid, mode, abi, pending, rax, orig_rax, filters of the current task
 *   proc [PID]                  then indented lines: /proc/PID/seccomp_filter is exactly that text (none: no such file)
 *   log                         then indented lines: the kernel log is exactly those lines
 *   rules [ARCH] [-> EXPECT]    then indented lines: install a rule set (A5); lines `NAME -> ACTION`,
 *                               `NAME: FILTER -> ACTION` (a 2011 filter, R5), `default ACTION`,
 *                               `other-arch ACTION`; ARCH x86_64 (default), ia32 or x32; EXPECT 0 or -EINVAL
 *
 * Values are decimal, 0x-hex or negative (two's complement); "strings" as
 * call arguments are written with a NUL to fresh memory and passed as a
 * pointer. EXPECT is a value or -ENAME (returned rax), `killed` (any log),
 * `killed silently` (no log line), `killed "LOG"`, `exited N`, `no_task`,
 * or `sigsys ACTION ["LOG"]`: killed by SIGSYS from trap:N, kill-thread or
 * kill-process (A10, A11), with that log line (none for a trap).
 */
import { isActionError, parseAction, type Action } from '../action/index.ts';
import { parseFilter } from '../grammar/index.ts';
import { condOfFilter, X32_BIT, type Rule, type RuleArch, type RuleSet } from '../ruleset/index.ts';
import { syscallTable, type Abi } from '../x86/table.ts';
import { ERRNO } from '../x86/errno.ts';
import { VECTORS, type Vector } from '../x86/vectors.ts';

/** What a call or policy must do. */
export type Expect =
  | { readonly kind: 'return'; readonly rax: bigint }
  | { readonly kind: 'killed'; readonly log: string | null | 'any' }
  | { readonly kind: 'sigsys'; readonly action: Action; readonly log: string | null }
  | { readonly kind: 'exited'; readonly code: number }
  | { readonly kind: 'no_task' };

/** A call argument: positional, by argument name, or by register. */
export interface CallArg {
  readonly key: string | null;
  readonly value: bigint | string;
}

/** One command of an example, with its line in the markdown file. */
export type Command = { readonly line: number } & (
  | { readonly kind: 'spawn'; readonly abi: Abi; readonly comm: string }
  | { readonly kind: 'use'; readonly pid: number }
  | { readonly kind: 'config'; readonly defaultResult: bigint }
  | { readonly kind: 'policy'; readonly vector: Vector; readonly text: string; readonly expect: Expect }
  | {
      readonly kind: 'call';
      readonly vector: Vector;
      readonly name: string;
      readonly args: readonly CallArg[];
      readonly expect: Expect;
    }
  | { readonly kind: 'write'; readonly addr: bigint; readonly bytes: readonly number[] }
  | { readonly kind: 'read'; readonly addr: bigint; readonly bytes: readonly number[] }
  | { readonly kind: 'show'; readonly field: string; readonly value: string }
  | { readonly kind: 'proc'; readonly pid: number | null; readonly text: string }
  | { readonly kind: 'log'; readonly lines: readonly string[] }
  | { readonly kind: 'rules'; readonly rules: RuleSet; readonly errno: number }
);

/** One fenced example: where it is, and its commands or the reason it does not parse. */
export interface Example {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly parsed:
    { readonly ok: true; readonly commands: readonly Command[] } | { readonly ok: false; readonly error: string };
}

/** The info string that marks an example block. */
export const EXAMPLE_TAG = 'seccomp-example';

/** Split a command line into words; "..." is one JSON string token; `#` outside strings ends the line. */
function tokenize(text: string): readonly string[] {
  const tokens: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|[^\s"]+)/gy;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const tok = m[1]!;
    if (tok.startsWith('#')) break;
    tokens.push(tok);
  }
  return tokens;
}

const stringBytes = (s: string): readonly number[] => [...s].map((c) => c.charCodeAt(0) & 0xff);

const parseString = (tok: string): string => {
  const v: unknown = JSON.parse(tok);
  if (typeof v !== 'string') throw new SyntaxError(`not a string: ${tok}`);
  return v;
};

const ERRNO_NAMES: Readonly<Record<string, number>> = ERRNO;

/** An integer token: decimal, 0x-hex, negative, or -ENAME. */
function parseValue(tok: string): bigint {
  const errno = /^-(E[A-Z0-9]+)$/.exec(tok);
  if (errno !== null) {
    const n = ERRNO_NAMES[errno[1]!];
    if (n === undefined) throw new SyntaxError(`unknown errno ${tok}`);
    return -BigInt(n);
  }
  if (!/^-?(?:0x[0-9a-fA-F]+|[0-9]+)$/.test(tok)) throw new SyntaxError(`not a number: ${tok}`);
  return tok.startsWith('-') ? -BigInt(tok.slice(1)) : BigInt(tok);
}

function parseExpect(toks: readonly string[]): Expect {
  const [head, arg] = toks;
  if (head === 'killed') {
    if (arg === undefined) return { kind: 'killed', log: 'any' };
    return { kind: 'killed', log: arg === 'silently' ? null : parseString(arg) };
  }
  if (head === 'sigsys') {
    const action = parseAction(arg ?? '');
    if (isActionError(action) || !['trap', 'kill-thread', 'kill-process'].includes(action.kind))
      throw new SyntaxError(`sigsys takes trap:N, kill-thread or kill-process, got '${String(arg)}'`);
    return { kind: 'sigsys', action, log: toks[2] === undefined ? null : parseString(toks[2]) };
  }
  if (head === 'exited') return { kind: 'exited', code: Number(parseValue(arg ?? '')) };
  if (head === 'no_task') return { kind: 'no_task' };
  if (head === undefined || toks.length > 1) throw new SyntaxError(`bad expectation: ${toks.join(' ')}`);
  return { kind: 'return', rax: BigInt.asUintN(64, parseValue(head)) };
}

/** Words before `->`, and the expectation after it (required unless `fallback` is given). */
function splitExpect(toks: readonly string[], fallback?: Expect): readonly [readonly string[], Expect] {
  const at = toks.indexOf('->');
  if (at < 0) {
    if (fallback === undefined) throw new SyntaxError("missing '-> EXPECT'");
    return [toks, fallback];
  }
  return [toks.slice(0, at), parseExpect(toks.slice(at + 1))];
}

const takeVector = (toks: readonly string[]): readonly [Vector, readonly string[]] =>
  (VECTORS as readonly string[]).includes(toks[0] ?? '') ? [toks[0] as Vector, toks.slice(1)] : ['syscall', toks];

function parseArg(tok: string): CallArg {
  const eq = tok.indexOf('=');
  const [key, raw] = eq > 0 && !tok.startsWith('"') ? [tok.slice(0, eq), tok.slice(eq + 1)] : [null, tok];
  return { key, value: raw.startsWith('"') ? parseString(raw) : parseValue(raw) };
}

function afterArrow(toks: readonly string[]): string {
  if (toks[0] !== '->' || toks.length !== 2) throw new SyntaxError(`expected '-> VALUE', got '${toks.join(' ')}'`);
  const v = toks[1]!;
  return v.startsWith('"') ? parseString(v) : v;
}

/** One command line with its indented block (possibly empty). */
function parseCommand(words: readonly string[], block: readonly string[], line: number): Command {
  // `policy:`, `policy int80 -> -EACCES:`, `proc:` read well before a block.
  const blockVerb = ['policy', 'policy:', 'proc', 'proc:', 'log', 'log:', 'rules', 'rules:'].includes(words[0] ?? '');
  const [verb, ...rest] = blockVerb
    ? words.map((w, i) => (i === words.length - 1 ? w.replace(/:$/, '') : w)).filter((w) => w !== '')
    : words;
  switch (verb) {
    case 'spawn': {
      const abi = rest[0];
      if (abi !== 'x86_64' && abi !== 'ia32') throw new SyntaxError(`spawn needs an ABI, got '${String(abi)}'`);
      return { line, kind: 'spawn', abi, comm: rest[1] ?? 'test' };
    }
    case 'use':
      return { line, kind: 'use', pid: Number(parseValue(rest[0] ?? '')) };
    case 'config':
      if (!rest[0]?.startsWith('default=')) throw new SyntaxError('config takes default=N');
      return { line, kind: 'config', defaultResult: parseValue(rest[0].slice('default='.length)) };
    case 'policy': {
      const [words, expect] = splitExpect(rest, { kind: 'return', rax: 0n });
      const [vector] = takeVector(words);
      return { line, kind: 'policy', vector, text: block.join('\n'), expect };
    }
    case 'call':
    case 'prctl': {
      const [words, expect] = splitExpect(rest);
      const [vector, tail] = takeVector(words);
      const [name, args] = verb === 'prctl' ? ['prctl', tail] : [tail[0], tail.slice(1)];
      if (name === undefined) throw new SyntaxError('call needs a system call name or number');
      return { line, kind: 'call', vector, name, args: args.map(parseArg), expect };
    }
    case 'write':
    case 'read': {
      const addr = parseValue(rest[0] ?? '');
      const text = verb === 'write' ? parseString(rest[1] ?? '') : afterArrow(rest.slice(1));
      return { line, kind: verb, addr, bytes: stringBytes(text) };
    }
    case 'fill': {
      const [addr, len, byte] = rest.map(parseValue);
      if (addr === undefined || len === undefined || byte === undefined) throw new SyntaxError('fill ADDR LEN BYTE');
      return { line, kind: 'write', addr, bytes: new Array<number>(Number(len)).fill(Number(byte)) };
    }
    case 'show':
      return { line, kind: 'show', field: rest[0] ?? '', value: afterArrow(rest.slice(1)) };
    case 'proc':
      return {
        line,
        kind: 'proc',
        pid: rest[0] === undefined ? null : Number(parseValue(rest[0])),
        text: block.map((l) => `${l}\n`).join(''),
      };
    case 'log':
      return { line, kind: 'log', lines: block };
    case 'rules': {
      const [words, expect] = splitExpect(rest, { kind: 'return', rax: 0n });
      const arch = words[0] ?? 'x86_64';
      if (arch !== 'x86_64' && arch !== 'ia32' && arch !== 'x32')
        throw new SyntaxError(`rules takes x86_64, ia32 or x32, got '${arch}'`);
      if (expect.kind !== 'return') throw new SyntaxError('rules expects 0 or -ERRNO');
      return { line, kind: 'rules', rules: ruleSetOfBlock(block, arch), errno: Number(-BigInt.asIntN(64, expect.rax)) };
    }
    default:
      throw new SyntaxError(`unknown command '${String(verb)}'`);
  }
}

function actionOf(text: string): Action {
  const a = parseAction(text.trim());
  if (isActionError(a)) throw new SyntaxError(a.message);
  return a;
}

/**
 * The rule set of a `rules` block for `arch`: `NAME -> ACTION` (always),
 * `NAME: FILTER -> ACTION` (a 2011 filter as the condition, R5), `default
 * ACTION` (the arch's otherwise; kill-process when absent) and
 * `other-arch ACTION` (otherArch; the default when absent). Names are
 * resolved in the arch's table (x32: the x86_64 name with the x32 bit).
 */
function ruleSetOfBlock(block: readonly string[], arch: RuleArch): RuleSet {
  const abi: Abi = arch === 'ia32' ? 'ia32' : 'x86_64';
  const table = syscallTable(abi);
  const calls = new Map<number, Rule[]>();
  let otherwise: Action | undefined;
  let otherArch: Action | undefined;
  for (const raw of block) {
    const text = raw.replace(/#.*$/, '').trim();
    if (text === '') continue;
    const dflt = /^(default|other-arch)\s+(\S+)$/.exec(text);
    if (dflt !== null) {
      if (dflt[1] === 'default') otherwise = actionOf(dflt[2]!);
      else otherArch = actionOf(dflt[2]!);
      continue;
    }
    const arrow = text.lastIndexOf('->');
    if (arrow < 0) throw new SyntaxError(`rule '${text}' needs '-> ACTION'`);
    const head = text.slice(0, arrow).trim();
    const colon = head.indexOf(':');
    const name = (colon < 0 ? head : head.slice(0, colon)).trim();
    const found = table.resolve(name);
    if (found === undefined) throw new SyntaxError(`no system call '${name}' in ${abi}`);
    const nr = arch === 'x32' ? found + X32_BIT : found;
    let when: Rule['when'] = { kind: 'true' };
    if (colon >= 0) {
      const f = parseFilter(head.slice(colon + 1).trim(), table.byNr(found)?.args ?? [], { abi });
      if (!f.ok) throw new SyntaxError(`rule '${text}': ${f.error.message}`);
      when = condOfFilter(f.filter, found);
    }
    const rule: Rule = { when, action: actionOf(text.slice(arrow + 2)), origin: { text } };
    calls.set(nr, [...(calls.get(nr) ?? []), rule]);
  }
  const dflt = otherwise ?? { kind: 'kill-process' };
  return { arches: { [arch]: { calls, otherwise: dflt } }, otherArch: otherArch ?? dflt };
}

const INDENT = /^(\s+)\S/;
const blank = (l: string | undefined): boolean => l !== undefined && l.trim() === '';

/** How many lines from `at` form an indented block: lines with the first one's indent, blank lines inside. */
function blockLength(body: readonly string[], at: number): number {
  const indent = INDENT.exec(body[at] ?? '')?.[1] ?? '';
  if (indent === '') return 0;
  let n = 0;
  let end = 0;
  while (at + n < body.length && (body[at + n]!.startsWith(indent) || blank(body[at + n]))) {
    n++;
    if (!blank(body[at + n - 1])) end = n;
  }
  return end;
}

/** Parse the body of one example; `first` is the file line of its first body line. */
export function parseExample(body: readonly string[], first: number): readonly Command[] {
  const commands: Command[] = [];
  let i = 0;
  while (i < body.length) {
    const words = tokenize(body[i]!);
    const size = blockLength(body, i + 1);
    const indent = INDENT.exec(body[i + 1] ?? '')?.[1]?.length ?? 0;
    const block = body.slice(i + 1, i + 1 + size).map((l) => l.slice(indent));
    if (words.length > 0) commands.push(parseCommand(words, block, first + i));
    i += 1 + size;
  }
  return commands;
}

/** One example from the body of its block; `line` is the 1-based file line of the opening fence. */
export function exampleOf(body: readonly string[], file: string, line: number): Example {
  try {
    return { file, line, parsed: { ok: true, commands: parseExample(body, line + 1) } };
  } catch (e) {
    return { file, line, parsed: { ok: false, error: e instanceof Error ? e.message : String(e) } };
  }
}

/** Every ```seccomp-example block of a markdown text, in order. */
export function extractExamples(markdown: string, file = '<markdown>'): readonly Example[] {
  const lines = markdown.split('\n');
  const examples: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```' + EXAMPLE_TAG) continue;
    const start = i;
    let end = i + 1;
    while (end < lines.length && lines[end]!.trim() !== '```') end++;
    examples.push(exampleOf(lines.slice(start + 1, end), file, start + 1));
    i = end;
  }
  return examples;
}
