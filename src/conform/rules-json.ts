/**
 * The protocol's own dialect, `rules` (P9): the decision form (R1 to R4)
 * written as JSON, so a version-2 install can say any action for any call
 * without depending on another policy language. A text is one object:
 *
 *   {"otherArch": "kill-process",
 *    "arches": {"x86_64": {"otherwise": "errno:1",
 *                          "calls": {"39": [{"when": true, "action": "allow"}]}}}}
 *
 * `when` is `true`, `false`, `{"arg": 0, "op": "==", "value": "0x1"}`,
 * `{"arg": 0, "mask": "0xff", "value": "0x2"}`, `{"and": [...]}`,
 * `{"or": [...]}` or `{"not": ...}`; values are 64-bit hex strings; numbers
 * are decimal keys (signed 32-bit; x32 keys include bit 30); actions are
 * formatAction's spellings.
 */
import { formatAction, isActionError, parseAction, type Action } from '../action/index.ts';
import type { ArchRules, CmpOp, Cond, Rule, RuleArch, RuleSet } from '../ruleset/index.ts';

const ARCHES: readonly RuleArch[] = ['x86_64', 'ia32', 'x32'];
const OPS: readonly CmpOp[] = ['==', '!=', '<', '<=', '>', '>='];
const HEX = /^0x[0-9a-fA-F]{1,16}$/;

type Got<A> = { readonly ok: A } | { readonly error: string };
const bad = (where: string, what: string): { readonly error: string } => ({ error: `${where}: ${what}` });
const isObject = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);

function action(u: unknown, where: string): Got<Action> {
  if (typeof u !== 'string') return bad(where, 'expected an action spelling (a string)');
  const a = parseAction(u);
  return isActionError(a) ? bad(where, a.message) : { ok: a };
}

function hex(u: unknown, where: string): Got<bigint> {
  return typeof u === 'string' && HEX.test(u) ? { ok: BigInt(u) } : bad(where, 'expected "0x" and 1 to 16 hex digits');
}

function cond(u: unknown, where: string, depth = 0): Got<Cond> {
  if (depth > 32) return bad(where, 'conditions nest at most 32 deep');
  if (u === true) return { ok: { kind: 'true' } };
  if (u === false) return { ok: { kind: 'false' } };
  if (!isObject(u)) return bad(where, 'expected true, false or a condition object');
  for (const k of ['and', 'or'] as const) {
    if (k in u) {
      const xs = u[k];
      if (!Array.isArray(xs)) return bad(`${where}.${k}`, 'expected an array of conditions');
      const of: Cond[] = [];
      for (const [i, x] of xs.entries()) {
        const c = cond(x, `${where}.${k}[${i}]`, depth + 1);
        if ('error' in c) return c;
        of.push(c.ok);
      }
      return { ok: { kind: k, of } };
    }
  }
  if ('not' in u) {
    const c = cond(u['not'], `${where}.not`, depth + 1);
    return 'error' in c ? c : { ok: { kind: 'not', of: c.ok } };
  }
  const arg = u['arg'];
  if (typeof arg !== 'number' || !Number.isInteger(arg) || arg < 0 || arg > 5)
    return bad(`${where}.arg`, 'expected an argument index 0 to 5');
  const value = hex(u['value'], `${where}.value`);
  if ('error' in value) return value;
  if ('mask' in u) {
    const mask = hex(u['mask'], `${where}.mask`);
    return 'error' in mask ? mask : { ok: { kind: 'masked', arg, mask: mask.ok, value: value.ok } };
  }
  const op = u['op'];
  if (typeof op !== 'string' || !OPS.includes(op as CmpOp))
    return bad(`${where}.op`, `expected one of ${OPS.join(' ')} (or a "mask")`);
  return { ok: { kind: 'cmp', arg, op: op as CmpOp, value: value.ok } };
}

function archRules(u: unknown, where: string): Got<ArchRules> {
  if (!isObject(u)) return bad(where, 'expected {"otherwise": ACTION, "calls": {...}}');
  const otherwise = action(u['otherwise'], `${where}.otherwise`);
  if ('error' in otherwise) return otherwise;
  const callsIn = u['calls'] ?? {};
  if (!isObject(callsIn)) return bad(`${where}.calls`, 'expected an object of numbers to rule lists');
  const calls = new Map<number, readonly Rule[]>();
  for (const [key, list] of Object.entries(callsIn)) {
    const at = `${where}.calls.${key}`;
    if (!/^-?[0-9]{1,10}$/.test(key) || Number(key) !== (Number(key) | 0))
      return bad(at, 'expected a signed 32-bit system call number as the key');
    if (!Array.isArray(list)) return bad(at, 'expected an array of rules');
    const rules: Rule[] = [];
    for (const [i, r] of list.entries()) {
      if (!isObject(r)) return bad(`${at}[${i}]`, 'expected {"when": CONDITION, "action": ACTION}');
      const when = cond(r['when'] ?? true, `${at}[${i}].when`);
      if ('error' in when) return when;
      const a = action(r['action'], `${at}[${i}].action`);
      if ('error' in a) return a;
      rules.push({ when: when.ok, action: a.ok, origin: { index: i, text: `${key}[${i}]: ${formatAction(a.ok)}` } });
    }
    calls.set(Number(key), rules);
  }
  return { ok: { calls, otherwise: otherwise.ok } };
}

/** P9 a `rules` text as a rule set, or what is wrong and where (`arches.x86_64.calls.39[0].action: ...`). */
export function parseRulesJson(text: string): Got<RuleSet> {
  let u: unknown;
  try {
    u = JSON.parse(text);
  } catch (e) {
    return bad('rules', `not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isObject(u)) return bad('rules', 'expected {"otherArch": ACTION, "arches": {...}}');
  const otherArch = action(u['otherArch'], 'otherArch');
  if ('error' in otherArch) return otherArch;
  const archesIn = u['arches'] ?? {};
  if (!isObject(archesIn)) return bad('arches', 'expected an object with x86_64, ia32 or x32');
  const arches: Partial<Record<RuleArch, ArchRules>> = {};
  for (const [name, v] of Object.entries(archesIn)) {
    if (!ARCHES.includes(name as RuleArch)) return bad(`arches.${name}`, 'expected x86_64, ia32 or x32');
    const r = archRules(v, `arches.${name}`);
    if ('error' in r) return r;
    arches[name as RuleArch] = r.ok;
  }
  return { ok: { arches, otherArch: otherArch.ok } };
}

const hexOf = (v: bigint): string => `0x${BigInt.asUintN(64, v).toString(16)}`;

function condJson(c: Cond): unknown {
  switch (c.kind) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'cmp':
      return { arg: c.arg, op: c.op, value: hexOf(c.value) };
    case 'masked':
      return { arg: c.arg, mask: hexOf(c.mask), value: hexOf(c.value) };
    case 'and':
    case 'or':
      return { [c.kind]: c.of.map(condJson) };
    case 'not':
      return { not: condJson(c.of) };
  }
}

/** P9 a rule set as a `rules` text (parseRulesJson reads it back). */
export function printRulesJson(rs: RuleSet): string {
  const arches = Object.fromEntries(
    Object.entries(rs.arches).map(([name, r]) => [
      name,
      {
        otherwise: formatAction(r.otherwise),
        calls: Object.fromEntries(
          [...r.calls].map(([nr, rules]) => [
            String(nr),
            rules.map((x) => ({ when: condJson(x.when), action: formatAction(x.action) })),
          ]),
        ),
      },
    ]),
  );
  return JSON.stringify({ otherArch: formatAction(rs.otherArch), arches });
}
