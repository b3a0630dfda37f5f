/**
 * readOci: a profile text read into the decision form as runc and
 * libseccomp 2.5 apply it on x86 (spec/18-oci.md, O1 to O9).
 */
import * as E from 'fp-ts/lib/Either.js';
import { formatAction } from '../action/index.ts';
import type { RuleSet } from '../ruleset/index.ts';
import { resolveDocker, type DockerContext, type RemovedRule } from './docker.ts';
import { knownName, type SeccompArch } from './arches.ts';
import { libseccompRuleSet, type Refused, type Shadowed } from './libseccomp.ts';
import { rangeMerges, swappedOverlaps, weakenedRules, type Weakened } from './lint.ts';
import { readProfile, type OciError, type Profile } from './profile.ts';
import { runcRules, type LibRule } from './runc.ts';

/** How to read a profile. */
export interface OciOptions {
  /** What Docker's conditions are resolved against. */
  readonly docker: DockerContext;
  /** Names to treat as unknown besides those no x86 table has (e.g. names an older libseccomp lacks). */
  readonly unknownNames?: readonly string[];
}

/** A profile in the decision form, with everything the reading found. */
export interface OciPolicy {
  readonly ruleSet: RuleSet;
  /** The profile as runc receives it (after Docker's resolution). */
  readonly profile: Profile;
  /** The x86 architectures of the filter (x86_64 always). */
  readonly arches: readonly SeccompArch[];
  /** The rules libseccomp is given, in order. */
  readonly rules: readonly LibRule[];
  /** Rules Docker's conditions removed, and which condition did. */
  readonly removed: readonly RemovedRule[];
  /** Unknown fields, unknown names, rules dropped for having the default action, non-x86 architectures. */
  readonly warnings: readonly OciError[];
  /** Rules libseccomp's rewriting weakens on some architecture. */
  readonly weakened: readonly Weakened[];
  /** Rules another rule answers before on some call. */
  readonly shadowed: readonly Shadowed[];
}

const X86: Readonly<Record<string, SeccompArch>> = {
  SCMP_ARCH_X86_64: 'x86_64',
  SCMP_ARCH_X86: 'x86',
  SCMP_ARCH_X32: 'x32',
};

const refusal = (p: Profile, r: Refused): OciError => ({
  path: `${p.at}.syscalls[${r.rule.index}]`,
  message:
    `libseccomp refuses ${r.rule.text} on ${r.arch} (EEXIST): it compares as ${r.conflictsWith.text} does, ` +
    'or extends it, with a different action; runc would not start the container',
});

/**
 * Read a profile text (either shape) into a RuleSet as runc with
 * libseccomp 2.5 compiles it on an x86_64 machine (O1 to O7).
 */
export function readOci(text: string, opts: OciOptions): E.Either<readonly OciError[], OciPolicy> {
  const read = readProfile(text);
  if (E.isLeft(read)) return read;
  const resolved = resolveDocker(read.right.profile, opts.docker);
  const p = resolved.profile;
  const extraUnknown = new Set(opts.unknownNames ?? []);
  const runc = runcRules(p, resolved.indices, (n) => knownName(n) && !extraUnknown.has(n));
  if (E.isLeft(runc)) return runc;
  const warnings: OciError[] = [...read.right.warnings];
  const arches: SeccompArch[] = ['x86_64'];
  for (const a of p.architectures) {
    const x = X86[a];
    if (x === undefined)
      warnings.push({
        path: `${p.at}.architectures`,
        message: `${a} is not an x86 architecture: no call of it reaches a filter on this machine`,
      });
    else if (!arches.includes(x)) arches.push(x);
  }
  if (runc.right.unknownNames.length > 0)
    warnings.push({
      path: `${p.at}.syscalls`,
      message: `unknown system call names, skipped as runc skips them: ${runc.right.unknownNames.join(', ')}`,
    });
  for (const d of runc.right.droppedAsDefault)
    warnings.push({
      path: `${p.at}.syscalls[${d.index}]`,
      message: `${d.name}: the rule's action is the default action; runc does not add it`,
    });
  const def = runc.right.defaultAction;
  const lib = libseccompRuleSet(
    runc.right.rules,
    def,
    `defaultAction ${p.defaultAction}${def.kind === 'errno' || def.kind === 'trace' ? ` (${formatAction(def)})` : ''}`,
    arches,
  );
  if (lib.refused.length > 0) return E.left(lib.refused.map((r) => refusal(p, r)));
  // Where libseccomp 2.5.4's program is known to differ from the rules' meaning, which the RuleSet keeps.
  for (const m of rangeMerges(runc.right.rules))
    warnings.push({
      path: `${p.at}.syscalls[${m.second.index}]`,
      message: `${m.second.text} and ${m.first.text} compare a${m.arg} with a range operator: libseccomp 2.5.4 merges their 64-bit high-word tests and its program may answer against both (O6)`,
    });
  const swapped = swappedOverlaps(runc.right.rules, arches);
  if (swapped.length > 0)
    warnings.push({
      path: `${p.at}.syscalls`,
      message: `${swapped.join(', ')}: NE, LT or LE beside other conditional rules of the call, where libseccomp 2.5.4's program may skip or drop rules (O8)`,
    });
  return E.right({
    ruleSet: lib.ruleSet,
    profile: p,
    arches,
    rules: runc.right.rules,
    removed: resolved.removed,
    warnings,
    weakened: weakenedRules(runc.right.rules, arches),
    shadowed: lib.shadowed,
  });
}
