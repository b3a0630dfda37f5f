/**
 * The real kernel answers rule sets with the actions the decision form
 * says (R4, A1, A2, A3), three ways:
 * - every call, any number: each return of the compiled program is
 *   rewritten to an errno naming it (so no probed call runs), the probe
 *   makes the calls through `syscall` and `int $0x80` with full 64-bit
 *   registers, and the return the kernel's BPF reached must be the value of
 *   decideRules' action;
 * - harmless calls (ids only, or numbers no kernel has), the program with
 *   its real actions: the errno the call returned, the SIGSYS a trap raised
 *   (si_syscall, si_arch, the data in si_errno), ENOSYS for trace and
 *   user-notif without a tracer or listener, death by SIGSYS for the kills,
 *   the call run for allow and log; and the kernel's log line (type 1326)
 *   for log and each kill;
 * - stacks of filters (A3): the kernel's own precedence across them.
 * Needs Linux x86_64, seccomp and a C compiler: where one is missing the
 * suite fails and says which.
 */
import { closeSync, constants, openSync, readSync } from 'node:fs';
import test from 'ava';
import fc from 'fast-check';
import { isLeft } from 'fp-ts/lib/Either.js';
import {
  actionRet,
  ALLOW,
  combine,
  errno,
  formatAction,
  KILL_2011,
  KILL_PROCESS,
  KILL_THREAD,
  LOG,
  RET_ACTION_FULL,
  SECCOMP_RET,
  trap,
  type Action,
} from '../src/action/index.ts';
import {
  AUDIT_ARCH_I386,
  AUDIT_ARCH_X86_64,
  BPF,
  compileRules,
  encodeRaw,
  SECCOMP_DATA,
  type Program,
  type SockFilter,
} from '../src/bpf/index.ts';
import { act, actHarmless, errnoOnly, HARMLESS, probe, type ActOutcome, type ProbeCall } from '../src/native/index.ts';
import { Kernel } from '../src/kernel/index.ts';
import type { RuleArch, RuleSet } from '../src/ruleset/index.ts';
import { anyRuleSet, callsFor, ruleAnswer, type RuleCall } from './ruleset-gen.ts';
import { params } from './support.ts';

/** Native uretprobe and uprobe: the kernel runs them without asking the filter (K9). */
const UNFILTERED = [335, 336];
const ENOSYS = 38n;
const SIGSYS = 31;

const probeCall = (c: RuleCall): ProbeCall => ({
  vector: c.abi === 'x86_64' ? 'syscall' : 'int80',
  nr: c.nr,
  args: c.args,
});

function kernelReachable(): string | null {
  const r = probe(encodeRaw([{ code: 0x06, jt: 0, jf: 0, k: 0x00050001 }]), [
    { vector: 'int80', nr: 20, args: [0n, 0n, 0n, 0n, 0n, 0n] },
  ]);
  return isLeft(r)
    ? `the real kernel cannot be asked here (${r.left.kind}): ${r.left.message}. The suite needs Linux on x86_64 with seccomp filters and IA32 emulation (int $0x80), and a C compiler`
    : null;
}

const tally = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);
const shown = (m: Map<string, number>): string =>
  [...m]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
const KILLS = [KILL_PROCESS, KILL_THREAD, errno(1)] as const;

// One case that meets each kind the test below requires, whatever the generator draws in a short run.
const WITNESS: [RuleSet, readonly RuleCall[], Action] = (() => {
  const always = (a: Action) => [{ when: { kind: 'true' as const }, action: a, origin: { text: 'witness' } }];
  const z = [0n, 0n, 0n, 0n, 0n, 0n];
  const rs: RuleSet = {
    arches: {
      x86_64: { calls: new Map([[39, always(ALLOW)]]), otherwise: errno(7) },
      ia32: { calls: new Map([[20, always(trap(3))]]), otherwise: KILL_2011 },
    },
    otherArch: KILL_PROCESS,
  };
  const calls: RuleCall[] = [
    { abi: 'x86_64', nr: 39, args: z },
    { abi: 'x86_64', nr: 40, args: z },
    { abi: 'ia32', nr: 20, args: z },
    { abi: 'ia32', nr: 21, args: z },
  ];
  return [rs, calls, KILL_PROCESS];
})();

test(`the kernel's BPF returns decideRules' action for every call, any number, both ABIs (cut for CI time; more under npm run props)`, (t) => {
  const missing = kernelReachable();
  if (missing !== null) return t.fail(missing);
  const seen = new Map<string, number>();
  fc.assert(
    fc.property(
      anyRuleSet().chain((rs) => fc.tuple(fc.constant(rs), callsFor(rs, 60), fc.constantFrom<Action>(...KILLS))),
      ([rs, all, kill]) => {
        const cs = all.filter((c) => !(c.abi === 'x86_64' && UNFILTERED.includes(c.nr)));
        const compiled = compileRules(rs, { kill });
        if (isLeft(compiled)) throw new Error(compiled.left.message);
        const { program, rets } = errnoOnly(compiled.right.program);
        const answers = probe(encodeRaw(program), cs.map(probeCall));
        if (isLeft(answers)) throw new Error(`probe: ${answers.left.kind}: ${answers.left.message}`);
        cs.forEach((c, i) => {
          const want = actionRet(ruleAnswer(rs, c), actionRet(kill));
          const got = rets[Number(-answers.right[i]!) - 1];
          if (got !== want)
            throw new Error(
              `${c.abi} call ${c.nr} (${c.args.map((a) => `0x${a.toString(16)}`).join(', ')}): the kernel's BPF returned ${got?.toString(16) ?? `rax ${answers.right[i]}`}, decideRules ${want.toString(16)} (${formatAction(ruleAnswer(rs, c))})`,
            );
          tally(seen, `${c.abi} ${formatAction(ruleAnswer(rs, c)).replace(/:.*/, '')}`);
        });
      },
    ),
    { ...params(60), examples: [[WITNESS]] },
  );
  t.log(`calls the kernel's BPF answered as decideRules: ${shown(seen)}`);
  for (const key of ['x86_64 errno', 'ia32 trap', 'x86_64 allow', 'ia32 kill'])
    t.true((seen.get(key) ?? 0) > 0, `never tried: ${key}`);
});

// The numbers a harmless rule set names: the id calls, numbers no kernel has, x32 ones.
const harmlessNumbers = (arch: RuleArch): readonly number[] =>
  arch === 'x32'
    ? [0x40000000 + 39, 0x40000000 + 110, 0x40000000 + 2000, -1]
    : arch === 'ia32'
      ? [...HARMLESS.int80, 1100, -1]
      : [...HARMLESS.syscall, 1100, 1101];

/** What the kernel does with a harmless call its filter answers `a` (A1; x32 is off on this kernel). */
function expected(a: Action, c: RuleCall): string {
  const low = (c.nr >>> 0) & (c.abi === 'x86_64' ? ~0x40000000 : ~0);
  const runs = HARMLESS[c.abi === 'x86_64' ? 'syscall' : 'int80'].includes(low >>> 0) && low === c.nr;
  switch (a.kind) {
    case 'allow':
    case 'log':
      return runs ? 'ran' : `ret -${ENOSYS}`;
    case 'errno':
      return `ret ${-a.errno}`;
    case 'trace':
    case 'user-notif':
      return `ret -${ENOSYS}`;
    case 'trap':
      return `trap ${c.nr} ${c.abi === 'x86_64' ? AUDIT_ARCH_X86_64 : AUDIT_ARCH_I386} ${a.data} 1`;
    default:
      return `killed ${SIGSYS}`;
  }
}

const observed = (o: ActOutcome): string =>
  o.kind === 'ret'
    ? o.rax > 0n
      ? 'ran'
      : `ret ${o.rax}`
    : o.kind === 'trap'
      ? `trap ${o.nr} ${o.arch} ${o.data} ${o.code}`
      : `killed ${o.signal}`;

test(`the kernel carries out each action on harmless calls: errno, trap's SIGSYS, ENOSYS, kills, allow and log (cut for CI time; more under npm run props)`, (t) => {
  const missing = kernelReachable();
  if (missing !== null) return t.fail(missing);
  const seen = new Map<string, number>();
  fc.assert(
    fc.property(
      anyRuleSet(harmlessNumbers).chain((rs) =>
        fc.tuple(fc.constant(rs), callsFor(rs, 24, harmlessNumbers, false), fc.constantFrom<Action>(...KILLS)),
      ),
      ([rs, cs, kill]) => {
        const compiled = compileRules(rs, { kill });
        if (isLeft(compiled)) throw new Error(compiled.left.message);
        const calls = cs.map(probeCall);
        if (!calls.every(actHarmless)) throw new Error('a generated call is not harmless');
        const outcomes = act(encodeRaw(compiled.right.program), calls);
        if (isLeft(outcomes)) throw new Error(`act: ${outcomes.left.kind}: ${outcomes.left.message}`);
        cs.forEach((c, i) => {
          // The 2011 kill is carried out as --kill says.
          const decided = ruleAnswer(rs, c);
          const a = decided.kind === 'kill' ? kill : decided;
          const want = expected(a, c);
          const got = observed(outcomes.right[i]!);
          if (got !== want)
            throw new Error(
              `${c.abi} call ${c.nr} (${c.args.map((x) => `0x${x.toString(16)}`).join(', ')}): the kernel did '${got}', decideRules answers ${formatAction(decided)}, which does '${want}'`,
            );
          tally(seen, `${c.abi} ${formatAction(a).replace(/:.*/, '')}`);
        });
      },
    ),
    params(60),
  );
  t.log(`harmless calls the kernel carried out as decideRules says: ${shown(seen)}`);
  for (const kind of ['errno', 'trap', 'allow', 'kill-process', 'log', 'trace'])
    t.true(
      [...seen.keys()].some((k) => k.endsWith(` ${kind}`)),
      `never tried: ${kind}`,
    );
});

// The helper's child installs the next filter of the stack through the older ones: each older program
// lets x86_64 prctl (157) and seccomp (317) through first; the calls made are harmless numbers only.
function letInstall(p: Program): Program {
  const ins = (code: number, k: number, jt = 0, jf = 0): SockFilter => ({ code, jt, jf, k: k >>> 0 });
  const jeq = BPF.JMP | BPF.JEQ | BPF.K;
  return [
    ins(BPF.LD | BPF.W | BPF.ABS, SECCOMP_DATA.arch),
    ins(jeq, AUDIT_ARCH_X86_64, 0, 4),
    ins(BPF.LD | BPF.W | BPF.ABS, SECCOMP_DATA.nr),
    ins(jeq, 157, 1, 0),
    ins(jeq, 317, 0, 1),
    ins(BPF.RET | BPF.K, SECCOMP_RET.ALLOW),
    ...p,
  ];
}

test(`a stack of filters: the kernel carries out the A3 precedence the engine and combine() give, the newest filter winning ties (cut for CI time; more under npm run props)`, (t) => {
  const missing = kernelReachable();
  if (missing !== null) return t.fail(missing);
  const seen = new Map<string, number>();
  fc.assert(
    fc.property(
      fc
        .array(anyRuleSet(harmlessNumbers), { minLength: 2, maxLength: 4 })
        .chain((stack) => fc.tuple(fc.constant(stack), callsFor(stack[0]!, 24, harmlessNumbers, false))),
      ([stack, cs]) => {
        // Each filter's 2011 kill compiles to kill-process, which outranks everything as the 2011 kill does.
        const programs = stack.map((rs, k) => {
          const compiled = compileRules(rs, { kill: KILL_PROCESS });
          if (isLeft(compiled)) throw new Error(compiled.left.message);
          const p = compiled.right.program;
          return encodeRaw(k === stack.length - 1 ? p : letInstall(p));
        });
        const engine = new Kernel();
        const pid = engine.spawn('x86_64', 'stack');
        for (const rs of stack) {
          const o = engine.installRules(pid, rs);
          if (!o.ok) throw new Error(`the engine refused a filter: ${o.message}`);
        }
        const outcomes = act(programs, cs.map(probeCall));
        if (isLeft(outcomes)) throw new Error(`act: ${outcomes.left.kind}: ${outcomes.left.message}`);
        cs.forEach((c, i) => {
          const answers = stack.map((rs) => {
            const a = ruleAnswer(rs, c);
            return a.kind === 'kill' ? KILL_PROCESS : a;
          });
          const combined = combine([...answers].reverse());
          const halves = c.args.flatMap((a) => [Number(a & 0xffff_ffffn), Number(a >> 32n)]);
          const decided = engine.decide(pid, c.abi === 'x86_64' ? 'syscall' : 'int80', c.nr, halves);
          const byEngine = decided?.kind === 'kill' ? KILL_PROCESS : decided;
          const want = expected(combined, c);
          const got = observed(outcomes.right[i]!);
          const said = `${c.abi} call ${c.nr}: the filters answer ${answers.map(formatAction).join(', ')} (oldest first)`;
          if (byEngine === undefined || expected(byEngine, c) !== want)
            throw new Error(
              `${said}; combine() gives ${formatAction(combined)}, the engine ${decided === undefined ? 'nothing' : formatAction(decided)}`,
            );
          if (got !== want)
            throw new Error(`${said}; the kernel did '${got}', A3 says ${formatAction(combined)}: '${want}'`);
          const kinds = new Set(answers.map((a) => a.kind));
          tally(seen, kinds.size > 1 ? `mixed, ${combined.kind} won` : `all ${combined.kind}`);
          if (answers.filter((a) => a.kind === combined.kind).length > 1) tally(seen, `tie on ${combined.kind}`);
        });
      },
    ),
    params(40),
  );
  t.log(`calls to stacks the kernel carried out as A3 says: ${shown(seen)}`);
  // Ties by hand: of two answers of one kind, the newer filter's data; a kill outranks an older errno.
  const everywhere = (a: Action): RuleSet => ({ arches: {}, otherArch: a });
  const z = [0n, 0n, 0n, 0n, 0n, 0n];
  for (const [older, newer, want] of [
    [errno(1), errno(2), 'ret -2'],
    [errno(3), errno(1), 'ret -1'],
    [trap(5), trap(7), `trap 39 ${AUDIT_ARCH_X86_64} 7 1`],
    [errno(3), KILL_THREAD, `killed ${SIGSYS}`],
    [LOG, ALLOW, 'ran'],
  ] as const) {
    const ps = [older, newer].map((a, k) => {
      const c = compileRules(everywhere(a));
      if (isLeft(c)) throw new Error(c.left.message);
      return encodeRaw(k === 0 ? letInstall(c.right.program) : c.right.program);
    });
    const o = act(ps, [{ vector: 'syscall', nr: 39, args: z }]);
    if (isLeft(o)) return t.fail(o.left.message);
    t.is(observed(o.right[0]!), want, `${formatAction(older)} then ${formatAction(newer)}`);
  }
  // Ties are checked by hand below: a generated stack meets one only now and then.
  for (const key of ['mixed, errno won', 'mixed, trap won', 'mixed, kill-process won'])
    t.true((seen.get(key) ?? 0) > 0, `never tried: ${key}`);
});

/** The kernel's seccomp audit records (type 1326) after sequence number `after`: pid, syscall, arch, code. */
function auditRecords(after: number): { readonly last: number; readonly records: readonly string[] } {
  // Without O_NONBLOCK a read at the end of the buffer waits for the next record.
  const fd = openSync('/dev/kmsg', constants.O_RDONLY | constants.O_NONBLOCK);
  const buf = Buffer.alloc(8192);
  const records: string[] = [];
  let last = after;
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') break;
        if ((e as NodeJS.ErrnoException).code === 'EPIPE') continue; // a record was overwritten
        throw e;
      }
      const line = buf.toString('latin1', 0, n);
      const seq = Number(line.split(',')[1]);
      last = Math.max(last, seq);
      if (seq <= after || !line.includes('type=1326')) continue;
      const f = (k: string): string => new RegExp(` ${k}=(\\S+)`).exec(line)?.[1] ?? '?';
      records.push(`pid=${f('pid')} syscall=${f('syscall')} arch=${f('arch')} code=${f('code')}`);
    }
  } finally {
    closeSync(fd);
  }
  return { last, records };
}

test('the kernel logs a log action and each kill with its number, arch and action (type 1326 records)', async (t) => {
  const missing = kernelReachable();
  if (missing !== null) return t.fail(missing);
  const rule = (a: Action) => [{ when: { kind: 'true' as const }, action: a, origin: { text: 'test' } }];
  const rs: RuleSet = {
    arches: {
      x86_64: {
        calls: new Map([
          [39, rule(LOG)],
          [186, rule(KILL_THREAD)],
        ]),
        otherwise: ALLOW,
      },
      ia32: {
        calls: new Map([
          [20, rule(LOG)],
          [64, rule(KILL_PROCESS)],
        ]),
        otherwise: ALLOW,
      },
    },
    otherArch: KILL_PROCESS,
  };
  const compiled = compileRules(rs);
  if (isLeft(compiled)) return t.fail(compiled.left.message);
  const z = [0n, 0n, 0n, 0n, 0n, 0n];
  const calls: ProbeCall[] = [
    { vector: 'syscall', nr: 39, args: z },
    { vector: 'int80', nr: 20, args: z },
    { vector: 'syscall', nr: 186, args: z },
    { vector: 'int80', nr: 64, args: z },
  ];
  const hex = (n: number): string => `0x${n.toString(16)}`;
  const want = (pids: readonly number[]): readonly string[] => [
    `pid=${pids[0]} syscall=39 arch=c000003e code=${hex(SECCOMP_RET.LOG)}`,
    `pid=${pids[1]} syscall=20 arch=40000003 code=${hex(SECCOMP_RET.LOG)}`,
    `pid=${pids[2]} syscall=186 arch=c000003e code=0x0`,
    `pid=${pids[3]} syscall=64 arch=40000003 code=${hex((SECCOMP_RET.KILL_PROCESS & RET_ACTION_FULL) >>> 0)}`,
  ];
  // printk's rate limit (10 a 5 s, shared with every process on the machine, and other test files
  // kill and log too) may drop records: try again after each window, up to six times.
  let got: readonly string[] = [];
  let wanted: readonly string[] = [];
  for (let attempt = 0; attempt < 6; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, 5500));
    const before = auditRecords(-1).last;
    const outcomes = act(encodeRaw(compiled.right.program), calls);
    if (isLeft(outcomes)) return t.fail(`act: ${outcomes.left.message}`);
    const pids = outcomes.right.map((o) => o.pid);
    wanted = want(pids);
    got = auditRecords(before).records.filter((r) => pids.some((p) => r.startsWith(`pid=${p} `)));
    if (got.length === wanted.length) break;
  }
  t.deepEqual(got, wanted);
});
