/**
 * Generates data/constants/{x86_64,ia32}.json from the C headers on this
 * machine, then src/x86/tables/constants.ts from that data (S2 [ext]
 * symbolic constants, spec/15-constants.md). The compiler evaluates every
 * value: each constant becomes a `long long` initialiser compiled with
 * `gcc -S`, `-m64` for x86_64 and `-m32` for ia32 (only cc1 is needed, no
 * 32-bit libc), and the value is read back from the assembly.
 *
 *   npm run gen:constants            headers -> data -> module
 *   npm run gen:constants -- --data  data -> module only (no compiler needed)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderConstantsModule, renderUapiModule, type ConstantsData, type UapiData } from './constants-render.ts';
import { uapiConstants } from './uapi-constants.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ASM = '/usr/include/x86_64-linux-gnu';

/** The UAPI headers (linux-libc-dev) and the families taken from them. */
const UAPI_HEADERS = [
  'linux/fcntl.h',
  'linux/mman.h',
  'linux/sched.h',
  'linux/futex.h',
  'linux/prctl.h',
  'asm/signal.h',
];
const UAPI_NAME = /^(?:(?:O|AT|PROT|MAP|MADV|F|CLONE|FUTEX|PR)_[A-Z0-9_]+|SIG[A-Z0-9_]+)$/;
/**
 * AF_* and SOCK_* are not in the UAPI headers (the kernel keeps them in
 * include/linux/socket.h and net.h); glibc's <sys/socket.h> (libc6-dev)
 * carries the same numbers, which are the same on both x86 ABIs.
 */
const LIBC_HEADERS = ['sys/socket.h'];
const LIBC_NAME = /^(?:AF|SOCK)_[A-Z0-9_]+$/;

const sh = (cmd: string, args: readonly string[]): string =>
  execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function packageVersion(pkg: string): string {
  return sh('dpkg-query', ['-W', '-f', '${Version}', pkg]).trim();
}

/** Object-like macros of `headers` whose names match `re`, as gcc -dM sees them for `bits`. */
function macroNames(dir: string, headers: readonly string[], re: RegExp, bits: '-m64' | '-m32'): string[] {
  const src = join(dir, 'names.c');
  writeFileSync(src, headers.map((h) => `#include <${h}>\n`).join(''));
  const out = sh('gcc', [bits, '-dM', '-E', '-I', ASM, src]);
  const names = [...out.matchAll(/^#define ([A-Za-z0-9_]+) /gm)].map((m) => m[1]!).filter((n) => re.test(n));
  return [...new Set(names)].sort();
}

/**
 * The value of each of `names` as a C `long long`, evaluated by gcc for
 * `bits`. Names whose expansion is not an integer constant (handler
 * pointers such as SIG_DFL, struct sizes the headers leave undefined) are
 * dropped, with the compiler's reason.
 */
function evaluate(
  dir: string,
  headers: readonly string[],
  names: readonly string[],
  bits: '-m64' | '-m32',
): Map<string, bigint> {
  let todo = [...names];
  for (let attempt = 0; attempt < 20; attempt++) {
    const src = join(dir, 'values.c');
    const lines = headers.map((h) => `#include <${h}>`);
    const first = lines.length + 1;
    lines.push(...todo.map((n) => `long long c_${n} = (${n});`));
    writeFileSync(src, `${lines.join('\n')}\n`);
    try {
      const asm = sh('gcc', [
        bits,
        '-S',
        '-O0',
        '-fno-common',
        '-Werror=int-conversion',
        '-Werror=overflow',
        '-I',
        ASM,
        '-o',
        '-',
        src,
      ]);
      return readAssembly(asm, todo, bits);
    } catch (e) {
      const err = String((e as { stderr?: unknown }).stderr ?? e);
      const bad = new Set(
        [...err.matchAll(/values\.c:(\d+):\d+: (?:error|note: in expansion of macro)/g)]
          .map((m) => Number(m[1]) - first)
          .filter((k) => k >= 0 && k < todo.length),
      );
      if (bad.size === 0) throw new Error(`gcc ${bits} failed:\n${err}`);
      for (const k of bad) process.stderr.write(`${bits}: dropped ${todo[k]} (not an integer constant)\n`);
      todo = todo.filter((_, k) => !bad.has(k));
    }
  }
  throw new Error('too many rounds of dropping names');
}

/** Read `c_NAME:` followed by `.quad V`, `.long LO` `.long HI` or `.zero 8`. */
function readAssembly(asm: string, names: readonly string[], bits: '-m64' | '-m32'): Map<string, bigint> {
  const out = new Map<string, bigint>();
  const lines = asm.split('\n').map((l) => l.trim());
  for (const n of names) {
    const at = lines.indexOf(`c_${n}:`);
    if (at < 0) throw new Error(`${bits}: no c_${n} in the assembly`);
    const [a = '', b = ''] = lines.slice(at + 1, at + 3);
    let v: bigint;
    if (a === '.zero\t8' || a === '.zero 8') v = 0n;
    else if (a.startsWith('.quad')) v = BigInt(a.split(/\s+/)[1]!);
    else if (a.startsWith('.long') && b.startsWith('.long')) {
      const lo = BigInt.asUintN(32, BigInt(a.split(/\s+/)[1]!));
      const hi = BigInt.asUintN(32, BigInt(b.split(/\s+/)[1]!));
      v = BigInt.asIntN(64, (hi << 32n) | lo);
    } else throw new Error(`${bits}: cannot read c_${n}: ${a} ${b}`);
    out.set(n, v);
  }
  return out;
}

function fromHeaders(): Record<'x86_64' | 'ia32', ConstantsData> {
  const dir = mkdtempSync(join(tmpdir(), 'gen-constants-'));
  try {
    const uapi = packageVersion('linux-libc-dev');
    const libc = packageVersion('libc6-dev');
    const gcc = sh('gcc', ['-dumpfullversion']).trim();
    const result = {} as Record<'x86_64' | 'ia32', ConstantsData>;
    const libcNames = macroNames(dir, LIBC_HEADERS, LIBC_NAME, '-m64');
    // The same numbers serve ia32: <sys/socket.h> for -m32 needs a 32-bit libc, and these do not differ by ABI on x86.
    const socket = evaluate(dir, LIBC_HEADERS, libcNames, '-m64');
    for (const [abi, bits] of [
      ['x86_64', '-m64'],
      ['ia32', '-m32'],
    ] as const) {
      const values = evaluate(dir, UAPI_HEADERS, macroNames(dir, UAPI_HEADERS, UAPI_NAME, bits), bits);
      for (const [k, v] of socket) values.set(k, v);
      result[abi] = {
        abi,
        provenance: {
          generator: 'scripts/gen-constants.ts',
          method: `gcc ${gcc} ${bits} -S: each name compiled as a long long initialiser, the value read from the assembly`,
          uapi: {
            package: `linux-libc-dev ${uapi}`,
            headers: UAPI_HEADERS.map((h) => (h.startsWith('asm/') ? `${ASM}/${h}` : `/usr/include/${h}`)),
            includes: ['/usr/include/asm-generic/*.h'],
          },
          libc: {
            package: `libc6-dev ${libc}`,
            headers: ['/usr/include/x86_64-linux-gnu/sys/socket.h'],
            note: 'AF_* and SOCK_*, evaluated with -m64 for both ABIs (they do not differ on x86)',
          },
        },
        constants: Object.fromEntries(
          [...values].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, v.toString()]),
        ),
      };
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const dataDir = join(root, 'data', 'constants');
const data = process.argv.includes('--data')
  ? {
      x86_64: JSON.parse(readFileSync(join(dataDir, 'x86_64.json'), 'utf8')) as ConstantsData,
      ia32: JSON.parse(readFileSync(join(dataDir, 'ia32.json'), 'utf8')) as ConstantsData,
    }
  : fromHeaders();
if (!process.argv.includes('--data')) {
  for (const abi of ['x86_64', 'ia32'] as const) {
    writeFileSync(join(dataDir, `${abi}.json`), `${JSON.stringify(data[abi], null, 1)}\n`);
    console.log(`wrote data/constants/${abi}.json: ${Object.keys(data[abi].constants).length} constants`);
  }
}
writeFileSync(join(root, 'src', 'x86', 'tables', 'constants.ts'), renderConstantsModule(data.x86_64, data.ia32));
console.log('wrote src/x86/tables/constants.ts');

// Every constant of the UAPI headers, for minijail policies (spec/17-minijail.md), loaded on first use.
const uapiFile = (abi: string): string => join(dataDir, `uapi-${abi}.json`);
const uapi: Record<'x86_64' | 'ia32', UapiData> = process.argv.includes('--data')
  ? {
      x86_64: JSON.parse(readFileSync(uapiFile('x86_64'), 'utf8')) as UapiData,
      ia32: JSON.parse(readFileSync(uapiFile('ia32'), 'utf8')) as UapiData,
    }
  : await (async () => {
      const version = packageVersion('linux-libc-dev');
      const gcc = sh('gcc', ['-dumpfullversion']).trim();
      const log = (s: string): void => console.log(s);
      const out = {
        x86_64: await uapiConstants('x86_64', version, gcc, log),
        ia32: await uapiConstants('ia32', version, gcc, log),
      };
      for (const abi of ['x86_64', 'ia32'] as const) {
        writeFileSync(uapiFile(abi), `${JSON.stringify(out[abi], null, 0)}\n`);
        console.log(`wrote data/constants/uapi-${abi}.json`);
      }
      return out;
    })();
writeFileSync(join(root, 'src', 'x86', 'tables', 'uapi.ts'), renderUapiModule(uapi.x86_64, uapi.ia32));
console.log('wrote src/x86/tables/uapi.ts');
