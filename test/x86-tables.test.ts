/**
 * System call tables (S1): pinned facts of both ABIs, NR_syscalls, unlisted
 * slots, name and number resolution, argument names and types, suggestions,
 * and that the committed generated tables match data/syscalls/*.json.
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ABIS, suggestNames, syscallTable, type Abi } from '../src/x86/table.ts';
import { X86_64_REGISTERS, X86_64_ROWS } from '../src/x86/tables/x86_64.ts';
import { IA32_REGISTERS, IA32_ROWS } from '../src/x86/tables/ia32.ts';
import { readSyscallData, tableRows } from '../scripts/syscall-data.ts';

const x64 = syscallTable('x86_64');
const ia32 = syscallTable('ia32');

// S1.1: numbers are the ABI and never change.
const PINNED: readonly (readonly [Abi, string, number])[] = [
  ['x86_64', 'read', 0],
  ['x86_64', 'write', 1],
  ['x86_64', 'rt_sigreturn', 15],
  ['x86_64', 'exit', 60],
  ['x86_64', 'prctl', 157],
  ['x86_64', 'exit_group', 231],
  ['ia32', 'exit', 1],
  ['ia32', 'read', 3],
  ['ia32', 'write', 4],
  ['ia32', 'sigreturn', 119],
  ['ia32', 'prctl', 172],
];

for (const [abi, name, nr] of PINNED) {
  test(`S1.1 ${abi} ${name} is ${nr} (unistd name, sys_ name, byNr)`, (t) => {
    const table = syscallTable(abi);
    t.is(table.resolve(name), nr);
    t.is(table.resolve(`sys_${name}`), nr);
    const info = table.byNr(nr);
    t.truthy(info);
    t.is(info!.name, name);
    t.is(info!.nr, nr);
    t.is(info!.abi, abi);
    t.is(info!.sysName, `sys_${info!.entry}`);
  });
}

test('S1.3 x86_64: sys_newstat and stat are both 4; sys_stat is not a native name', (t) => {
  t.is(x64.resolve('sys_newstat'), 4);
  t.is(x64.resolve('stat'), 4);
  t.is(x64.byNr(4)!.sysName, 'sys_newstat');
  t.is(x64.byNr(4)!.name, 'stat');
  t.is(x64.resolve('sys_stat'), undefined);
});

test('S1.3 ia32: sys_stat is 18 and stat is 106 (different numbers, correct)', (t) => {
  t.is(ia32.resolve('sys_stat'), 18);
  t.is(ia32.resolve('stat'), 106);
  t.is(ia32.byNr(18)!.sysName, 'sys_stat');
  t.is(ia32.byNr(106)!.name, 'stat');
  t.is(ia32.resolve('sys_newstat'), 106);
});

test('S1.3 ia32: sys_fcntl64 is shared by 55 and 221 and names the lowest', (t) => {
  t.is(ia32.byNr(55)!.entry, 'fcntl64');
  t.is(ia32.byNr(221)!.entry, 'fcntl64');
  t.is(ia32.resolve('sys_fcntl64'), 55);
  t.is(ia32.resolve('fcntl64'), 221, 'the unistd name fcntl64 is 221');
});

test('S1.2 NR_syscalls is highest listed number + 1, per ABI', (t) => {
  for (const abi of ABIS) {
    const table = syscallTable(abi);
    const highest = Math.max(...table.calls.map((c) => c.nr));
    t.is(table.nrSyscalls, highest + 1, abi);
    t.truthy(table.byNr(highest), abi);
    t.is(table.byNr(table.nrSyscalls), undefined, abi);
  }
  t.is(x64.nrSyscalls, 470);
  t.is(ia32.nrSyscalls, 470);
});

test('S1.2 calls are listed in strictly ascending number', (t) => {
  for (const abi of ABIS) {
    const nrs = syscallTable(abi).calls.map((c) => c.nr);
    t.true(
      nrs.every((n, i) => i === 0 || n > nrs[i - 1]!),
      abi,
    );
  }
});

test('S1.2 unlisted slots (x86_64 134, ia32 17) are in range but give undefined from byNr', (t) => {
  t.true(134 < x64.nrSyscalls);
  t.is(x64.byNr(134), undefined);
  t.true(17 < ia32.nrSyscalls);
  t.is(ia32.byNr(17), undefined);
  // In range, so a policy may still name them by number (sys_ni_syscall slot).
  t.is(x64.resolve('134'), 134);
  t.is(ia32.resolve('17'), 17);
});

test('byNr rejects out-of-range and non-integer numbers', (t) => {
  for (const table of [x64, ia32]) {
    for (const n of [-1, table.nrSyscalls, table.nrSyscalls + 1, 1e9, 0.5, Number.NaN, Infinity, -Infinity]) {
      t.is(table.byNr(n), undefined, `${table.abi} ${n}`);
    }
    t.truthy(table.byNr(0));
  }
});

test('S1.3 numbers in decimal and 0x-hex resolve; out-of-range numbers do not', (t) => {
  t.is(x64.resolve('0'), 0);
  t.is(x64.resolve('157'), 157);
  t.is(x64.resolve('0x9d'), 157);
  t.is(x64.resolve('0x9D'), 157);
  t.is(x64.resolve('0xe7'), 231);
  t.is(ia32.resolve('0xac'), 172);
  t.is(x64.resolve(String(x64.nrSyscalls - 1)), x64.nrSyscalls - 1);
  t.is(x64.resolve(String(x64.nrSyscalls)), undefined);
  t.is(x64.resolve(`0x${x64.nrSyscalls.toString(16)}`), undefined);
  t.is(x64.resolve('99999999999999999999999'), undefined);
  t.is(x64.resolve('-1'), undefined);
  t.is(x64.resolve('0x'), undefined);
  t.is(x64.resolve(' 1'), undefined);
  t.is(x64.resolve('1.0'), undefined);
  t.is(x64.resolve(''), undefined);
  t.is(x64.resolve('sys_'), undefined);
  t.is(x64.resolve('nosuchcall'), undefined);
});

test('S1.1 argument names and C types: read(fd unsigned int, buf char *, count size_t)', (t) => {
  t.deepEqual(x64.byNr(0)!.args, [
    { name: 'fd', type: 'unsigned int' },
    { name: 'buf', type: 'char *' },
    { name: 'count', type: 'size_t' },
  ]);
  t.deepEqual(ia32.byNr(3)!.args, x64.byNr(0)!.args);
  t.deepEqual(x64.byNr(15)!.args, [], 'rt_sigreturn has no arguments');
  t.deepEqual(
    x64.byNr(157)!.args.map((a) => a.name),
    ['option', 'arg2', 'arg3', 'arg4', 'arg5'],
  );
  t.true(x64.calls.every((c) => c.args.length <= 6));
});

test('tables are frozen', (t) => {
  t.true(Object.isFrozen(x64));
  t.true(Object.isFrozen(x64.calls));
  t.true(Object.isFrozen(x64.byNr(0)));
  t.true(Object.isFrozen(x64.byNr(0)!.args));
});

test('names lists every sys_ and unistd name that resolves', (t) => {
  for (const table of [x64, ia32]) {
    t.true(table.names.includes('sys_read'));
    t.true(table.names.includes('read'));
    for (const n of table.names) t.not(table.resolve(n), undefined, `${table.abi} ${n}`);
  }
});

test('S1.3 suggestions for misspellings', (t) => {
  t.true(suggestNames('x86_64', 'sys_reed').includes('sys_read'));
  t.true(suggestNames('x86_64', 'wirte').includes('write'));
  t.true(suggestNames('x86_64', 'sys_exitgroup').includes('sys_exit_group'));
  t.true(suggestNames('x86_64', 'prctll').includes('prctl'));
  t.true(suggestNames('ia32', 'sys_stta').includes('sys_stat'));
  t.true(suggestNames('x86_64', 'sys_reed').length <= 3);
  t.is(suggestNames('x86_64', 'sys_reed', 1).length, 1);
  t.deepEqual(suggestNames('x86_64', 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz'), []);
  // Bounded work on absurd input: no throw.
  t.notThrows(() => suggestNames('x86_64', 'x'.repeat(1_000_000)));
});

// The committed src/x86/tables/*.ts must be what scripts/gen-tables.ts makes
// of the system call data kept in the repository, data/syscalls (S1.1).
const DATA = new URL('../data/syscalls/', import.meta.url);

const GENERATED = {
  x86_64: { rows: X86_64_ROWS, registers: X86_64_REGISTERS },
  ia32: { rows: IA32_ROWS, registers: IA32_REGISTERS },
} as const;

for (const abi of ABIS) {
  test(`S1.1 generated ${abi} table is up to date with data/syscalls (run npm run gen:tables if not)`, (t) => {
    const file = new URL(`syscalls-${abi}.json`, DATA);
    if (!existsSync(file)) {
      t.fail(`${fileURLToPath(file)} is missing: the repository's data/syscalls folder is incomplete`);
      return;
    }
    const raw = readSyscallData(fileURLToPath(DATA), abi);
    t.deepEqual(GENERATED[abi].rows, tableRows(raw));
    t.deepEqual([...GENERATED[abi].registers], [...raw.registers]);
    // And the lookups see exactly those calls.
    const table = syscallTable(abi);
    t.is(table.calls.length, raw.syscalls.length);
    for (const c of raw.syscalls) {
      const info = table.byNr(c.nr);
      t.truthy(info, `${abi} ${c.nr}`);
      t.is(info!.name, c.name);
      t.deepEqual(
        info!.args,
        c.args.map((a) => ({ name: a.name, type: a.type })),
      );
    }
  });
}
