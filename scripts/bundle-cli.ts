/**
 * Part of `npm run build`: bundle the command line from dist/ (what tsc
 * emitted) into dist/cli/bundle/, one small entry and a chunk per command
 * group, loaded only when its command runs. An installed `seccomp-spec`
 * starts from it: Node resolves and compiles a few files instead of a few
 * hundred modules of src/ and its dependencies, which was most of the
 * CLI's start (`npm run bench` measures it beside `node -e 0`). The
 * library's faces (dist/index.js and the rest) are not bundled.
 */
import { build, type Plugin } from 'esbuild';

/** fp-ts and io-ts as ES modules (their es6/ twins), which the bundler can trim, instead of CommonJS. */
const es6: Plugin = {
  name: 'fp-ts-es6',
  setup(b) {
    b.onResolve({ filter: /^(?:fp-ts|io-ts)\/lib\// }, (a) =>
      b.resolve(a.path.replace('/lib/', '/es6/'), { resolveDir: a.resolveDir, kind: a.kind }),
    );
  },
};

await build({
  entryPoints: [new URL('../dist/cli/index.js', import.meta.url).pathname],
  outdir: new URL('../dist/cli/bundle', import.meta.url).pathname,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  mainFields: ['module', 'main'],
  plugins: [es6],
  // z3 finds its WebAssembly beside its own files: it is loaded from node_modules, as the library loads it.
  external: ['z3-solver'],
  logLevel: 'warning',
});
