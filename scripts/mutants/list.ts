/**
 * The mutants `npm run mutants` (scripts/mutants/run.ts) plants, one at a
 * time: each a one-line bug the suites must catch. A mutant names the one
 * file it is planted in, and its search text must occur there exactly
 * once: test/mutants.test.ts checks every mutant in `npm test`, so a
 * refactor that moves or reflows the code cannot disable a mutant
 * unnoticed (re-aim it at the code's new text). Grow this list with every
 * bug found.
 */

/** One planted bug. */
export interface Mutant {
  /** Stable name, used by `--only`. */
  readonly id: string;
  /** The file it is planted in, from the repository's root. */
  readonly file: string;
  /** Exact text that must occur once in the file. */
  readonly search: string;
  /** What replaces it. */
  readonly replace: string;
  /** The rule the mutant breaks, and where it came from. */
  readonly breaks: string;
  /** Test files run first (quick); when they all pass, the whole suite decides. */
  readonly tests: readonly string[];
  /** Set when no test can tell the mutant from the original: why. */
  readonly equivalent?: string;
}

/** The list: an audit's mutants first, then the S10 bugs, then later finds. */
export const MUTANTS: readonly Mutant[] = [
  // ---- the audit
  {
    id: 'lint-negative-nr',
    tests: ['test/grammar-lint.test.ts'],
    file: 'src/grammar/lint.ts',
    search: "if (p.field.kind === 'nr' && p.value < 0n) out.push(`'${text}': negative value for nr`);",
    replace: '',
    breaks: 'S10a the negative-nr lint rule (the audit survivor)',
  },
  {
    id: 'cmp-lt-as-le',
    tests: ['test/model-machine.test.ts'],
    file: 'src/grammar/ast.ts',
    search: "case '<':\n      return a < b;",
    replace: "case '<':\n      return a <= b;",
    breaks: 'S3.3 `<` is strict (the shared comparison)',
  },
  {
    id: 'model-execve-clears-filters',
    tests: ['test/model-machine.test.ts'],
    file: 'src/model/syscall.ts',
    search: 'return returns(m, { ...task, comm, memory: EMPTY_MEMORY }, 0n);',
    replace:
      'return returns(m, { ...task, comm, memory: EMPTY_MEMORY, seccomp: { ...task.seccomp, mode: 0, abi: null, filters: new Map() } }, 0n);',
    breaks: 'S7.2 execve keeps the seccomp state (model)',
  },
  {
    id: 'replay-drops-high-half',
    tests: ['test/trace-replay.test.ts'],
    file: 'src/trace/replay.ts',
    search: 'w[b + RDI + 1] = h[1]!;',
    replace: 'w[b + RDI + 1] = 0;',
    breaks: 'S3.2 native arguments are 64 bits (replay, safe integers)',
  },
  {
    id: 'strace-drops-high-half-bigint',
    tests: ['test/trace-strace.test.ts', 'test/trace-replay.test.ts'],
    file: 'src/trace/strace.ts',
    search: 'out[at + 1] = Number(v >> 32n);',
    replace: 'out[at + 1] = 0;',
    breaks: 'S3.2 native arguments are 64 bits (strace scanner, decimal values past 2^53)',
  },
  {
    id: 'engine-prctl-nr-range',
    tests: ['test/engine-prctl.test.ts'],
    file: 'src/kernel/prctl.ts',
    search: 'if (a1 >= BigInt(syscallTable(ABI_OF[callAbi]!).nrSyscalls)) return -ERRNO.EINVAL;',
    replace: 'if (a1 > BigInt(syscallTable(ABI_OF[callAbi]!).nrSyscalls)) return -ERRNO.EINVAL;',
    breaks: 'S5.3 an nr of NR_syscalls is -EINVAL (engine)',
  },
  {
    id: 'link-fork-zero-is-child',
    tests: ['test/trace-replay.test.ts', 'test/trace-strace.test.ts'],
    file: 'src/trace/call.ts',
    search: 'return this.ret > 0 ? this.ret : 0;',
    replace: 'return this.ret >= 0 ? this.ret : 0;',
    breaks: 'T: a fork returning 0 (the child side) is not a new task',
    equivalent: 'pid 0 is never the prefix of a traced line, so a 0 in the set of children is never looked up',
  },
  {
    id: 'lenient-skip-not-reported',
    tests: ['properties/trace-robustness.prop.ts'],
    file: 'src/trace/stream.ts',
    search: 'this.opts.onSkip?.(error);',
    replace: '',
    breaks: 'T: lenient parsing reports every line it skips (the pipeline, both formats)',
  },
  {
    id: 'lenient-skip-not-listed',
    tests: ['properties/trace-robustness.prop.ts'],
    file: 'src/trace/parse.ts',
    search: 'onSkip: (e) => skipped.push(e)',
    replace: 'onSkip: () => undefined',
    breaks: 'T: lenient parsing lists every line it skips (the parsed trace, both formats)',
  },
  {
    id: 'engine-fork-drops-pending',
    tests: ['test/engine-tasks.test.ts', 'properties/diff-machine.prop.ts'],
    file: 'src/kernel/core.ts',
    search: 't.comm, t.code, t.state, t.pending, t.mem.share()',
    replace: 't.comm, t.code, t.state, false, t.mem.share()',
    breaks: 'S7.1 a child copies the whole seccomp state, the pending grant too (engine)',
    equivalent:
      'the fork is itself the call that spends the grant (S6.4 runs before dispatch), so a forking task never has a pending grant to copy',
  },
  {
    id: 'model-fork-empties-filters',
    tests: ['properties/model-fork.prop.ts'],
    file: 'src/model/syscall.ts',
    search: 'const child: Task = { ...task, pid, tgid: thread ? task.tgid : pid, regs: { ...task.regs, rax: 0n } };',
    replace:
      'const child: Task = { ...task, pid, tgid: thread ? task.tgid : pid, regs: { ...task.regs, rax: 0n }, seccomp: { ...task.seccomp, filters: new Map() } };',
    breaks: 'S7.1 a child copies the filters (model)',
  },
  {
    id: 'engine-exit-status-7-bits',
    tests: ['test/engine-fastpath.test.ts'],
    file: 'src/kernel/core.ts',
    search: '! & 0xff;',
    replace: '! & 0x7f;',
    breaks: 'C20 the exit status is the low 8 bits (engine)',
  },
  {
    id: 'generate-keeps-comments-past-64k',
    tests: ['test/cli-trace.test.ts'],
    file: 'src/trace/generate.ts',
    search: "? commented : header + entries.map((e) => e.line).join('');",
    replace: '? commented : commented;',
    breaks: 'T10 a generated policy fits the 64 KiB prctl reads',
  },
  // ---- S10: the historical bugs, planted in the source (the suites also plant them through Rules)
  {
    id: 's10.1-model-unparenthesised-merge',
    tests: ['properties/model-reduce-only.prop.ts', 'properties/model-merge.prop.ts'],
    file: 'src/model/rules.ts',
    search: 'mergeText: (old: string, next: string) => `(${old}) && (${next})`,',
    replace: 'mergeText: (old: string, next: string) => `(${old}) && ${next}`,',
    breaks: 'S10.1 merge as `(old) && new` (model)',
  },
  {
    id: 's10.1-engine-unparenthesised-merge',
    tests: ['properties/diff-laws.prop.ts'],
    file: 'src/seccomp/rules.ts',
    search: 'mergeText: (old: string, next: string) => `(${old}) && (${next})`,',
    replace: 'mergeText: (old: string, next: string) => `(${old}) && ${next}`,',
    breaks: 'S10.1 merge as `(old) && new` (engine)',
  },
  {
    id: 's10.2-model-inverted-abi',
    tests: ['properties/model-abi.prop.ts'],
    file: 'src/model/rules.ts',
    search: 'abiMatches: (stateAbi: Abi, callAbi: Abi) => stateAbi === callAbi,',
    replace: 'abiMatches: (stateAbi: Abi, callAbi: Abi) => stateAbi !== callAbi,',
    breaks: 'S10.2 the inverted ABI check (model)',
  },
  {
    id: 's10.2-engine-inverted-abi',
    tests: ['properties/diff-laws.prop.ts'],
    file: 'src/seccomp/rules.ts',
    search: 'abiMatches: (stateAbi: Abi, callAbi: Abi) => stateAbi === callAbi,',
    replace: 'abiMatches: (stateAbi: Abi, callAbi: Abi) => stateAbi !== callAbi,',
    breaks: 'S10.2 the inverted ABI check (engine)',
  },
  // ---- the rest of the rules, one mutant each
  {
    id: 'model-strict-exit-group',
    tests: ['properties/model-strict.prop.ts'],
    file: 'src/model/secure.ts',
    search: 'x86_64: [0, 1, 60, 15],',
    replace: 'x86_64: [0, 1, 231, 15],',
    breaks: 'S6.3 strict mode allows exit, not exit_group (model)',
  },
  {
    id: 'engine-strict-compat-sigreturn',
    tests: ['properties/diff-laws.prop.ts'],
    file: 'src/seccomp/secure.ts',
    search: 'const STRICT_COMPAT = strictSet([1, 3, 4, 119]);',
    replace: 'const STRICT_COMPAT = strictSet([1, 3, 4, 173]);',
    breaks: 'S6.3 compat strict mode allows sigreturn 119 (engine)',
  },
  {
    id: 'engine-pending-not-spent',
    tests: ['test/engine-entry.test.ts'],
    file: 'src/seccomp/secure.ts',
    search: 't.flags = flags & ~PENDING_BIT;',
    replace: 't.flags = flags;',
    breaks: 'S6.4 the on_next_syscall grant allows one call only (engine)',
  },
  {
    id: 'model-compat-full-registers',
    tests: ['test/model-state.test.ts'],
    file: 'src/model/secure.ts',
    search: 'COMPAT_ARGS.map((r) => BigInt.asUintN(32, regs[r]))',
    replace: 'COMPAT_ARGS.map((r) => regs[r])',
    breaks: 'S3.2 compat arguments are the low 32 bits (model)',
  },
  {
    id: 'engine-compat-reads-high-half',
    tests: ['test/engine-fastpath.test.ts'],
    file: 'src/seccomp/compile.ts',
    search: "compatRegs: (i, high) => (high ? '0' : `w[b + ${lit(COMPAT_ARG_REGS[i]!)}]`),",
    replace: 'compatRegs: (i, high) => `w[b + ${lit(COMPAT_ARG_REGS[i]! + (high ? 1 : 0))}]`,',
    breaks: 'S3.2 compat arguments are the low 32 bits (engine compiler)',
  },
  {
    id: 'engine-ne-as-and',
    tests: ['test/engine-compiled.test.ts', 'test/engine-fastpath.test.ts'],
    file: 'src/seccomp/compile.ts',
    search: '      return `(${l} !== ${vl} || ${h} !== ${vh})`;',
    replace: '      return `(${l} !== ${vl} && ${h} !== ${vh})`;',
    breaks: 'S3.3 `!=` differs in either half (engine compiler)',
  },
  {
    id: 'grammar-term-limit-33',
    tests: ['test/grammar-filter.test.ts'],
    file: 'src/grammar/parse.ts',
    search: 'if (offsets.length > MAX_TERMS) {',
    replace: 'if (offsets.length > MAX_TERMS + 1) {',
    breaks: 'S2.3 at most 32 terms',
  },
  {
    id: 'grammar-length-limit-256',
    tests: ['test/grammar-filter.test.ts'],
    file: 'src/grammar/parse.ts',
    search: 'if (s.length > MAX_FILTER_LENGTH) return fail(',
    replace: 'if (s.length > MAX_FILTER_LENGTH + 1) return fail(',
    breaks: 'S2.3 at most 255 characters',
  },
  {
    id: 'grammar-negative-unsigned',
    tests: ['test/grammar-filter.test.ts'],
    file: 'src/grammar/parse.ts',
    search: 'if (!signed) return undefined;',
    replace: '',
    breaks: 'S2.1 `-` only for signed fields',
  },
  {
    id: 'model-allow-replaces-entry',
    tests: ['test/model-state.test.ts'],
    file: 'src/model/state.ts',
    search: "if (next.kind === 'allow') return E.right(old);",
    replace: "if (next.kind === 'allow') return E.right(next);",
    breaks: 'S5.4 `1` for an existing entry changes nothing (model)',
  },
  {
    id: 'engine-new-entry-in-mode-2',
    tests: ['test/engine-prctl.test.ts'],
    file: 'src/seccomp/state.ts',
    search: 'if (this.mode === 2) return ERRNO.EACCES;\n      this.filters.set(nr, filter);',
    replace: 'this.filters.set(nr, filter);',
    breaks: 'S5.4 a new entry in mode 2 is -EACCES (engine)',
  },
  {
    id: 'engine-get-enospc-off-by-one',
    tests: ['test/engine-prctl.test.ts'],
    file: 'src/kernel/prctl.ts',
    search: 'if (size < BigInt(need)) return -ERRNO.ENOSPC;',
    replace: 'if (size <= BigInt(need)) return -ERRNO.ENOSPC;',
    breaks: 'S5.3 GET fits the text and its NUL exactly (engine)',
  },
  {
    id: 'engine-proc-filtering-while-pending',
    tests: ['test/engine-spec-examples.test.ts'],
    file: 'src/kernel/observe.ts',
    search: '`Filtering: ${st.mode === 2 && !t.pending ? 1 : 0}`',
    replace: '`Filtering: ${st.mode === 2 ? 1 : 0}`',
    breaks: 'S8 Filtering is 0 while the grant is pending (engine)',
  },
  {
    id: 'model-kill-log-decimal-ip',
    tests: ['test/model-machine.test.ts'],
    file: 'src/model/secure.ts',
    search: 'blocked at ip:${rip.toString(16)}',
    replace: 'blocked at ip:${rip.toString(10)}',
    breaks: 'S6.6 the kill log prints rip in hex (model)',
  },
  {
    id: 'print-and-right-unwrapped',
    tests: ['test/grammar-print.test.ts'],
    file: 'src/grammar/print.ts',
    search: 'return `${wrap(e.left, 2, args)} && ${wrap(e.right, 3, args)}`;',
    replace: 'return `${wrap(e.left, 2, args)} && ${wrap(e.right, 2, args)}`;',
    breaks: 'S9.8 printing keeps the tree (a && (b && c))',
  },
  {
    id: 'explain-settles-wrong-side',
    tests: ['test/trace-explain.test.ts'],
    file: 'src/trace/explain.ts',
    search: "const settles = e.kind === 'or';",
    replace: "const settles = e.kind === 'and';",
    breaks: 'T: the explanation names the operand that decided',
  },
  {
    id: 'lint-and-zero',
    tests: ['test/grammar-lint.test.ts'],
    file: 'src/grammar/lint.ts',
    search: "if (p.op === '&' && p.value === 0n) out.push(`'${text}': '& 0' is never true`);",
    replace: '',
    breaks: "S10a the '& 0' lint rule",
  },
  {
    id: 'lint-execve-not-dangerous',
    tests: ['test/grammar-lint.test.ts'],
    file: 'src/grammar/lint.ts',
    search: "new Set(['prctl', 'execve', 'execveat'])",
    replace: "new Set(['prctl', 'execveat'])",
    breaks: 'S10a execve allowed without checks is reported',
  },
];
