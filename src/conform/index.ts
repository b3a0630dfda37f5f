/**
 * Conformance (spec/14-conformance.md): the protocol other
 * implementations speak, this project's adapters, the runner that drives
 * an implementation as a child process, the corpus, and the search with
 * the model as the oracle. This file is the whole public face of src/conform.
 */
export {
  AnswerCodec,
  AnswerV2Codec,
  CallCodec,
  PROTOCOL_VERSION,
  PROTOCOL_VERSION_2,
  RequestCodec,
  RequestV2Codec,
  decodeAnswer,
  decodeAnyAnswer,
  decodeAnyRequest,
  decodeRequest,
  encodeAnswer,
  encodeAnyRequest,
  encodeRequest,
  isV2,
  type Answer,
  type AnswerV2,
  type AnyAnswer,
  type AnyRequest,
  type Call,
  type Install,
  type Request,
  type RequestV2,
  type Verdict,
} from './protocol.ts';
export { modelAnswer, modelAnswerV2 } from './model-adapter.ts';
export { engineAnswer, engineAnswerV2 } from './engine-adapter.ts';
export { bpfAnswer, bpfAnswerV2, KILL_2011_RET } from './bpf-adapter.ts';
export { linuxAnswer, linuxAnswerV2 } from './linux-adapter.ts';
export { parseRulesJson, printRulesJson } from './rules-json.ts';
export { answerV2, installRules, v1Of, v2Of, type LayerAnswer } from './v2.ts';
export { callRule, installRule, type RuleNote } from './explain.ts';
export { serve, type Answerer, type AnswererV2 } from './serve.ts';
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
  requestV2,
  rulesText,
  u64,
  type ExprTextOptions,
} from './arbitraries.ts';
export { ADAPTERS } from './adapters.ts';
export { checkAnswer, splitCommand, startImplementation, type Implementation } from './child.ts';
export { CORPUS_VERSION, corpusHeader, encodeCase, parseCorpus, type CorpusCase, type CorpusHeader } from './corpus.ts';
export {
  compare,
  compareAny,
  compareV2,
  conform,
  oracle,
  type ConformOptions,
  type ConformReport,
  type Disagreement,
} from './run.ts';
