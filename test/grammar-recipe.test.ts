/**
 * The parser builds its grammars from src/grammar/recipe.ts, not from the
 * source in src/grammar/grammar.ts, to start fast: the file must be what
 * scripts/gen-grammar.ts makes from that source today, and the grammars
 * built both ways must accept and reject the same texts.
 */
import test from 'ava';
import * as ohm from 'ohm-js';
import { FILTER_GRAMMAR_SOURCE } from '../src/grammar/grammar.ts';
import { GRAMMAR_RECIPES } from '../src/grammar/recipe.ts';
import { recipeData } from '../scripts/grammar-recipes.ts';

test('src/grammar/recipe.ts is what npm run gen:grammar makes from the grammar source', (t) => {
  t.deepEqual(GRAMMAR_RECIPES, recipeData());
  t.deepEqual(Object.keys(GRAMMAR_RECIPES), ['SeccompLexical', 'SeccompFilter', 'SeccompPolicyLine']);
});

/** A failed match's message (ohm's MatchResult has it, its types do not say so). */
const message = (m: ohm.MatchResult): string => (m as ohm.MatchResult & { readonly message: string }).message;

test('the grammars built from the recipes match exactly what the compiled source matches', (t) => {
  const compiled = ohm.grammars(FILTER_GRAMMAR_SOURCE);
  const make = (ohm as unknown as { makeRecipe: (r: readonly unknown[]) => ohm.Grammar }).makeRecipe;
  const texts: Readonly<Record<string, readonly string[]>> = {
    SeccompFilter: [
      'fd == 0',
      'a == 1 || !(b & 2) && c >= -3',
      'fd = 1',
      'fd == ',
      '(fd == 1',
      'x & & 1',
      'fd\x00== 1',
    ],
    SeccompPolicyLine: ['read: fd == 0', 'sys_write : 1', ': 1', 'read fd', 'read:\n1'],
  };
  for (const [name, inputs] of Object.entries(texts)) {
    const built = make(GRAMMAR_RECIPES[name]!);
    for (const text of inputs) {
      const [a, b] = [built.match(text), compiled[name]!.match(text)];
      t.is(a.succeeded(), b.succeeded(), `${name}: ${JSON.stringify(text)}`);
      if (a.failed()) t.is(message(a), message(b), `${name}: ${JSON.stringify(text)}`);
    }
  }
});
