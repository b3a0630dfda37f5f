/** The implementations this project ships as protocol adapters (`seccomp-spec adapter NAME`). */
import { bpfAnswer, bpfAnswerV2 } from './bpf-adapter.ts';
import { engineAnswer, engineAnswerV2 } from './engine-adapter.ts';
import { linuxAnswer, linuxAnswerV2 } from './linux-adapter.ts';
import { modelAnswer, modelAnswerV2 } from './model-adapter.ts';
import type { Answerer, AnswererV2 } from './serve.ts';

/** Adapters by name, with a line of help each; every one speaks versions 1 and 2. */
export const ADAPTERS: Readonly<
  Record<string, { readonly answer: Answerer; readonly answerV2: AnswererV2; readonly summary: string }>
> = {
  model: {
    answer: modelAnswer,
    answerV2: modelAnswerV2,
    summary: 'the executable model (src/model): the oracle itself',
  },
  engine: {
    answer: engineAnswer,
    answerV2: engineAnswerV2,
    summary: 'the fast engine (Kernel) through its public API and entry path',
  },
  bpf: {
    answer: bpfAnswer,
    answerV2: bpfAnswerV2,
    summary: 'the installed state compiled to seccomp BPF (src/bpf), each call emulated',
  },
  linux: {
    answer: linuxAnswer,
    answerV2: linuxAnswerV2,
    summary: "the compiled state on this machine's Linux, each call made by the native probe (Linux x86_64, cc)",
  },
};
