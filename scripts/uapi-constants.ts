/**
 * Every object-like `#define` of the kernel's UAPI headers (linux-libc-dev)
 * whose expansion is an integer constant, per ABI, with the `__NR_*`
 * system call numbers: the constants minijail policies name (M-K1 of
 * spec/17-minijail.md). Each header is preprocessed alone (`gcc -E -dM`)
 * to learn the names it makes visible; each name is then evaluated by the
 * compiler in the first header (in path order) that makes it visible, as
 * a `long long` initialiser compiled with `gcc -S` (`-m64` for x86_64,
 * `-m32` for ia32), so `_IO`/`_IOR`/`_IOW`/`_IOWR` numbers come out as
 * the macros compute them, with the ABI's own `sizeof`.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { UapiData } from './constants-render.ts';

const run = promisify(execFile);
const ASM = '/usr/include/x86_64-linux-gnu';
/** size_t and friends, which UAPI headers use in ioctl numbers (BLKGETSIZE64) without defining: the compiler's own header. */
const PRELUDE = '#include <stddef.h>\n';
/** A constant's name: upper case, digits and `_`, not starting with `_` (reserved and include guards). */
const NAME = /^[A-Z][A-Z0-9_]*$/;

/** The UAPI headers of linux-libc-dev, as `#include` paths (`linux/fs.h`, `asm/ioctls.h`), sorted. */
export function uapiHeaders(): string[] {
  const files = execFileSync('dpkg', ['-L', 'linux-libc-dev'], { encoding: 'utf8' })
    .split('\n')
    .filter((f) => f.endsWith('.h') && f.startsWith('/usr/include/'));
  return files
    .map((f) => f.replace(`${ASM}/`, '').replace('/usr/include/', ''))
    .filter((h) => !h.startsWith('x86_64-linux-gnu/'))
    .sort();
}

async function pool<T, R>(items: readonly T[], width: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return out;
}

/** The constant-like names `header` makes visible for `bits`, or null when it does not preprocess alone. */
async function visible(dir: string, header: string, bits: string, k: number): Promise<string[] | null> {
  const src = join(dir, `v${k}.c`);
  writeFileSync(src, `${PRELUDE}#include <${header}>\n`);
  try {
    const { stdout } = await run('gcc', [bits, '-E', '-dM', '-I', ASM, src], { maxBuffer: 64 << 20 });
    return [...stdout.matchAll(/^#define ([A-Za-z0-9_]+) /gm)].map((m) => m[1]!).filter((n) => NAME.test(n));
  } catch {
    return null;
  }
}

/** Read `c_K:` followed by `.quad V`, `.long LO` `.long HI` or `.zero 8` for each K. */
function readAssembly(asm: string, count: number): bigint[] {
  const lines = asm.split('\n').map((l) => l.trim());
  const at = new Map<string, number>();
  lines.forEach((l, i) => {
    if (/^c_\d+:$/.test(l)) at.set(l.slice(0, -1), i);
  });
  const out: bigint[] = [];
  for (let k = 0; k < count; k++) {
    const i = at.get(`c_${k}`);
    if (i === undefined) throw new Error(`no c_${k} in the assembly`);
    const [a = '', b = ''] = lines.slice(i + 1, i + 3);
    if (/^\.zero\s+8$/.test(a)) out.push(0n);
    else if (a.startsWith('.quad')) out.push(BigInt.asIntN(64, BigInt(a.split(/\s+/)[1]!)));
    else if (a.startsWith('.long') && b.startsWith('.long')) {
      const lo = BigInt.asUintN(32, BigInt(a.split(/\s+/)[1]!));
      const hi = BigInt.asUintN(32, BigInt(b.split(/\s+/)[1]!));
      out.push(BigInt.asIntN(64, (hi << 32n) | lo));
    } else throw new Error(`cannot read c_${k}: ${a} ${b}`);
  }
  return out;
}

/**
 * The values of `names` in the context of `header` for `bits`; a name
 * whose expansion is no integer constant (empty, a string, a pointer, a
 * type, a float) is left out, after the compiler says so.
 */
async function evaluate(
  dir: string,
  header: string,
  names: readonly string[],
  bits: string,
  k: number,
): Promise<Map<string, bigint>> {
  let todo = [...names];
  for (let round = 0; round < 50 && todo.length > 0; round++) {
    const src = join(dir, `e${k}.c`);
    const body = todo.map((n, i) => `long long c_${i} = (${n});`);
    writeFileSync(src, `${PRELUDE}#include <${header}>\n${body.join('\n')}\n`);
    try {
      const { stdout } = await run(
        'gcc',
        [
          bits,
          '-S',
          '-O0',
          '-w',
          '-fno-common',
          '-Werror=int-conversion',
          '-Werror=overflow',
          '-Wfloat-conversion',
          '-Werror=float-conversion',
          '-I',
          ASM,
          '-o',
          '-',
          src,
        ],
        { maxBuffer: 256 << 20 },
      );
      const values = readAssembly(stdout, todo.length);
      return new Map(todo.map((n, i) => [n, values[i]!]));
    } catch (e) {
      const err = String((e as { stderr?: unknown }).stderr ?? e);
      const bad = new Set(
        [...err.matchAll(/e\d+\.c:(\d+):\d+: (?:error|note: in expansion of macro)/g)]
          .map((m) => Number(m[1]) - 3)
          .filter((i) => i >= 0 && i < todo.length),
      );
      // The header itself does not compile: nothing of it can be evaluated here.
      if (bad.size === 0) return new Map();
      todo = todo.filter((_, i) => !bad.has(i));
    }
  }
  return new Map();
}

/** Every UAPI constant and `__NR_*` number for `bits` (`-m64` x86_64, `-m32` ia32). */
export async function uapiConstants(
  abi: 'x86_64' | 'ia32',
  pkg: string,
  gcc: string,
  log: (s: string) => void,
): Promise<UapiData> {
  const bits = abi === 'x86_64' ? '-m64' : '-m32';
  const dir = mkdtempSync(join(tmpdir(), 'gen-uapi-'));
  try {
    const headers = uapiHeaders();
    const seen = await pool(headers, 2, (h) => visible(dir, h, bits, headers.indexOf(h)));
    // Every header that makes a name visible, in path order: the first one that evaluates it gives its value.
    const homes = new Map<string, number[]>();
    headers.forEach((_, i) => {
      for (const n of seen[i] ?? []) homes.set(n, [...(homes.get(n) ?? []), i]);
    });
    log(
      `${abi}: ${headers.length} headers, ${seen.filter((s) => s === null).length} do not preprocess alone, ${homes.size} names`,
    );
    const constants = new Map<string, bigint>();
    let pending = [...homes.keys()].map((n) => ({ n, at: 0 }));
    for (let round = 0; round < 6 && pending.length > 0; round++) {
      const byHeader = new Map<number, string[]>();
      for (const { n, at } of pending) {
        const h = homes.get(n)![at]!;
        byHeader.set(h, [...(byHeader.get(h) ?? []), n]);
      }
      const groups = [...byHeader];
      const parts = await pool(groups, 2, ([h, names]) => evaluate(dir, headers[h]!, names, bits, h));
      for (const m of parts) for (const [n, v] of m) constants.set(n, v);
      pending = pending
        .filter(({ n }) => !constants.has(n))
        .map(({ n, at }) => ({ n, at: at + 1 }))
        .filter(({ n, at }) => at < homes.get(n)!.length);
      log(`${abi}: round ${round + 1}: ${constants.size} constants, ${pending.length} to try in another header`);
    }
    const syscalls: Record<string, number> = {};
    const unistd = abi === 'x86_64' ? 'asm/unistd_64.h' : 'asm/unistd_32.h';
    const nrNames = readFileSync(`${ASM}/${unistd}`, 'utf8')
      .split('\n')
      .map((l) => /^#define (__NR_\w+) /.exec(l)?.[1])
      .filter((x): x is string => x !== undefined);
    const nr = await evaluate(dir, unistd, nrNames, bits, headers.length);
    for (const [n, v] of nr) syscalls[n.slice('__NR_'.length)] = Number(v);
    log(`${abi}: ${constants.size} constants, ${Object.keys(syscalls).length} __NR_ names`);
    return {
      abi,
      provenance: {
        generator: 'scripts/gen-constants.ts',
        package: `linux-libc-dev ${pkg}`,
        method: `every object-like #define of the package's headers (gcc ${gcc} ${bits} -E -dM per header), evaluated as a long long initialiser with gcc ${bits} -S in the first header, in path order, that makes it visible`,
        headers: headers.length,
      },
      syscalls: Object.fromEntries(Object.entries(syscalls).sort(([a], [b]) => (a < b ? -1 : 1))),
      constants: Object.fromEntries(
        [...constants].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, v.toString()]),
      ),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
