/**
 * The implementation side of the protocol: read request lines, answer each
 * in order (P1). An invalid request is a protocol error: its message goes
 * to stderr and the adapter stops with exit code 2 (P3).
 */
import { isLeft } from 'fp-ts/lib/Either.js';
import { loadUapi } from '../x86/uapi.ts';
import {
  decodeAnyRequest,
  encodeAnswer,
  isV2,
  type Answer,
  type AnswerV2,
  type Request,
  type RequestV2,
} from './protocol.ts';

/** An implementation as a function: one request, one answer. */
export type Answerer = (r: Request) => Answer;
/** An implementation of version 2 (P9) as a function. */
export type AnswererV2 = (r: RequestV2) => AnswerV2;

/**
 * Answer every line of `lines` with `answer` (version 1) or `answerV2`
 * (a request with `"version": 2`; without `answerV2` such a request is
 * answered unsupported); resolves to the exit code (0 at end of input, 2
 * on a bad request).
 */
export async function serve(
  answer: Answerer,
  lines: AsyncIterable<string>,
  out: (s: string) => void,
  err: (s: string) => void,
  answerV2?: AnswererV2,
): Promise<number> {
  // A minijail install names constants (P9): the tables load while the first
  // line is awaited (awaiting them before the loop would let a reader of
  // stdin drop the lines that arrive meanwhile), and before a version-2 answer.
  const tables = Promise.all([loadUapi('x86_64'), loadUapi('ia32')]).catch(() => []);
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    const r = decodeAnyRequest(line);
    if (isLeft(r)) {
      err(`line ${n}: ${r.left}\n`);
      return 2;
    }
    const req = r.right;
    if (isV2(req)) await tables;
    const a: Answer | AnswerV2 = !isV2(req)
      ? answer(req)
      : answerV2 !== undefined
        ? answerV2(req)
        : { version: 2, id: req.id, unsupported: 'this adapter speaks protocol version 1 only' };
    out(`${encodeAnswer(a)}\n`);
  }
  return 0;
}
