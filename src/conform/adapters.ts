/** The implementations this project ships as protocol adapters (`seccomp-spec adapter NAME`). */
import { bpfAnswer } from './bpf-adapter.ts';
import { engineAnswer } from './engine-adapter.ts';
import { linuxAnswer } from './linux-adapter.ts';
import { modelAnswer } from './model-adapter.ts';
import type { Answerer } from './serve.ts';

/** Adapters by name, with a line of help each. */
export const ADAPTERS: Readonly<Record<string, { readonly answer: Answerer; readonly summary: string }>> = {
  model: { answer: modelAnswer, summary: 'the executable model (src/model): the oracle itself' },
  engine: { answer: engineAnswer, summary: 'the fast engine (Kernel) through its public API and entry path' },
  bpf: { answer: bpfAnswer, summary: 'the installed state compiled to seccomp BPF (src/bpf), each call emulated' },
  linux: {
    answer: linuxAnswer,
    summary: "the compiled state on this machine's Linux, each call made by the native probe (Linux x86_64, cc)",
  },
};
