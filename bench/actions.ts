/**
 * The today-style workload (spec/16-actions.md): a filter of about 300
 * entries in the decision form with `errno:1` (EPERM) as its default, as
 * container profiles are, decided by the engine (Kernel.decide over a
 * stacked rule set), by the model (model.decide), and by a hand-written
 * function specialised to the same policy that returns action codes.
 */
import { ALLOW, actionRank, errno, formatAction, type Action } from '../src/action/index.ts';
import { Kernel } from '../src/kernel/index.ts';
import * as model from '../src/model/index.ts';
import type { Cond, Rule, RuleSet } from '../src/ruleset/index.ts';
import { makeMix, MIX_SIZE } from './workload.ts';

/** Numbers the profile does not list: they get its default, EPERM. */
const DENIED = [
  59, 101, 103, 134, 135, 139, 153, 154, 155, 156, 161, 163, 165, 166, 167, 169, 175, 176, 246, 250, 310, 311, 321,
];
const ALL = 335;
const cmp = (arg: number, op: '<' | '==', value: bigint): Cond => ({ kind: 'cmp', arg, op, value });
const bits = (arg: number, mask: bigint): Cond => ({ kind: 'not', of: { kind: 'masked', arg, mask, value: 0n } });
const rule = (when: Cond, action: Action, text: string): Rule => ({ when, action, origin: { text } });
const ALWAYS: Cond = { kind: 'true' };

/** The conditional entries: read and write below fd 1024, mmap without PROT_EXEC, openat without O_CREAT, one ioctl. */
const CONDITIONAL: ReadonlyMap<number, readonly Rule[]> = new Map([
  [0, [rule(cmp(0, '<', 1024n), ALLOW, 'read: fd < 1024')]],
  [1, [rule(cmp(0, '<', 1024n), ALLOW, 'write: fd < 1024')]],
  [9, [rule(bits(2, 4n), errno(13), 'mmap: prot & PROT_EXEC -> EACCES'), rule(ALWAYS, ALLOW, 'mmap')]],
  [257, [rule(bits(2, 0x40n), errno(2), 'openat: flags & O_CREAT -> ENOENT'), rule(ALWAYS, ALLOW, 'openat')]],
  [16, [rule(cmp(1, '==', 0x5401n), ALLOW, 'ioctl: cmd == TCGETS'), rule(ALWAYS, errno(25), 'ioctl -> ENOTTY')]],
]);

/** The profile: every number below 335 but DENIED, the conditional ones with their rules; default EPERM. */
export function profile(): RuleSet {
  const calls = new Map<number, readonly Rule[]>();
  for (let nr = 0; nr < ALL; nr++) {
    if (DENIED.includes(nr)) continue;
    calls.set(nr, CONDITIONAL.get(nr) ?? [rule(ALWAYS, ALLOW, `${nr}: allow`)]);
  }
  return { arches: { x86_64: { calls, otherwise: errno(1) } }, otherArch: { kind: 'kill-process' } };
}

// Action codes of the hand-written function: A3 rank << 16 | data, as the engine's.
const ALLOW_CODE = actionRank(ALLOW) << 16;
const ERRNO = (n: number): number => (actionRank(errno(0)) << 16) | n;
const EPERM = ERRNO(1);
const DENIED_TABLE = new Uint8Array(ALL);
for (const nr of DENIED) DENIED_TABLE[nr] = 1;

/** The profile by hand: arguments as 12 uint32 words [lo0, hi0, ...]. */
export function handWritten(nr: number, a: ArrayLike<number>): number {
  switch (nr) {
    case 0:
    case 1:
      return a[1] === 0 && a[0]! < 1024 ? ALLOW_CODE : EPERM;
    case 9:
      return (a[4]! & 4) !== 0 ? ERRNO(13) : ALLOW_CODE;
    case 257:
      return (a[4]! & 0x40) !== 0 ? ERRNO(2) : ALLOW_CODE;
    case 16:
      return a[2] === 0x5401 && a[3] === 0 ? ALLOW_CODE : ERRNO(25);
    default:
      return nr >>> 0 < ALL && DENIED_TABLE[nr] === 0 ? ALLOW_CODE : EPERM;
  }
}

const codeOf = (x: Action): number => (actionRank(x) << 16) | (x.kind === 'errno' ? x.errno : 0);

/** The mix: the 2011 workload's calls, and one in 16 a call the profile does not list. */
function actionMix(): { nrs: Int32Array; views: Uint32Array[] } {
  const mix = makeMix();
  const nrs = Int32Array.from(mix.nrs, (nr, j) => (j % 16 === 15 ? DENIED[j % DENIED.length]! : nr));
  const views = Array.from({ length: MIX_SIZE }, (_, j) => mix.args.subarray(j * 12, j * 12 + 12));
  return { nrs, views };
}

/** Decisions per CPU second of `run(n)`, best of three runs of about `seconds` each. */
function rate(run: (n: number) => void, seconds = 0.5): number {
  let n = 1 << 12;
  for (;;) {
    const c0 = process.cpuUsage();
    run(n);
    const c = process.cpuUsage(c0);
    if (c.user + c.system > 100_000) break;
    n *= 2;
  }
  n = Math.round(n * seconds * 10);
  let best = 0;
  for (let i = 0; i < 3; i++) {
    const c0 = process.cpuUsage();
    run(n);
    const c = process.cpuUsage(c0);
    best = Math.max(best, n / ((c.user + c.system) / 1e6));
  }
  return best;
}

/** The three rates, in decisions per CPU second, and the profile's size. */
export function measureActions(): { engine: number; model: number; handWritten: number; entries: number } {
  const rs = profile();
  const { nrs, views } = actionMix();
  const k = new Kernel();
  const pid = k.spawn('x86_64', 'profiled');
  if (!k.installRules(pid, rs).ok) throw new Error('the profile was refused');
  const [m0, mpid] = model.spawn(model.initialMachine(), 'x86_64', 'profiled');
  const installed = model.installRules(m0, mpid, rs);
  if (installed._tag === 'Left') throw new Error('the model refused the profile');
  const state = installed.right.tasks.get(mpid)!.seccomp;
  const records = Array.from({ length: MIX_SIZE }, (_, j) => ({
    nr: nrs[j]!,
    args: Array.from({ length: 6 }, (_, i) => (BigInt(views[j]![2 * i + 1]!) << 32n) | BigInt(views[j]![2 * i]!)),
  }));
  // The expected answers, from the model; the engine's and the function's are checked against them.
  const expected = records.map((r) => model.decide(state, 'x86_64', r).action);
  const engineWant = expected.map((e, j) => {
    const got = k.decide(pid, 'syscall', nrs[j]!, views[j]!);
    if (got === undefined || formatAction(got) !== formatAction(e)) throw new Error(`engine disagrees on call ${j}`);
    return got;
  });
  const codes = Int32Array.from(expected, codeOf);
  const kinds = new Set(expected.map((e) => formatAction(e)));
  if (kinds.size < 3) throw new Error(`the mix meets too few actions: ${[...kinds].join(', ')}`);
  const mask = MIX_SIZE - 1;
  const engine = rate((n) => {
    for (let i = 0; i < n; i++) {
      const j = i & mask;
      if (k.decide(pid, 'syscall', nrs[j]!, views[j]!) !== engineWant[j]) throw new Error(`engine decision ${j}`);
    }
  });
  const hand = rate((n) => {
    for (let i = 0; i < n; i++) {
      const j = i & mask;
      if (handWritten(nrs[j]!, views[j]!) !== codes[j]) throw new Error(`hand-written decision ${j}`);
    }
  });
  let calls = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < 1000) {
    const j = calls % MIX_SIZE;
    if (model.decide(state, 'x86_64', records[j]!).action.kind !== expected[j]!.kind) throw new Error(`model ${j}`);
    calls++;
  }
  const c = process.cpuUsage(c0);
  return {
    engine,
    model: calls / ((c.user + c.system) / 1e6),
    handWritten: hand,
    entries: rs.arches.x86_64!.calls.size,
  };
}
