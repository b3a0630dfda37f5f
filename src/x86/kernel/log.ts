/**
 * The kernel log (S6.6, C22). A kill records its facts in one small
 * object; the line is formatted when the log is read, so a kill on the
 * entry path costs one allocation. Reading gives the same lines, in order.
 */
import { ABI_OF } from '../../impl/rules.ts';
import { syscallTable } from '../table.ts';

/** The facts of one mode-2 kill. */
class Kill {
  constructor(
    readonly comm: string,
    readonly pid: number,
    readonly nr: number,
    readonly callAbi: number,
    readonly ripLo: number,
    readonly ripHi: number,
  ) {}
}

/** A uint64 given as uint32 halves in lowercase hex without leading zeros. */
const hex64 = (lo: number, hi: number): string =>
  hi === 0 ? lo.toString(16) : `${hi.toString(16)}${lo.toString(16).padStart(8, '0')}`;

/** C22 `<comm>[<pid>]: system call <nr> (<name>) blocked at ip:<rip>`; `?` when the call's ABI lists no such nr. */
function line(k: Kill): string {
  const name = syscallTable(ABI_OF[k.callAbi]!).byNr(k.nr)?.sysName ?? '?';
  return `${k.comm}[${k.pid}]: system call ${k.nr} (${name}) blocked at ip:${hex64(k.ripLo, k.ripHi)}`;
}

/** The log of one kernel. */
export class KernelLog {
  private readonly lines: string[] = [];
  private readonly unformatted: Kill[] = [];

  /** S6.6 record the kill of task `pid` named `comm` at nr through `callAbi` with rip as halves. */
  kill(comm: string, pid: number, nr: number, callAbi: number, ripLo: number, ripHi: number): void {
    this.unformatted.push(new Kill(comm, pid, nr, callAbi, ripLo, ripHi));
  }

  /** Every line, oldest first. */
  read(): readonly string[] {
    for (const k of this.unformatted) this.lines.push(line(k));
    this.unformatted.length = 0;
    return this.lines;
  }

  /** The newest line; the log must not be empty. */
  last(): string {
    const all = this.read();
    return all[all.length - 1]!;
  }
}
