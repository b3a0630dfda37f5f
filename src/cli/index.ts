/** The command line (src/cli): `main` runs one command; each command is also callable with its own Io. */
export { COMMANDS, main } from './main.ts';
export { EXIT, type Command, type CommandSpec, type Io } from './io.ts';
export { processIo } from './process-io.ts';
export { runCli, type Run } from './memory.ts';
