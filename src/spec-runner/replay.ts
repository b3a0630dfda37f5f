/**
 * The `replay-example` blocks of spec/ (chapter 11): a CLI command line
 * with a policy and a trace as its files, the exit code it must end with and
 * lines its stdout must contain. The command itself runs through a `RunCli`
 * the caller gives (the CLI sits above this layer): the tests and the site
 * pass the CLI's own main with in-memory files.
 */

/** One replay example, with the file lines of its parts. */
export interface ReplayExample {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly command: readonly string[];
  readonly policy: string;
  readonly trace: string;
  readonly exit: number;
  /** Line of the `exit N` line (0: none). */
  readonly exitLine: number;
  readonly expect: readonly string[];
  /** File line of each `expect` line. */
  readonly expectLines: readonly number[];
}

/** What one CLI run printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs `seccomp-spec ARGV` with files answered by `readFile` (undefined: no such file). */
export type RunCli = (argv: readonly string[], readFile: (path: string) => string | undefined) => Promise<CliRun>;

/** The info string that marks a replay example block. */
export const REPLAY_TAG = 'replay-example';

/** A block's body as a replay example, or why it is not one; `line` is the file line of the opening fence. */
export function replayExampleOf(body: readonly string[], file: string, line: number): ReplayExample | string {
  const sections: Record<string, string[]> = { policy: [], trace: [], expect: [] };
  const expectLines: number[] = [];
  let command: readonly string[] = ['replay', 'POLICY', 'TRACE'];
  let exit = -1;
  let exitLine = 0;
  let current: string | null = null;
  for (const [k, l] of body.entries()) {
    if (l.startsWith('  ') && current !== null) {
      sections[current]!.push(l.slice(2));
      if (current === 'expect') expectLines.push(line + 1 + k);
    } else if (l.startsWith('command ')) command = l.slice(8).split(' ');
    else if (l.startsWith('exit ')) [exit, exitLine] = [Number(l.slice(5)), line + 1 + k];
    else if (l.endsWith(':') && l.slice(0, -1) in sections) current = l.slice(0, -1);
    else return `${file}:${line + 1 + k}: not part of the replay-example format: ${l}`;
  }
  return {
    file,
    line,
    command,
    policy: sections['policy']!.join('\n'),
    trace: sections['trace']!.join('\n'),
    exit,
    exitLine,
    expect: sections['expect']!,
    expectLines,
  };
}

/** The blocks tagged replay-example in one markdown text; a malformed block is an error, never skipped. */
export function extractReplayExamples(markdown: string, file: string): readonly (ReplayExample | string)[] {
  const out: (ReplayExample | string)[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```' + REPLAY_TAG) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end] !== '```') end++;
    out.push(replayExampleOf(lines.slice(start, end), file, start));
    i = end;
  }
  return out;
}

/** How a replay example went: what differs (empty when it holds), and the file lines that did not hold. */
export interface ReplayCheck {
  readonly problems: readonly string[];
  readonly failedLines: readonly number[];
  readonly run: CliRun;
}

/** Run a replay example: the exit code must match and every expect line must appear in stdout. */
export async function checkReplay(ex: ReplayExample, run: RunCli): Promise<ReplayCheck> {
  const r = await run(ex.command, (p) => (p === 'POLICY' ? ex.policy : p === 'TRACE' ? ex.trace : undefined));
  const got = r.out.split('\n').map((l) => l.trimEnd());
  const missing = ex.expect.flatMap((want, k) =>
    got.includes(want.trimEnd()) ? [] : [{ line: ex.expectLines[k] ?? ex.line, text: `missing line: ${want}` }],
  );
  const exit =
    r.code === ex.exit ? [] : [{ line: ex.exitLine || ex.line, text: `exit ${r.code}, expected ${ex.exit}` }];
  const all = [...exit, ...missing];
  return {
    problems: all.map((p) => `${p.text}\nstdout:\n${r.out}\nstderr:\n${r.err}`),
    failedLines: all.map((p) => p.line),
    run: r,
  };
}
