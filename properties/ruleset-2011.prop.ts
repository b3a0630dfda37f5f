/** R5 on the model: a 2011 filter in the decision form answers allow exactly when the filter allows. */
import test from 'ava';
import fc from 'fast-check';
import { parseFilter } from '../src/grammar/index.ts';
import * as model from '../src/model/index.ts';
import { decideRules, ruleSetOf2011 } from '../src/ruleset/index.ts';
import { syscallTable } from '../src/x86/table.ts';
import { POOL, argValue, filterText, nrOf } from './model-arbitraries.ts';
import { params } from './support.ts';

test('R5 a 2011 entry in the decision form allows exactly when its filter allows, and kills otherwise', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(
        fc.constantFrom('x86_64' as const, 'ia32' as const),
        fc.constantFrom(...POOL).chain((name) => fc.tuple(fc.constant(name), filterText(name))),
        fc.array(argValue(), { minLength: 6, maxLength: 6 }),
        fc.boolean(),
        (abi, [name, text], args, otherAbi) => {
          const nr = nrOf(abi, name);
          const parsed = parseFilter(text, syscallTable(abi).byNr(nr)?.args ?? []);
          if (!parsed.ok) return true;
          const filters = new Map(parsed.filter.kind === 'drop' ? [] : [[nr, parsed.filter]]);
          const rs = ruleSetOf2011(abi, filters, () => text);
          const callAbi = otherAbi ? (abi === 'x86_64' ? 'ia32' : 'x86_64') : abi;
          const got = decideRules(rs, callAbi, nr, args).action.kind;
          const want = !otherAbi && parsed.filter.kind !== 'drop' && model.filterAllows(parsed.filter, { nr, args });
          return got === (want ? 'allow' : 'kill');
        },
      ),
      params(2000),
    ),
  );
});
