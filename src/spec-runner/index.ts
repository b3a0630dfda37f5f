/**
 * The runner of spec/'s executable examples, shared by the tests and the
 * site: `seccomp-example` blocks on the model or the engine, line by line,
 * and `replay-example` blocks through a CLI runner the caller gives.
 * Browser-safe: no file system; callers hand in the Markdown text.
 */
export type { CallArg, Command, Example, Expect } from './examples.ts';
export { EXAMPLE_TAG, exampleOf, extractExamples, parseExample } from './examples.ts';
export type { Backend, ExampleResult, ExampleRun, LineResult } from './runner.ts';
export { runExample, runExampleLines } from './runner.ts';
export { modelBackend } from './model-backend.ts';
export { engineBackend } from './engine-backend.ts';
export type { CliRun, ReplayCheck, ReplayExample, RunCli } from './replay.ts';
export { REPLAY_TAG, checkReplay, extractReplayExamples, replayExampleOf } from './replay.ts';
