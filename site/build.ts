/**
 * `npm run site`: the specification as a static site in site-dist/. Every
 * chapter of spec/ becomes a page (markdown-it, at build time) whose example
 * blocks the page's script runs with src/spec-runner; the playground is one
 * more page. Scripts are classic esbuild bundles (IIFE) and data is inlined,
 * so index.html works opened from disk as well as served.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { build, type Plugin } from 'esbuild';
import { chapterHtml, pageShell, ruleAnchors, type Chapter } from './markdown.ts';

const root = new URL('../', import.meta.url);
const out = new URL('site-dist/', root);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

/** spec/README.md first (the index), then the chapters in order, then choices.md. */
function chapters(): readonly Chapter[] {
  const files = readdirSync(new URL('spec/', root)).filter((f) => f.endsWith('.md'));
  const order = (f: string): number => (f === 'README.md' ? 0 : f === 'choices.md' ? 2 : 1);
  return files
    .sort((a, b) => order(a) - order(b) || a.localeCompare(b))
    .map((file) => {
      const markdown = read(`spec/${file}`);
      const title = /^#\s+(.*)$/m.exec(markdown)?.[1] ?? file;
      return { file, page: file === 'README.md' ? 'index.html' : file.replace(/\.md$/, '.html'), title, markdown };
    });
}

/** The bundled traces and policies of examples/, inlined as a module (no fetch: file:// blocks it). */
const samples: Plugin = {
  name: 'samples',
  setup(b) {
    b.onResolve({ filter: /^samples:/ }, (a) => ({ path: a.path, namespace: 'samples' }));
    b.onLoad({ filter: /.*/, namespace: 'samples' }, () => {
      const pick = (dir: string, ext: string): Record<string, string> =>
        Object.fromEntries(
          readdirSync(new URL(`examples/${dir}/`, root))
            .filter((f) => f.endsWith(ext))
            .sort()
            .map((f) => [f, read(`examples/${dir}/${f}`)]),
        );
      return {
        contents: `export const traces = ${JSON.stringify(pick('traces', '.strace'))};\nexport const policies = ${JSON.stringify(pick('policies', '.txt'))};`,
        loader: 'js',
      };
    });
  },
};

/**
 * The CLI's process-starting commands (conform, adapter, record, run), which
 * src/cli/main.ts imports on first use, stay out of the page bundles: a page
 * never runs them, and they read files beside themselves through
 * `import.meta.url`, which a classic script does not have. Their dynamic
 * imports are left as they are written, never reached.
 */
const nodeOnlyCommands: Plugin = {
  name: 'node-only-commands',
  setup(b) {
    b.onResolve({ filter: /^\.\/commands\/(conform|adapter|record|run)\.ts$/ }, (a) => ({
      path: a.path,
      external: true,
    }));
  },
};

async function bundle(entry: string, extra: Partial<Parameters<typeof build>[0]> = {}): Promise<string> {
  const r = await build({
    entryPoints: [new URL(`site/src/${entry}`, root).pathname],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    write: false,
    legalComments: 'none',
    plugins: [samples, nodeOnlyCommands],
    // Node's modules and z3 are named only by code a page never runs (the CLI's
    // process I/O, the proof commands, which load on first use).
    external: ['node:*', 'z3-solver'],
    ...extra,
  });
  const file = r.outputFiles?.[0];
  if (file === undefined) throw new Error(`esbuild wrote nothing for ${entry}`);
  return file.text;
}

async function main(): Promise<void> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out);
  const all = chapters();
  const anchors = ruleAnchors(all);
  const nav = [...all.map((c) => ({ page: c.page, title: c.title })), { page: 'playground.html', title: 'Playground' }];
  for (const c of all)
    writeFileSync(new URL(c.page, out), pageShell(c.title, nav, c.page, chapterHtml(c, anchors), 'spec.js'));
  writeFileSync(
    new URL('playground.html', out),
    pageShell('Playground', nav, 'playground.html', read('site/playground.html'), 'playground.js'),
  );
  writeFileSync(new URL('style.css', out), read('site/style.css'));
  const worker = await bundle('trace-worker.ts');
  writeFileSync(new URL('spec.js', out), await bundle('spec-page.ts'));
  writeFileSync(
    new URL('playground.js', out),
    await bundle('playground.ts', { define: { TRACE_WORKER_SOURCE: JSON.stringify(worker) } }),
  );
  console.log(`site-dist/: ${all.length} spec pages and the playground; open site-dist/index.html`);
}

await main();
