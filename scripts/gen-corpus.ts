/**
 * Writes conformance/corpus.jsonl from the hand-written requests of
 * conformance/cases.ts with the model's answers (P5).
 * Usage: npm run gen:corpus
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { corpusCases, corpusText } from '../conformance/cases.ts';

const out = fileURLToPath(new URL('../conformance/corpus.jsonl', import.meta.url));
writeFileSync(out, corpusText());
process.stdout.write(`wrote ${corpusCases().length} cases to ${out}\n`);
