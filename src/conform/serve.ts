/**
 * The implementation side of the protocol: read request lines, answer each
 * in order (P1). An invalid request is a protocol error: its message goes
 * to stderr and the adapter stops with exit code 2 (P3).
 */
import { isLeft } from 'fp-ts/lib/Either.js';
import { decodeRequest, encodeAnswer, type Answer, type Request } from './protocol.ts';

/** An implementation as a function: one request, one answer. */
export type Answerer = (r: Request) => Answer;

/** Answer every line of `lines` with `answer`; resolves to the exit code (0 at end of input, 2 on a bad request). */
export async function serve(
  answer: Answerer,
  lines: AsyncIterable<string>,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    const r = decodeRequest(line);
    if (isLeft(r)) {
      err(`line ${n}: ${r.left}\n`);
      return 2;
    }
    out(`${encodeAnswer(answer(r.right))}\n`);
  }
  return 0;
}
