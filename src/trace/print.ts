/**
 * Print traces back in either format: strace `-f -o FILE -e raw=all` lines
 * or JSON lines. parseTrace(print(t)) gives back t's events (lines aside).
 */
import type { Abi } from '../x86/table.ts';
import type { TraceCall, TraceEvent } from './types.ts';

const hex = (v: bigint): string => (v === 0n ? '0' : `0x${v.toString(16)}`);

const result = (ret: bigint | null): string => (ret === null ? '?' : ret < 0n ? ret.toString() : hex(ret));

function straceLine(e: TraceEvent, abis: Map<number, Abi>, defaultAbi: Abi): string {
  const pre = `${e.pid}  `;
  switch (e.kind) {
    case 'end':
      return e.how === 'exited'
        ? `${pre}+++ exited with ${e.detail} +++`
        : e.how === 'killed'
          ? `${pre}+++ killed by ${e.detail} +++`
          : `${pre}+++ superseded by execve in pid ${e.detail} +++`;
    case 'signal':
      return `${pre}--- ${e.signal} {si_signo=${e.signal}} ---`;
    case 'call': {
      const mode =
        (abis.get(e.pid) ?? defaultAbi) === e.abi
          ? ''
          : `${pre}[ Process PID=${e.pid} runs in ${e.abi === 'ia32' ? 32 : 64} bit mode. ]\n`;
      abis.set(e.pid, e.abi);
      const ip = e.ip === null ? '' : `[${e.ip.toString(16).padStart(16, '0')}] `;
      return `${mode}${pre}${ip}${e.name}(${e.args.map(hex).join(', ')}) = ${result(e.ret)}`;
    }
  }
}

/** strace text with a pid column, one complete line per call; `defaultAbi` is the tracer's own ABI. */
export function printStrace(events: readonly TraceEvent[], defaultAbi: Abi): string {
  const abis = new Map<number, Abi>();
  return events.map((e) => `${straceLine(e, abis, defaultAbi)}\n`).join('');
}

const jsonCall = (c: TraceCall): string =>
  JSON.stringify({
    pid: c.pid,
    abi: c.abi,
    nr: c.nr,
    name: c.name,
    args: c.args.map(hex),
    ret: c.ret === null ? null : c.ret.toString(),
    ...(c.ip === null ? {} : { ip: hex(c.ip) }),
  });

/** JSON lines, one per call (ends and signals have no JSON-lines form). */
export function printJsonl(events: readonly TraceEvent[]): string {
  return events.flatMap((e) => (e.kind === 'call' ? [`${jsonCall(e)}\n`] : [])).join('');
}

/** U4 a count with its noun: `1 call`, `2 calls`. */
export const plural = (n: number, noun: string, nouns = `${noun}s`): string => `${n} ${n === 1 ? noun : nouns}`;
