/**
 * Writes src/grammar/recipe.ts: the ohm-js recipes of the filter grammars
 * (src/grammar/grammar.ts), so that loading the parser builds the grammars
 * from data instead of compiling their source, which cost most of the CLI's
 * start (test/grammar-recipe.test.ts holds the file equal to this output).
 * Run with `npm run gen:grammar` after editing the grammar's source.
 */
import { writeFileSync } from 'node:fs';
import { grammarRecipes } from './grammar-recipes.ts';

const out = new URL('../src/grammar/recipe.ts', import.meta.url);
writeFileSync(out, grammarRecipes());
console.log(`wrote ${out.pathname}`);
