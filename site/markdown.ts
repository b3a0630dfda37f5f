/**
 * The spec's Markdown as site pages (build time, Node): markdown-it renders;
 * example blocks become containers the page's script runs; rule numbers
 * (S1.1 in headings, `- C1.` items) become anchors and every mention of a
 * known rule links to it; links between chapters point at their pages.
 */
import MarkdownIt from 'markdown-it';

/** One Markdown file of spec/ and the page it becomes. */
export interface Chapter {
  readonly file: string;
  readonly page: string;
  readonly title: string;
  readonly markdown: string;
}

const RULE = /\b([A-Z]\d+(?:\.\d+)?)\b/g;
const EXAMPLE_KINDS = ['seccomp-example', 'replay-example'];

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Where each rule number is defined: S-rules in headings, any `- X1.` list item; the first definition wins. */
export function ruleAnchors(chapters: readonly Chapter[]): ReadonlyMap<string, string> {
  const at = new Map<string, string>();
  for (const c of chapters) {
    for (const line of c.markdown.split('\n')) {
      const heading = /^#{1,6}\s/.test(line)
        ? [...line.matchAll(RULE)].map((m) => m[1]!).filter((r) => r.startsWith('S'))
        : [];
      const item = /^- ([A-Z]\d+)\.\s/.exec(line)?.[1];
      for (const r of item === undefined ? heading : [...heading, item]) if (!at.has(r)) at.set(r, c.page);
    }
  }
  return at;
}

function renderer(file: string): InstanceType<typeof MarkdownIt> {
  const md = new MarkdownIt({ html: false, linkify: false });
  const fence = md.renderer.rules.fence!;
  md.renderer.rules.fence = (tokens, idx, options, env, self) => {
    const t = tokens[idx]!;
    const kind = t.info.trim();
    if (!EXAMPLE_KINDS.includes(kind) || t.map === null) return fence(tokens, idx, options, env, self);
    const line = t.map[0] + 1;
    const runnerFile = kind === 'seccomp-example' ? `spec/${file}` : file;
    return `<div class="example" data-kind="${kind}" data-file="${escapeHtml(runnerFile)}" data-line="${line}"><pre class="example-src">${escapeHtml(t.content.replace(/\n$/, ''))}</pre></div>\n`;
  };
  return md;
}

/**
 * Rule numbers in text: the definition (in a heading, or the head of a list
 * item) gets the anchor, any other mention of a known rule links to it.
 * Text inside pre, code, a and the example blocks is left alone.
 */
function linkRules(html: string, page: string, anchors: ReadonlyMap<string, string>): string {
  let skip = 0;
  let heading = false;
  let itemHead = false;
  const placed = new Set<string>();
  return html
    .split(/(<[^>]+>)/)
    .map((part) => {
      if (part.startsWith('<')) {
        const m = /^<(\/?)([a-z0-9]+)/.exec(part);
        const [close, tag] = [m?.[1] === '/', m?.[2] ?? ''];
        if (['pre', 'code', 'a'].includes(tag)) skip += close ? -1 : 1;
        if (/^h[1-6]$/.test(tag)) heading = !close;
        if (tag === 'li') itemHead = !close;
        return part.replace(
          /href="([0-9a-zA-Z_-]+)\.md(#[^"]*)?"/,
          (_all, name: string, hash: string | undefined) =>
            `href="${name === 'README' ? 'index' : name}.html${hash ?? ''}"`,
        );
      }
      if (part.trim() === '') return part;
      const head = itemHead;
      itemHead = false;
      if (skip > 0) return part;
      return part.replace(RULE, (r: string, _x: string, offset: number) => {
        const target = anchors.get(r);
        if (target === undefined) return r;
        const defines = target === page && !placed.has(r) && (heading || (head && offset === 0));
        if (defines) {
          placed.add(r);
          return `<a class="rule" id="${r}" href="#${r}">${r}</a>`;
        }
        return `<a class="rule-ref" href="${target === page ? '' : target}#${r}">${r}</a>`;
      });
    })
    .join('');
}

/** The HTML of one chapter's content. */
export function chapterHtml(c: Chapter, anchors: ReadonlyMap<string, string>): string {
  return linkRules(renderer(c.file).render(c.markdown), c.page, anchors);
}

/** A whole page: navigation, content, the page's classic script. */
export function pageShell(
  title: string,
  nav: readonly { readonly page: string; readonly title: string }[],
  current: string,
  content: string,
  script: string,
): string {
  const links = nav
    .map(
      (n) =>
        `<li><a href="${n.page}"${n.page === current ? ' aria-current="page"' : ''}>${escapeHtml(n.title)}</a></li>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · seccomp-spec</title>
<link rel="stylesheet" href="style.css">
</head>
<body>
<nav class="site-nav"><p class="brand"><a href="index.html">seccomp-spec</a></p><ul>
${links}
</ul></nav>
<main>
${content}
</main>
<script src="${script}"></script>
</body>
</html>
`;
}
