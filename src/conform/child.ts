/**
 * The runner's side of the protocol: one implementation started once as a
 * child process, asked one request at a time, each answer checked (JSON,
 * shape, id, lengths) and bounded by a timeout. Any breach is a protocol
 * error value with a message that says what happened (P3); the child is
 * then stopped, since its answers can no longer be matched to requests.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import {
  decodeAnswer,
  decodeAnyAnswer,
  encodeAnyRequest,
  type Answer,
  type AnswerV2,
  type AnyAnswer,
  type AnyRequest,
  type Request,
  type RequestV2,
} from './protocol.ts';

/**
 * Split a command line into words as a shell would for plain words and
 * quotes ('...', "...", backslash); no variables, globs or operators.
 */
export function splitCommand(line: string): Either<string, readonly string[]> {
  const words: string[] = [];
  let word: string | null = null;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote !== null) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) word += line[++i]!;
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < line.length) word = (word ?? '') + line[++i]!;
    else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else word = (word ?? '') + c;
  }
  if (quote !== null) return left(`unterminated ${quote} quote in --impl ${JSON.stringify(line)}`);
  if (word !== null) words.push(word);
  return words.length === 0 ? left('--impl is empty: give the command that starts the implementation') : right(words);
}

/** A running implementation. */
export interface Implementation {
  /** Send `r` and wait for its answer, checked against the request; a protocol error otherwise. */
  readonly ask: (r: Request) => Promise<Either<string, Answer>>;
  /**
   * Send a version-2 request (P9). An implementation of version 2 answers
   * with `"version": 2`; one of version 1 only answers as version 1 does.
   */
  readonly askV2: (r: RequestV2) => Promise<Either<string, Answer | AnswerV2>>;
  /** Stop the child (end its stdin, then kill it if it lingers). */
  readonly close: () => Promise<void>;
}

const STDERR_KEEP = 2000;
/** Extra time the first answer may take: the implementation starts up (P3). */
export const STARTUP_MS = 30_000;

/** Check an answer against its request: the id, and one result per install and per call (P1). */
export function checkAnswer<A extends AnyAnswer>(r: AnyRequest, a: A): Either<string, A> {
  if (a.id !== r.id)
    return left(`answer id ${a.id} does not match request id ${r.id} (answers must come in request order)`);
  if ('unsupported' in a) return right(a);
  if (a.installs.length !== r.installs.length)
    return left(`answer ${r.id} has ${a.installs.length} install results for ${r.installs.length} installs`);
  if (a.calls.length !== r.calls.length)
    return left(`answer ${r.id} has ${a.calls.length} verdicts for ${r.calls.length} calls`);
  return right(a);
}

/** Start `argv` once; each `ask` waits at most `timeoutMs` for its line. */
export function startImplementation(argv: readonly string[], timeoutMs: number): Implementation {
  const [cmd, ...args] = argv as [string, ...string[]];
  const child: ChildProcessWithoutNullStreams = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let ended: string | null = null;
  const lines: string[] = [];
  let wake: (() => void) | null = null;
  const poke = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => void (stderr = (stderr + d).slice(-STDERR_KEEP)));
  createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (l) => {
    lines.push(l);
    poke();
  });
  child.on('error', (e) => {
    ended = `could not start ${JSON.stringify(cmd)}: ${e.message}`;
    poke();
  });
  child.on('exit', (code, signal) => {
    ended ??= `the implementation exited (${signal === null ? `code ${String(code)}` : `signal ${signal}`})`;
    // stdout may still hold lines: let them arrive before waking a waiter.
    setImmediate(poke);
  });
  child.stdin.on('error', () => undefined); // EPIPE after a crash: reported through 'exit'
  const tail = (): string => (stderr.trim() === '' ? '' : `; its stderr ends:\n${stderr.trimEnd()}`);

  const nextLine = (timeoutMs: number): Promise<string | { readonly error: string }> =>
    new Promise((resolve) => {
      const attempt = (): void => {
        if (lines.length > 0) {
          clearTimeout(timer);
          resolve(lines.shift()!);
        } else if (ended !== null) {
          clearTimeout(timer);
          resolve({ error: `${ended} before answering${tail()}` });
        } else wake = attempt;
      };
      const timer = setTimeout(() => {
        wake = null;
        resolve({
          error: `no answer within ${timeoutMs} ms${timeoutMs > STARTUP_MS ? ' (the first answer includes start-up time)' : ''} (the implementation hangs or does not flush its output after each line)${tail()}`,
        });
      }, timeoutMs);
      attempt();
    });

  let broken: string | null = null;
  let asked = 0;
  const exchange = async <A extends AnyAnswer>(
    r: AnyRequest,
    decode: (line: string) => Either<string, A>,
  ): Promise<Either<string, A>> => {
    if (broken !== null) return left(broken);
    if (ended === null) child.stdin.write(`${encodeAnyRequest(r)}\n`);
    const line = await nextLine(asked++ === 0 ? timeoutMs + STARTUP_MS : timeoutMs);
    const fail = (message: string): Either<string, A> => {
      broken = message;
      child.kill('SIGKILL');
      return left(message);
    };
    if (typeof line !== 'string') return fail(`request ${r.id}: ${line.error}`);
    const a = decode(line);
    if (isLeft(a)) return fail(`request ${r.id}: bad ${a.left}`);
    const checked = checkAnswer(r, a.right);
    return isLeft(checked) ? fail(checked.left) : checked;
  };
  const ask = (r: Request): Promise<Either<string, Answer>> => exchange(r, decodeAnswer);
  const askV2 = (r: RequestV2): Promise<Either<string, Answer | AnswerV2>> => exchange(r, decodeAnyAnswer);

  const close = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null || ended !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.stdin.end();
    });
  return { ask, askV2, close };
}
