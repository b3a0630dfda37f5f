/**
 * The kernel log (S6.6, C22). A kill records its facts as numbers in a
 * growable Uint32Array and its comm in a string array; the line is
 * formatted when the log is read. So a kill on the entry path allocates no
 * object: a record per kill would survive every scavenge (the log keeps
 * them all), and copying it costs more than the kill itself. Reading gives
 * the same lines, in order.
 */
import { ABI_OF } from '../seccomp/index.ts';
import { syscallTable } from '../x86/table.ts';
import { AUDIT_ARCH } from '../x86/outcome.ts';

/** Words per unformatted kill: pid, nr (as uint32), callAbi, rip low half, rip high half. */
const FACTS = 5;

/** A uint64 given as uint32 halves in lowercase hex without leading zeros. */
const hex64 = (lo: number, hi: number): string =>
  hi === 0 ? lo.toString(16) : `${hi.toString(16)}${lo.toString(16).padStart(8, '0')}`;

/** C22 `<comm>[<pid>]: system call <nr> (<name>) blocked at ip:<rip>`; `?` when the call's ABI lists no such nr. */
function line(comm: string, pid: number, nr: number, callAbi: number, ripLo: number, ripHi: number): string {
  const name = syscallTable(ABI_OF[callAbi]!).byNr(nr)?.sysName ?? '?';
  return `${comm}[${pid}]: system call ${nr} (${name}) blocked at ip:${hex64(ripLo, ripHi)}`;
}

/** The log of one kernel. */
export class KernelLog {
  private readonly lines: string[] = [];
  /** comm of each unformatted kill, oldest first. */
  private readonly comms: string[] = [];
  /** FACTS words per unformatted kill, in the order of `comms`. */
  private facts = new Uint32Array(64 * FACTS);

  /** S6.6 record the kill of task `pid` named `comm` at nr through `callAbi` with rip as halves. */
  kill(comm: string, pid: number, nr: number, callAbi: number, ripLo: number, ripHi: number): void {
    const i = this.comms.length * FACTS;
    if (i === this.facts.length) {
      const grown = new Uint32Array(i * 2);
      grown.set(this.facts);
      this.facts = grown;
    }
    const f = this.facts;
    f[i] = pid;
    f[i + 1] = nr;
    f[i + 2] = callAbi;
    f[i + 3] = ripLo;
    f[i + 4] = ripHi;
    this.comms.push(comm);
  }

  /**
   * A7, A11 an audit line (log, kill-thread, kill-process), in the format
   * of the model's auditLog; formatted at once, after the kills before it.
   */
  audit(comm: string, pid: number, sig: number, callAbi: number, nr: number, rip: bigint, ret: number): void {
    this.read();
    const arch = (callAbi === 1 ? AUDIT_ARCH.ia32 : AUDIT_ARCH.x86_64).toString(16);
    this.lines.push(
      `audit: type=1326 pid=${pid} comm="${comm}" sig=${sig} arch=${arch} syscall=${nr} compat=${callAbi} ` +
        `ip=0x${rip.toString(16)} code=0x${(ret >>> 0).toString(16)}`,
    );
  }

  /** Every line, oldest first. */
  read(): readonly string[] {
    const f = this.facts;
    for (let k = 0; k < this.comms.length; k++) {
      const i = k * FACTS;
      // nr was stored as uint32; `| 0` gives back the signed number (C8).
      this.lines.push(line(this.comms[k]!, f[i]!, f[i + 1]! | 0, f[i + 2]!, f[i + 3]!, f[i + 4]!));
    }
    this.comms.length = 0;
    return this.lines;
  }

  /** Number of lines, formatted or not. */
  get size(): number {
    return this.lines.length + this.comms.length;
  }

  /** The newest line; the log must not be empty. */
  last(): string {
    const all = this.read();
    return all[all.length - 1]!;
  }
}
