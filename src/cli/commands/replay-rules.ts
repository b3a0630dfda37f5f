/**
 * `replay --dialect minijail|oci` (spec/18-oci.md, O7): each call the
 * traced program makes after its first execve, decided by the policy's
 * rule set (R4) as the loader's filter would decide it; every call that
 * does not run is listed once per system call and answer, with the rule
 * that answered (its index, names and comparisons, for a profile) or the
 * default that applied, and the rules Docker's conditions removed for it.
 */
import { actionRuns, formatAction } from '../../action/index.ts';
import { decideRules, archOfCall, type RuleSet } from '../../ruleset/index.ts';
import { checkedCalls, namedArgs, parseTrace } from '../../trace/index.ts';
import type { Abi } from '../../x86/table.ts';
import { callText, plural } from '../format.ts';
import { EXIT, type Io } from '../io.ts';
import { toJson } from '../inputs.ts';
import type { ReadPolicy } from '../dialect.ts';

interface Answered {
  readonly key: string;
  readonly line: number;
  readonly call: string;
  readonly action: string;
  readonly by: string;
  readonly removed: readonly string[];
  count: number;
}

/** The answer's origin: the rule (file, line or index, text), or the default. */
function byText(rs: RuleSet, file: string, abi: Abi, nr: number, args: readonly bigint[]): [string, string] {
  const d = decideRules(rs, abi, nr, args);
  if (d.rule !== undefined) {
    const o = d.rule.origin;
    return [formatAction(d.action), `rule: ${o.file ?? file}${o.line !== undefined ? `:${o.line}` : ''}: ${o.text}`];
  }
  if (d.by === 'other-arch') return [formatAction(d.action), `by: no rules for this architecture (${abi} call ${nr})`];
  const origin = rs.arches[archOfCall(abi, nr)]?.otherwiseOrigin?.text ?? 'default';
  return [formatAction(d.action), `by: no rule holds: the default (${origin})`];
}

/** Replay the checked calls of a trace text under a policy read into the decision form; the exit code. */
export function replayRules(
  policyFile: string,
  read: ReadPolicy,
  traceFile: string,
  traceText: string,
  abi: Abi,
  opts: { readonly json: boolean; readonly lenient: boolean },
  io: Io,
): number {
  const parsed = parseTrace(traceText, { abi, lenient: opts.lenient });
  if (!parsed.ok) {
    io.err(`${traceFile}:${parsed.error.line}: ${parsed.error.message}\n`);
    return EXIT.FAIL;
  }
  const calls = checkedCalls(parsed.trace);
  const answered = new Map<string, Answered>();
  let ran = 0;
  for (const c of calls) {
    const args = c.abi === 'ia32' ? c.args.map((a) => BigInt.asUintN(32, a)) : c.args;
    const d = decideRules(read.ruleSet, c.abi, c.nr, args);
    if (actionRuns(d.action)) {
      ran++;
      continue;
    }
    const [action, by] = byText(read.ruleSet, policyFile, c.abi, c.nr, args);
    const key = `${c.abi} ${c.nr} ${action} ${by}`;
    const seen = answered.get(key);
    if (seen !== undefined) {
      seen.count++;
      continue;
    }
    const removed = (read.oci?.removed ?? [])
      .filter((r) => r.names.includes(c.name))
      .map((r) => `syscalls[${r.index}] (${r.names.slice(0, 3).join(', ')}) removed by Docker: ${r.reason}`);
    answered.set(key, {
      key,
      line: c.line,
      call: `${callText(c.name, namedArgs(c.abi, c.nr, c.args))}${c.abi === 'ia32' ? ' [ia32]' : ''}`,
      action,
      by,
      removed,
      count: 1,
    });
  }
  const rows = [...answered.values()];
  if (opts.json)
    io.out(
      `${toJson({ ok: rows.length === 0, policy: policyFile, dialect: read.dialect, trace: traceFile, calls: calls.length, ran, answered: rows.map(({ key: _k, ...r }) => r) })}\n`,
    );
  else
    io.out(
      `replay of ${traceFile} (${plural(calls.length, 'checked call')}) under ${policyFile} (${read.dialect}): ${plural(ran, 'call')} run, ${plural(calls.length - ran, 'call')} not\n` +
        rows
          .map(
            (r) =>
              `  line ${r.line}: ${r.call}: ${r.action} (${plural(r.count, 'call')})\n    ${r.by}\n${r.removed.map((x) => `    note: ${x}\n`).join('')}`,
          )
          .join(''),
    );
  return rows.length === 0 ? EXIT.OK : EXIT.FAIL;
}
