/**
 * The actions of seccomp filters (spec/16-actions.md): one `Action` type
 * for the model, the engine, BPF, the dialects and the protocol.
 */
export * from './action.ts';
