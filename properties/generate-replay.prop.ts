/**
 * Properties of traces and generated policies:
 * - replaying a trace against the policy generated from it kills nothing
 *   and reaches every call, whatever arguments are constrained (S6.4, S7.1);
 * - the generated policy is a valid policy text (S2.5) within the limits;
 * - printing a trace as strace text or JSON lines and parsing it back gives
 *   the same events.
 */
import test from 'ava';
import fc from 'fast-check';
import { parsePolicy } from '../src/grammar/index.ts';
import {
  generatePolicy,
  parseJsonl,
  parseStrace,
  printJsonl,
  printStrace,
  replay,
  traceName,
  type Trace,
  type TraceCall,
  type TraceEvent,
} from '../src/trace/index.ts';
import { syscallTable } from '../src/x86/table.ts';
import { CLONE_THREAD } from '../src/x86/task.ts';
import { params, u64 } from './support.ts';

const TABLE = syscallTable('x86_64');
const FORKS = ['fork', 'vfork', 'clone', 'clone3'] as const;
/** Calls a step never makes at random: prctl would change the seccomp state itself; task creation and exit are steps of their own. */
const SPECIAL = new Set([56, 57, 58, 60, 157, 231, 435]);
const PLAIN = Array.from({ length: TABLE.nrSyscalls }, (_, nr) => nr).filter((nr) => !SPECIAL.has(nr));

/** One step of a traced run, applied to the live task picked by `actor`. */
type Step =
  | {
      readonly kind: 'call';
      readonly actor: number;
      readonly nr: number;
      readonly args: readonly bigint[];
      readonly ret: bigint | null;
      readonly ip: bigint | null;
    }
  | { readonly kind: 'fork'; readonly actor: number; readonly how: (typeof FORKS)[number]; readonly thread: boolean }
  | { readonly kind: 'exit'; readonly actor: number; readonly code: number };

const small = fc.oneof(fc.bigInt({ min: 0n, max: 3n }), u64());

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('call' as const),
      actor: fc.nat(),
      nr: fc.constantFrom(...PLAIN),
      args: fc.array(small, { maxLength: 6 }),
      ret: fc.option(fc.bigInt({ min: -1n, max: 1n << 40n }), { nil: null }),
      ip: fc.option(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { nil: null }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('fork' as const),
      actor: fc.nat(),
      how: fc.constantFrom(...FORKS),
      thread: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('exit' as const),
      actor: fc.nat(),
      code: fc.integer({ min: 0, max: 255 }),
    }),
  },
);

const call = (
  pid: number,
  nr: number,
  args: readonly bigint[],
  ret: bigint | null,
  ip: bigint | null = null,
): TraceCall => ({
  kind: 'call',
  line: 0,
  pid,
  abi: 'x86_64',
  nr,
  name: traceName('x86_64', nr),
  args,
  ret,
  ip,
});

/** The events of a consistent run: a root execve, then steps on live tasks; children get fresh pids. */
function events(root: number, steps: readonly Step[]): TraceEvent[] {
  const out: TraceEvent[] = [call(root, 59, [0x1000n, 0x2000n, 0x3000n], 0n)];
  const live = [root];
  let next = root + 1;
  for (const s of steps) {
    if (live.length === 0) break;
    const k = s.actor % live.length;
    const pid = live[k]!;
    if (s.kind === 'call') out.push(call(pid, s.nr, s.args, s.ret, s.ip));
    else if (s.kind === 'fork') {
      const nr = TABLE.resolve(s.how)!;
      const args =
        s.how === 'clone'
          ? [s.thread ? CLONE_THREAD | 0x11n : 0x11n, 0n, 0n, 0n, 0n]
          : s.how === 'clone3'
            ? [0x7ffc0000n, 0x58n]
            : [];
      out.push(call(pid, nr, args, BigInt(next)));
      live.push(next++);
    } else {
      out.push(call(pid, 60, [BigInt(s.code)], null), {
        kind: 'end',
        line: 0,
        pid,
        how: 'exited',
        detail: String(s.code),
      });
      live.splice(k, 1);
    }
  }
  return out;
}

const run = fc
  .record({ root: fc.integer({ min: 1, max: 1 << 22 }), steps: fc.array(step, { maxLength: 60 }) })
  .map(({ root, steps }) => events(root, steps));
const ARG_NAMES = ['fd', 'flags', 'count', 'buf', 'addr', 'len', 'prot', 'size', 'mode', 'pid'];

const asTrace = (es: readonly TraceEvent[]): Trace => ({ format: 'strace', events: es, lines: es.length, skipped: [] });
const unlined = (es: readonly TraceEvent[]): TraceEvent[] => es.map((e) => ({ ...e, line: 0 }));

test('replaying a trace against its generated policy kills nothing (cut for CI time; more under npm run props)', (t) => {
  fc.assert(
    fc.property(run, fc.subarray(ARG_NAMES), (es, args) => {
      const trace = asTrace(es);
      const g = generatePolicy(trace, { abi: 'x86_64', args, source: 'prop' });
      if (g.unallowable.length !== 0) return false;
      if (!parsePolicy(g.text, 'x86_64').ok) return false;
      const r = replay(trace, g.text, { abi: 'x86_64', comm: 'prop' });
      return r.ok && r.report.tasks.every((task) => task.kill === null) && r.report.unreached === 0;
    }),
    params(300),
  );
  t.pass();
});

test('a policy without one of the generated entries kills the first call that needs it (cut for CI time; more under npm run props)', (t) => {
  fc.assert(
    fc.property(run, fc.nat(), (es, pick) => {
      const trace = asTrace(es);
      const lines = generatePolicy(trace, { abi: 'x86_64', args: [], source: 'prop' })
        .text.split('\n')
        .filter((l) => /^[^#].*: 1$/.test(l));
      fc.pre(lines.length > 0);
      const dropped = lines[pick % lines.length]!;
      const r = replay(trace, lines.filter((l) => l !== dropped).join('\n'), { abi: 'x86_64', comm: 'prop' });
      const nr = TABLE.resolve(dropped.slice(0, dropped.indexOf(':')));
      return (
        r.ok &&
        r.report.tasks.some(
          (task) => task.kill !== null && task.kill.nr === nr && task.kill.decision.step === 'no_entry',
        )
      );
    }),
    params(200),
  );
  t.pass();
});

test('strace text and JSON lines print and parse back to the same events (cut for CI time; more under npm run props)', (t) => {
  const opts = { abi: 'x86_64', lenient: false } as const;
  fc.assert(
    fc.property(run, (es) => {
      const s = parseStrace(printStrace(es, 'x86_64'), opts);
      const j = parseJsonl(printJsonl(es), opts);
      if (!s.ok || !j.ok) return false;
      const calls = es.filter((e) => e.kind === 'call');
      return (
        fc.stringify(unlined(s.trace.events)) === fc.stringify(unlined(es)) &&
        fc.stringify(unlined(j.trace.events)) === fc.stringify(unlined(calls))
      );
    }),
    params(300),
  );
  t.pass();
});
