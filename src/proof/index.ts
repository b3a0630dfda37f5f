/**
 * Proofs for every input (spec/19-proofs.md): symbolic BPF, rule sets as
 * terms, `verify` (a program against a policy) and `diff` (two policies),
 * with z3 (the z3-solver package) loaded on first use.
 */
export { Builder, evaluate, termSize, variables, type Term, type Width } from './term.ts';
export { freeWords, symbolicRun, wordName, WORD_NAMES, type Words } from './symbolic-bpf.ts';
export { argTerms, condTerm, decisionTerm, listedNumbers, rulesTerm, type Leaf } from './symbolic-rules.ts';
export { loadZ3, openSession, Session, type Answer } from './solver.ts';
export {
  archClass,
  dataOf,
  decideData,
  regions,
  regionTerms,
  verify,
  wordsOf,
  type ArchClass,
  type Counterexample,
  type ProofStats,
  type Region,
  type VerifyOptions,
  type VerifyResult,
} from './verify.ts';
export { modelOracle, ruleSetOfPolicy, ruleSetOfState, type Policy2011 } from './policy2011.ts';
export {
  condSize,
  condText,
  diff,
  differenceCond,
  killAs,
  simplify,
  type DiffOptions,
  type DiffResult,
  type Difference,
} from './diff.ts';
