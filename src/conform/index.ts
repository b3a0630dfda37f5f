/**
 * Conformance (spec/14-conformance.md): the protocol other
 * implementations speak, this project's adapters, the runner that drives
 * an implementation as a child process, the corpus, and the search with
 * the model as the oracle. This file is the whole public face of src/conform.
 */
export {
  AnswerCodec,
  CallCodec,
  PROTOCOL_VERSION,
  RequestCodec,
  decodeAnswer,
  decodeRequest,
  encodeAnswer,
  encodeRequest,
  type Answer,
  type Call,
  type Request,
  type Verdict,
} from './protocol.ts';
export { modelAnswer } from './model-adapter.ts';
export { engineAnswer } from './engine-adapter.ts';
export { bpfAnswer } from './bpf-adapter.ts';
export { linuxAnswer } from './linux-adapter.ts';
export { callRule, installRule, type RuleNote } from './explain.ts';
export { serve, type Answerer } from './serve.ts';
export {
  OPS,
  U64_EDGES,
  exprText,
  filterText,
  nrValue,
  policyLine,
  policyText,
  policyTextFor,
  poolCalls,
  request,
  u64,
  type ExprTextOptions,
} from './arbitraries.ts';
export { ADAPTERS } from './adapters.ts';
export { checkAnswer, splitCommand, startImplementation, type Implementation } from './child.ts';
export { CORPUS_VERSION, corpusHeader, encodeCase, parseCorpus, type CorpusCase, type CorpusHeader } from './corpus.ts';
export { compare, conform, type ConformOptions, type ConformReport, type Disagreement } from './run.ts';
