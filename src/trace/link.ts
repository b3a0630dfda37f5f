/**
 * Stage 3 of the trace pipeline: scanned lines to calls, linked across
 * tasks (T1, T13). An `<unfinished ...>` call is handed on at its entry
 * with the arguments it has, except a fork, which waits for its result
 * (the child's pid); lines of a pid no fork has returned yet wait for the
 * pending forks. Memory: the live tasks, the pending calls and the lines
 * waiting for a pending fork, never the whole trace.
 */
import type { Abi } from '../x86/table.ts';
import { isFork, RawCall } from './call.ts';
import { LINE_KIND, UNPREFIXED as NO_PID, type Scanned } from './scanned.ts';
import type { TraceEnd, TraceSignal } from './types.ts';

/** An error of a later stage: about the policy (printed with the policy's name) or the trace (with the line). */
export interface SinkError {
  readonly message: string;
  readonly about: 'policy' | 'trace';
}

/** What receives linked calls: the engine, the generator, or a list. */
export interface CallSink {
  /** The next call; `c` is overwritten after the return, so copy what you keep. */
  call(c: RawCall): SinkError | null;
  event(e: TraceEnd | TraceSignal): void;
  /** An unfinished call handed on earlier got its result (and any arguments printed after `resumed>`). */
  completed(c: RawCall): void;
  /** Lines without a pid are pid `pid`'s (stderr output): learnt once that pid shows up with a prefix. */
  rename(pid: number): void;
  /** The trace ended. */
  end(): SinkError | null;
}

type Held = RawCall | TraceEnd | TraceSignal;

// Imported values read per line, as module constants: under tsx every read of an imported binding is a getter call.
const [SKIP, ABI, RESUMED, CALL] = [LINE_KIND.SKIP, LINE_KIND.ABI, LINE_KIND.RESUMED, LINE_KIND.CALL];
const Call = RawCall;
const UNPREFIXED = NO_PID;
const forks = isFork;

/** An unfinished call: queued with its pid's waiting lines, a fork waiting for its result, or handed on. */
interface Open {
  readonly c: RawCall;
  state: 'queued' | 'pending' | 'emitted';
}

/** A linking error, or a later stage's. */
export type LinkError = string | SinkError;

/** Links scanned lines and hands calls on to a CallSink. */
export class Linker {
  /** Calls handed on (or waiting). */
  calls = 0;
  private readonly open = new Map<number, Open>();
  private readonly abis = new Map<number, Abi>();
  /** No mode notice yet: every pid's ABI is the default (read per line, cheaper than the Map's size). */
  private noModes = true;
  private readonly known = new Set<number>();
  private readonly children = new Set<number>();
  private readonly held = new Map<number, Held[]>();
  private pendingForks = 0;
  /** A pid known to the linker (its lines go straight on while none wait), -1 before the first. */
  private lastPid = -1;
  private sawUnprefixed = false;
  /** The root's pid when its first lines had none (stderr output). */
  private alias: number | null = null;
  private aliasGuessed = false;

  constructor(
    readonly defaultAbi: Abi,
    private readonly sink: CallSink,
  ) {}

  /** The ABI of `pid`'s calls: strace's mode notices, else the tracer's. */
  readonly abiOf = (pid: number): Abi =>
    this.noModes ? this.defaultAbi : (this.abis.get(pid === this.alias ? UNPREFIXED : pid) ?? this.defaultAbi);

  /** Link one scanned line; an error message (about this line) or a later stage's error. */
  add(s: Scanned): LinkError | null {
    if (s.kind === SKIP) return null;
    let pid = s.pid;
    if (pid === UNPREFIXED) this.sawUnprefixed = true;
    else if (pid === this.alias) pid = UNPREFIXED;
    if (s.kind === ABI) {
      this.abis.set(pid, s.abi);
      this.noModes = false;
      return null;
    }
    if (s.kind === RESUMED) return this.resume(pid, s.call);
    // The common line: a call of the pid of the line before, no line waiting anywhere.
    if (pid === this.lastPid && s.kind === CALL && this.held.size === 0) {
      const c = s.call;
      c.pid = pid;
      return this.emit(pid, c, false);
    }
    if (!this.known.has(pid) && !this.held.has(pid)) {
      const met = this.meet(pid);
      if (typeof met !== 'number') return met;
      pid = met;
    }
    const item: Held = s.kind === CALL ? s.call : s.event!;
    if (item.pid !== pid) {
      if (item instanceof Call) item.pid = pid;
    }
    // A pid once known stays known; a line of it goes straight on while nothing waits.
    if (this.known.has(pid)) this.lastPid = pid;
    const q = this.held.get(pid);
    if (q === undefined) return this.emit(pid, item instanceof Call ? item : { ...item, pid }, false);
    if (item instanceof Call) {
      const c = item.copy();
      q.push(c);
      this.calls++;
      if (c.open) this.open.set(pid, { c, state: 'queued' });
    } else {
      if (item.kind === 'end') this.close(pid);
      q.push({ ...item, pid });
    }
    return null;
  }

  /** The trace ended: forks never resumed are handed on without a result, then every waiting line. */
  finish(): LinkError | null {
    for (const [pid, o] of [...this.open]) {
      if (o.state !== 'pending') continue;
      const err = this.close(pid);
      if (err !== null) return err;
    }
    return this.releaseStrangers() ?? this.sink.end();
  }

  /** A pid seen for the first time: the root, a waiting child, the root's own pid (stderr output), or a stranger. */
  private meet(pid: number): number | LinkError {
    if (this.known.size === 0 && this.held.size === 0) {
      this.known.add(pid);
      return pid;
    }
    if (this.pendingForks > 0) {
      this.held.set(pid, []);
      return pid;
    }
    return this.stranger(pid);
  }

  /** A pid no fork created: the unprefixed root's own pid if it is the first such, else a stranger (its calls are noted, T6). */
  private stranger(pid: number): number | LinkError {
    if (pid !== UNPREFIXED && this.sawUnprefixed && this.known.has(UNPREFIXED)) {
      if (this.alias === null) {
        this.alias = pid;
        this.aliasGuessed = true;
        this.sink.rename(pid);
        return UNPREFIXED;
      }
      if (this.aliasGuessed) {
        return {
          message: `lines without a pid while processes ${this.alias}, ${pid} have no traced parent; record with strace -f -o FILE`,
          about: 'trace',
        };
      }
    }
    this.known.add(pid);
    return pid;
  }

  private emit(pid: number, item: Held, owned: boolean): LinkError | null {
    if (!(item instanceof Call)) {
      if (item.kind === 'end') {
        const err = this.close(pid);
        if (err !== null) return err;
      }
      this.sink.event(item);
      return null;
    }
    if (!owned) this.calls++;
    if (item.open) {
      const c = owned ? item : item.copy();
      if (forks(c.name)) {
        this.open.set(pid, { c, state: 'pending' });
        this.pendingForks++;
        return null;
      }
      this.open.set(pid, { c, state: 'emitted' });
      return this.sink.call(item);
    }
    return this.sink.call(item) ?? this.forked(item);
  }

  /** After a fork returned: its child's waiting lines go on. */
  private forked(c: RawCall): LinkError | null {
    const child = c.childPid();
    if (child === 0) return null;
    this.children.add(child);
    if (this.known.has(child)) return null;
    this.known.add(child);
    return this.drain(child, child);
  }

  /** Hand on the waiting lines of `pid`, as `as`. */
  private drain(pid: number, as: number): LinkError | null {
    const q = this.held.get(pid);
    if (q === undefined) return null;
    this.held.delete(pid);
    if (pid !== as) {
      const o = this.open.get(pid);
      if (o !== undefined) {
        this.open.delete(pid);
        this.open.set(as, o);
      }
    }
    for (const item of q) {
      if (item instanceof Call) item.pid = as;
      const err = this.emit(as, item instanceof Call ? item : { ...item, pid: as }, true);
      if (err !== null) return err;
    }
    return null;
  }

  /** `pid` ended: its pending fork, if any, is handed on without a result (it never returned). */
  private close(pid: number): LinkError | null {
    const o = this.open.get(pid);
    if (o === undefined) return null;
    this.open.delete(pid);
    o.c.open = false;
    if (o.state !== 'pending') return null;
    this.pendingForks--;
    return this.sink.call(o.c) ?? (this.pendingForks === 0 ? this.releaseStrangers() : null);
  }

  /** No fork is pending: pids still waiting were made by no traced fork. */
  private releaseStrangers(): LinkError | null {
    for (const pid of [...this.held.keys()]) {
      if (this.pendingForks > 0) return null;
      const as = this.stranger(pid);
      if (typeof as !== 'number') return as;
      const err = this.drain(pid, as);
      if (err !== null) return err;
    }
    return null;
  }

  private resume(pid: number, r: RawCall): LinkError | null {
    let key = pid;
    let o = this.open.get(pid);
    const root = this.open.get(UNPREFIXED);
    if (
      o === undefined &&
      pid !== UNPREFIXED &&
      this.alias === null &&
      root !== undefined &&
      root.c.name === r.name &&
      !this.children.has(pid)
    ) {
      // stderr output: the root's call began before the first child, without a pid prefix.
      o = root;
      key = UNPREFIXED;
      this.alias = pid;
      this.sink.rename(pid);
      const err = this.drain(pid, UNPREFIXED);
      if (err !== null) return err;
    }
    if (o === undefined) return `'<... ${r.name} resumed>' without an unfinished ${r.name} call of pid ${pid}`;
    const c = o.c;
    if (c.name !== r.name) return `'<... ${r.name} resumed>' but pid ${pid} is in ${c.name} (line ${c.line})`;
    if (c.nargs + r.nargs > 6) return 'more than 6 arguments';
    this.open.delete(key);
    c.halves.set(r.halves.subarray(0, 2 * r.nargs), 2 * c.nargs);
    c.nargs += r.nargs;
    c.retKnown = r.retKnown;
    c.ret = r.ret;
    c.retBig = r.retBig;
    c.open = false;
    if (o.state === 'queued') return null;
    if (o.state === 'emitted') {
      this.sink.completed(c);
      return null;
    }
    this.pendingForks--;
    return this.sink.call(c) ?? this.forked(c) ?? (this.pendingForks === 0 ? this.releaseStrangers() : null);
  }
}
