/** The fenced example blocks of a spec chapter, read for the tests that run them. */

/** One ```TAG block: its first line in the chapter (1-based) and its lines. */
export interface Block {
  readonly line: number;
  readonly lines: readonly string[];
}

/** Every ```TAG block of the markdown text `md`, in order. */
export function blocks(md: string, tag: string): Block[] {
  const lines = md.split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```' + tag) continue;
    let end = i + 1;
    while (end < lines.length && lines[end]!.trim() !== '```') end++;
    out.push({ line: i + 1, lines: lines.slice(i + 1, end) });
    i = end;
  }
  return out;
}

/** The indented lines after line k, without their two-space indent, and the index after them. */
export function body(lines: readonly string[], k: number): [string[], number] {
  const out: string[] = [];
  let j = k + 1;
  while (j < lines.length && (lines[j]!.startsWith('  ') || lines[j] === '')) out.push(lines[j++]!.slice(2));
  return [out, j];
}
