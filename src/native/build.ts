/**
 * Build the C helper (native/) from source with the machine's C compiler on
 * first use, into a cache shared by the CLI and the tests
 * (node_modules/.cache/seccomp-spec/native-<hash>/), keyed by a hash of the
 * sources and flags: a changed source builds anew. The build goes to a
 * temporary name and is renamed into place, so concurrent builds are safe.
 * Never a prebuilt binary (K1).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { left, right, type Either } from 'fp-ts/lib/Either.js';

/** Why the helper cannot be had or did not answer. */
export interface NativeError {
  /** platform: not Linux x86_64; compiler: no C compiler; build: it failed; refused: Linux refused the program; failed: the helper failed. */
  readonly kind: 'platform' | 'compiler' | 'build' | 'refused' | 'failed';
  readonly message: string;
}

/** Where and how to build; every field has a default. */
export interface BuildOptions {
  /** The C compiler: $CC, else `cc`. */
  readonly cc?: string;
  /** The cache directory: node_modules/.cache/seccomp-spec of this package. */
  readonly cacheDir?: string;
  /** The sources: native/ of this package. */
  readonly sourceDir?: string;
  readonly platform?: string;
  readonly arch?: string;
}

/** The compiler flags the house style requires (C11, every warning an error). */
export const CFLAGS: readonly string[] = ['-std=c11', '-Wall', '-Wextra', '-Werror', '-O2'];

/** The package's root: the nearest folder above this module with a package.json (src/native, dist/native or the CLI's bundle in dist/cli/bundle). */
function packageRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

const ROOT = packageRoot(dirname(fileURLToPath(import.meta.url)));

/** Null on Linux x86_64, else why the Linux commands cannot run here. */
export function platformProblem(platform: string = process.platform, arch: string = process.arch): NativeError | null {
  return platform === 'linux' && arch === 'x64'
    ? null
    : {
        kind: 'platform',
        message: `this command needs Linux on x86_64 (this is ${platform} on ${arch})`,
      };
}

const sourcesOf = (dir: string): readonly string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.c') || f.endsWith('.h'))
    .sort();

/**
 * The path of the built helper, building it first when the cache has no
 * build of these sources. Errors are values: platform, compiler, build.
 */
export function nativeHelper(opts: BuildOptions = {}): Either<NativeError, string> {
  const platform = platformProblem(opts.platform, opts.arch);
  if (platform !== null) return left(platform);
  const cc = opts.cc ?? process.env['CC'] ?? 'cc';
  const src = opts.sourceDir ?? join(ROOT, 'native');
  let files: readonly string[];
  try {
    files = sourcesOf(src);
  } catch (e) {
    return left({ kind: 'build', message: `cannot read the helper's sources in ${src}: ${(e as Error).message}` });
  }
  const hash = createHash('sha256').update(JSON.stringify([cc, CFLAGS]));
  for (const f of files) hash.update(`\0${f}\0`).update(readFileSync(join(src, f)));
  const dir = join(
    opts.cacheDir ?? join(ROOT, 'node_modules', '.cache', 'seccomp-spec'),
    `native-${hash.digest('hex').slice(0, 16)}`,
  );
  const exe = join(dir, 'seccomp-native');
  if (existsSync(exe)) return right(exe);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    return left({ kind: 'build', message: `cannot create the cache directory ${dir}: ${(e as Error).message}` });
  }
  const tmp = `${exe}.${process.pid}.${Date.now()}.tmp`;
  const sources = files.filter((f) => f.endsWith('.c')).map((f) => join(src, f));
  const r = spawnSync(cc, [...CFLAGS, '-o', tmp, ...sources], { encoding: 'utf8' });
  if (r.error !== undefined) {
    const missing = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
    return left({
      kind: 'compiler',
      message: missing
        ? `no C compiler: '${cc}' was not found. Install one (Debian/Ubuntu: apt-get install gcc; Fedora: dnf install gcc; Alpine: apk add build-base) or set CC`
        : `cannot run the C compiler '${cc}': ${r.error.message}`,
    });
  }
  if (r.status !== 0) {
    rmSync(tmp, { force: true });
    return left({
      kind: 'build',
      message: `building the helper with '${cc}' failed (status ${r.status ?? r.signal}):\n${r.stderr}`,
    });
  }
  try {
    renameSync(tmp, exe);
  } catch (e) {
    return left({ kind: 'build', message: `cannot move the built helper into ${dir}: ${(e as Error).message}` });
  }
  return right(exe);
}
