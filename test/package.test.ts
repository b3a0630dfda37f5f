/**
 * The package as a user gets it: `npm pack`, installed
 * into a consumer project outside the repository, used from a plain Node
 * ESM script, from TypeScript with `moduleResolution: nodenext`, and
 * through its `seccomp-spec` binary. Runs on the dist/ that `npm test`
 * builds first (`npm run build`).
 */
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
  exports: Record<string, unknown>;
};

/** The environment without the npm_* variables of the `npm test` around us, so the child npm works on its own folder. */
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));

const sh = (cmd: string, args: readonly string[], cwd: string): string =>
  execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** The newest modification time under `dir`, in ms. */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const APP_MJS = `import { readFileSync } from 'node:fs';
import { ALLOW, Kernel, errno, formatAction, model } from 'seccomp-spec';

const { exports } = JSON.parse(readFileSync(new URL('./node_modules/seccomp-spec/package.json', import.meta.url), 'utf8'));
const subpaths = {};
for (const key of Object.keys(exports).filter((k) => k !== './package.json')) {
  const m = await import(key === '.' ? 'seccomp-spec' : 'seccomp-spec' + key.slice(1));
  subpaths[key] = Object.keys(m).length;
}
const k = new Kernel();
const pid = k.spawn('x86_64', 'app');
const bad = k.installPolicy(pid, 'read: fd = 1');
const good = k.installPolicy(pid, 'read: fd == 0\\nexit_group: 1');
const read = k.syscall(pid, 'syscall', { rax: 0n, rdi: 0n });
const write = k.syscall(pid, 'syscall', { rax: 1n, rdi: 1n });
let typeError = null;
try { new Kernel().syscall(1, 'syscall', { rax: 1 }); } catch (e) { typeError = e.message; }
const [m, p] = model.spawn(model.initialMachine(), 'x86_64', 'm');
const step = model.syscall(m, p, 'syscall', { rax: 39n });
const k2 = new Kernel();
const p2 = k2.spawn('x86_64', 'acts');
const rs = { arches: { x86_64: { calls: new Map([[1, [{ when: { kind: 'true' }, action: errno(13), origin: { text: 'write -> errno:13' } }]]]), otherwise: ALLOW } }, otherArch: ALLOW };
const actions = { installed: k2.installRules(p2, rs).ok, decided: formatAction(k2.decide(p2, 'syscall', 1, [])), wrote: String(k2.syscall(p2, 'syscall', { rax: 1n }).rax), good: formatAction(good.action) };
console.log(JSON.stringify({ subpaths, bad: { errno: bad.errno, errors: bad.errors.map((e) => [e.line, e.column, e.message]) }, good: good.ok, read: read.kind, write: write.kind, typeError, model: String(step.outcome.rax), actions }));
`;

const APP_TS = `import { Kernel, errno as errnoAction, formatAction, type Action, type InstallResult, type RuleSet } from 'seccomp-spec';
import { parsePolicy, type PolicyError } from 'seccomp-spec/grammar';
import * as model from 'seccomp-spec/model';
import { Kernel as Engine } from 'seccomp-spec/kernel';
import { syscallTable, type Abi } from 'seccomp-spec/x86';

declare const console: { log(...args: unknown[]): void };

const abi: Abi = 'ia32';
const k: Kernel = new Engine();
const pid: number = k.spawn(abi, 'ts');
const r: InstallResult = k.installPolicy(pid, 'sys_stat: 1\\nwrtie: 1');
const errors: readonly PolicyError[] = r.ok ? [] : r.errors;
const errno: string = !r.ok && r.kind === 'return' ? \`\${r.errno.name} \${r.errno.number}\` : 'none';
const parsed = parsePolicy('stat: 1', abi);
const nr: number = parsed.ok ? parsed.policy.entries[0]!.nr : -1;
// @ts-expect-error the engine's registers are bigints, and the types say so
const wrong = () => k.syscall(pid, 'syscall', { rax: 1 });
let message = '';
try { wrong(); } catch (e) { message = (e as Error).message; }
const [m] = model.spawn(model.initialMachine(), abi, 'm');
const rs: RuleSet = {
  arches: { ia32: { calls: new Map([[4, [{ when: { kind: 'cmp', arg: 0, op: '==', value: 2n }, action: errnoAction(1), origin: { text: 'write: fd == 2' } }]]]), otherwise: { kind: 'allow' } } },
  otherArch: { kind: 'kill-process' },
};
const k3 = new Engine();
const p3 = k3.spawn(abi, 'ts3');
const installed: boolean = k3.installRules(p3, rs).ok;
const act: Action | undefined = k3.decide(p3, 'syscall', 4, [2, 0]);
const first: string = r.action === undefined ? 'none' : formatAction(r.action);
console.log(JSON.stringify({ errno, lines: errors.map((e) => e.line), nr, name: syscallTable(abi).byNr(nr)?.sysName, message, tasks: m.tasks.size, installed, action: act === undefined ? 'none' : formatAction(act), first }));
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2022'],
    types: [],
    strict: true,
    skipLibCheck: false,
    outDir: 'out',
  },
  include: ['app.ts'],
};

test('npm pack: the package installs into a project of its own and works from Node, from TypeScript (nodenext) and as a binary', (t) => {
  t.true(
    existsSync(join(root, 'dist/index.js')) && existsSync(join(root, 'dist/index.d.ts')),
    'dist/ is missing: run `npm run build` (npm test does)',
  );
  t.true(
    newest(join(root, 'dist')) >= newest(join(root, 'src')),
    'dist/ is older than src/: run `npm run build` (npm test does)',
  );
  const tmp = mkdtempSync(join(tmpdir(), 'seccomp-spec-pack-'));
  try {
    // The build has just run, so pack without running it again over the dist/ other tests may be reading.
    const packed = JSON.parse(sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], root)) as {
      filename: string;
      files: { path: string }[];
    }[];
    const files = packed[0]!.files.map((f) => f.path);
    for (const f of [
      'package.json',
      'README.md',
      'bin/seccomp-spec',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cli/index.js',
      'dist/cli/bundle/index.js',
      'native/launch.c',
    ])
      t.true(files.includes(f), `${f} is in the tarball`);
    t.deepEqual(
      files.filter((f) => /^(src|test|properties|bench|scripts|examples|data|node_modules)\//.test(f)),
      [],
      'only what users need is packed',
    );
    for (const [key, value] of Object.entries(pkg.exports)) {
      if (key === './package.json') continue;
      const { types, import: js } = value as { types: string; import: string };
      t.true(files.includes(types.slice(2)) && files.includes(js.slice(2)), `exports ${key} points into the tarball`);
    }

    const app = join(tmp, 'consumer');
    sh('mkdir', ['-p', app], tmp);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(tmp, packed[0]!.filename)], app);
    t.false(existsSync(join(app, 'node_modules/tsx')), 'tsx is a devDependency: users do not get it');
    t.false(existsSync(join(app, 'node_modules/seccomp-spec/src')), 'no TypeScript source in the installed package');

    // A plain Node ESM consumer, every subpath of `exports` imported.
    writeFileSync(join(app, 'app.mjs'), APP_MJS);
    const js = JSON.parse(sh(process.execPath, ['app.mjs'], app)) as Record<string, unknown> & {
      subpaths: Record<string, number>;
    };
    t.deepEqual(
      Object.keys(js.subpaths).sort(),
      Object.keys(pkg.exports)
        .filter((k) => k !== './package.json')
        .sort(),
    );
    for (const [key, n] of Object.entries(js.subpaths)) t.true(n > 0, `${key} exports something`);
    t.deepEqual(js['bad'], { errno: { name: 'EINVAL', number: 22 }, errors: [[1, 9, 'Invalid operator']] });
    t.like(js, {
      good: true,
      read: 'return',
      write: 'killed',
      model: '1',
      typeError: 'Kernel.syscall: regs.rax must be a bigint, got the number 1 (write 1n)',
      actions: { installed: true, decided: 'errno:13', wrote: String(2n ** 64n - 13n), good: 'allow' },
    });

    // A TypeScript consumer, type-checked against the shipped .d.ts files (no skipLibCheck), then run.
    writeFileSync(join(app, 'app.ts'), APP_TS);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    sh(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', app], app);
    const ts = JSON.parse(sh(process.execPath, ['out/app.js'], app)) as Record<string, unknown>;
    t.deepEqual(ts, {
      errno: 'EINVAL 22',
      lines: [2],
      nr: 106,
      name: 'sys_newstat',
      message: 'Kernel.syscall: regs.rax must be a bigint, got the number 1 (write 1n)',
      tasks: 1,
      installed: true,
      action: 'errno:1',
      first: 'allow',
    });

    // The installed binary runs the built JavaScript.
    const bin = join(app, 'node_modules/.bin/seccomp-spec');
    t.is(sh(bin, ['--version'], app), `seccomp-spec ${pkg.version}\n`);
    t.is(
      sh(bin, ['resolve', 'stat', '--abi', 'ia32'], app),
      'ia32    106  stat  sys_newstat(const char *filename, struct compat_stat *statbuf)\n',
    );
    writeFileSync(join(app, 'policy.txt'), 'read: fd == 0\nwrite: fd == 1 || fd == 2\n');
    t.is(sh(bin, ['check', 'policy.txt'], app), '0 sys_read: fd == 0\n1 sys_write: fd == 1 || fd == 2\n');
    // run builds its helper from the packed native/ sources, found from the CLI's bundle (K1).
    writeFileSync(join(app, 'echo.policy'), 'write: fd == 1\nexit_group: 1\nbrk: 1\nmmap: 1\n');
    const ran = spawnSync(bin, ['run', 'echo.policy', '--', '/usr/bin/sh', '-c', 'exit 3'], {
      cwd: app,
      encoding: 'utf8',
    });
    t.is(ran.status, 137, ran.stderr);
    t.regex(ran.stderr, /^seccomp-spec run: KILLED: \w+\(/m, 'the helper ran the command and reported the denial');
    t.true(
      existsSync(join(app, 'node_modules/seccomp-spec/node_modules/.cache/seccomp-spec')),
      'the helper was built in the cache of the installed package',
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
