/**
 * The conformance corpus (conformance/corpus.jsonl, P5): a header line,
 * then one case a line, each a request, its expected answer and the rule it
 * exercises. The expected answers come from the model and a test keeps
 * them so; any implementation in any language can run the file.
 */
import * as t from 'io-ts';
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import {
  PROTOCOL_VERSION,
  decodeAnyRequest,
  encodeAnyRequest,
  isV2,
  type Answer,
  type AnswerV2,
  type AnyRequest,
} from './protocol.ts';

/** The version of the corpus format (P5). */
export const CORPUS_VERSION = 1;

/** The first line of a corpus file. */
export interface CorpusHeader {
  readonly corpus: 'seccomp-spec conformance corpus';
  readonly version: number;
  readonly protocol: number;
}

/**
 * One case: the rule it exercises (`S3.3`, `A3`), a short name, the request
 * and the answer every implementation must give. A case of a version-2
 * corpus (P9) may carry a version-2 request, and then a version-2 answer.
 */
export interface CorpusCase {
  readonly rule: string;
  readonly name: string;
  readonly request: AnyRequest;
  readonly answer:
    Extract<Answer, { installs: readonly number[] }> | Extract<AnswerV2, { installs: readonly number[] }>;
}

const Header = t.type({
  corpus: t.literal('seccomp-spec conformance corpus'),
  version: t.union([t.literal(CORPUS_VERSION), t.literal(2)]),
  protocol: t.union([t.literal(PROTOCOL_VERSION), t.literal(2)]),
});
const Rule = new t.Type<string, string, unknown>(
  'Rule',
  (u): u is string => typeof u === 'string',
  (u, c) =>
    typeof u === 'string' && /^[SARP][0-9]+(\.[0-9]+)?$/.test(u)
      ? t.success(u)
      : t.failure(u, c, 'expected a rule number like "S3.3" or "A3"'),
  (s) => s,
);
const Expected = t.union([
  t.type({ id: t.number, installs: t.array(t.number), calls: t.array(t.keyof({ allow: null, kill: null })) }),
  t.type({ version: t.literal(2), id: t.number, installs: t.array(t.number), calls: t.array(t.string) }),
]);
const CaseShape = t.type({ rule: Rule, name: t.string, request: t.unknown, answer: Expected });

/** A case as one corpus line. */
export const encodeCase = (c: CorpusCase): string =>
  `{"rule":${JSON.stringify(c.rule)},"name":${JSON.stringify(c.name)},"request":${encodeAnyRequest(c.request)},"answer":${JSON.stringify(c.answer)}}`;

/** The header line of a corpus written by this version; `2` for a corpus of version-2 cases (P9). */
export const corpusHeader = (version: 1 | 2 = 1): string =>
  JSON.stringify({
    corpus: 'seccomp-spec conformance corpus',
    version: version === 1 ? CORPUS_VERSION : 2,
    protocol: version === 1 ? PROTOCOL_VERSION : 2,
  });

/** Parse a corpus text; every error names its line. Ids must be unique. */
export function parseCorpus(text: string, file: string): Either<string, readonly CorpusCase[]> {
  const lines = text.split('\n');
  const at = (n: number, what: string): Either<string, never> => left(`${file}:${n}: ${what}`);
  const json = (n: number): unknown => {
    try {
      return JSON.parse(lines[n - 1]!);
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  };
  const head = json(1);
  const header = head instanceof Error ? null : Header.decode(head);
  if (header === null || isLeft(header)) {
    return at(
      1,
      `expected the header ${corpusHeader()}${head instanceof Error ? ` (${head.message})` : `, got ${lines[0]!.slice(0, 80)}`}`,
    );
  }
  const cases: CorpusCase[] = [];
  const ids = new Set<number>();
  for (let n = 2; n <= lines.length; n++) {
    if (lines[n - 1]!.trim() === '') continue;
    const j = json(n);
    if (j instanceof Error) return at(n, `not JSON (${j.message})`);
    const shape = CaseShape.decode(j);
    if (isLeft(shape))
      return at(
        n,
        `expected {"rule": "S3.3", "name": ..., "request": {...}, "answer": {...}}: ${shape.left[0]?.message ?? 'wrong shape'}`,
      );
    const req = decodeAnyRequest(JSON.stringify(shape.right.request));
    if (isLeft(req)) return at(n, req.left);
    const { answer } = shape.right;
    if (isV2(req.right) && header.right.protocol !== 2) return at(n, 'a version-2 request in a corpus of protocol 1');
    if (isV2(req.right) !== 'version' in answer)
      return at(n, `the answer's version is not the request's (${isV2(req.right) ? 2 : 1})`);
    if (answer.id !== req.right.id) return at(n, `the answer's id ${answer.id} is not the request's ${req.right.id}`);
    if (ids.has(answer.id)) return at(n, `id ${answer.id} is used twice`);
    ids.add(answer.id);
    cases.push({ rule: shape.right.rule, name: shape.right.name, request: req.right, answer });
  }
  return right(cases);
}
