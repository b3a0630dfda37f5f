/**
 * M1 the statements of a minijail policy's text: comments cut, `\`
 * continuations joined, each piece remembering its physical line so an
 * error can point at it.
 */

/** A piece of a statement's text: where it starts in the joined text and where it came from. */
export interface Segment {
  readonly at: number;
  readonly line: number;
  readonly column: number;
  readonly source: string;
}

/** One statement: physical lines joined by `\` continuations, comments cut. */
export interface Logical {
  readonly text: string;
  readonly segments: readonly Segment[];
}

const DIRECTIVE_WITH_PATH = /^\s*@(?:include|frequency)\b/;

/**
 * M1 the statements of a text: `#` starts a comment (except inside the
 * path of an `@include` or `@frequency`, where it must follow a space to
 * start one); a line ending in `\` continues on the next; blank results
 * are dropped.
 */
export function logicalLines(text: string): Logical[] {
  const out: Logical[] = [];
  let parts: string[] = [];
  let segments: Segment[] = [];
  let length = 0;
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const source = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const continued = source.endsWith('\\');
    let body = continued ? source.slice(0, -1) : source;
    const pathLine = DIRECTIVE_WITH_PATH.test(parts.length === 0 ? body : parts.join(' ') + body);
    const hash = pathLine ? body.search(/(?:^|\s)#/) : body.indexOf('#');
    if (hash >= 0) body = body.slice(0, hash);
    if (parts.length > 0) length += 1;
    segments.push({ at: length, line: i + 1, column: 0, source });
    parts.push(body);
    length += body.length;
    if (!continued || i === lines.length - 1) {
      const joined = parts.join(' ');
      if (joined.trim() !== '') out.push({ text: joined, segments });
      parts = [];
      segments = [];
      length = 0;
    }
  });
  return out;
}

/** The physical line and column of offset `at` of a statement. */
export function locate(l: Logical, at: number): { line: number; column: number; source: string } {
  let seg = l.segments[0]!;
  for (const s of l.segments) if (s.at <= at) seg = s;
  return { line: seg.line, column: Math.min(seg.column + at - seg.at, seg.source.length), source: seg.source };
}
