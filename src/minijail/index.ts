/**
 * minijail policies (spec/17-minijail.md): the grammar, the reader into
 * the decision form, and the printer back to minijail text.
 */
export { MINIJAIL_GRAMMAR_SOURCE } from './grammar.ts';
export type {
  IncludeStep,
  MinijailError,
  MinijailOptions,
  MinijailPolicy,
  MinijailResult,
  MinijailWarning,
  ReadFile,
} from './types.ts';
export { INCLUDE_DEPTH_LIMIT } from './types.ts';
export { parseMinijail } from './parse.ts';
export { logicalLines } from './lines.ts';
export { dirname, joinPath } from './path.ts';
export type { ConvertProblem, ConvertResult, Dnf, MjAtom } from './convert.ts';
export { MAX_CLAUSES, mjAction, printDnf, simplify, to2011, toDnf, toMinijail } from './convert.ts';
