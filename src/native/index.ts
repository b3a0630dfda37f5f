/**
 * Linux (spec/13-linux.md): the TypeScript side of the C helper in
 * native/. Build it on first use, probe raw calls under an errno-only
 * program, let the kernel carry out any program's actions on harmless calls, launch a command under a program as its ptrace supervisor.
 * Linux x86_64 only; everything else is an error value (K1..K4).
 */
export { CFLAGS, nativeHelper, platformProblem, type BuildOptions, type NativeError } from './build.ts';
export { encodeProbe, errnoOnly, MAX_PROBE_CALLS, probe, type ProbeCall, type ProbeVector } from './probe.ts';
export { act, actHarmless, HARMLESS, type ActOutcome } from './act.ts';
export {
  launch,
  resolveCommand,
  RUN_ERRNO_DATA,
  RUN_KILL_DATA,
  RUN_KILL_NR,
  withKillNumbers,
  type DenyAction,
  type Launched,
  type LaunchOptions,
} from './launch.ts';
export { parseReport, type Denial, type LaunchEnd, type LaunchReport } from './report.ts';
