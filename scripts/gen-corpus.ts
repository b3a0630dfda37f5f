/**
 * Writes conformance/corpus.jsonl and corpus-v2.jsonl from the hand-written
 * requests of conformance/cases.ts and cases-v2.ts with the model's
 * answers (P5, P9).
 * Usage: npm run gen:corpus
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { corpusCases, corpusText } from '../conformance/cases.ts';
import { corpusV2Cases, corpusV2Text } from '../conformance/cases-v2.ts';

const out = fileURLToPath(new URL('../conformance/corpus.jsonl', import.meta.url));
writeFileSync(out, corpusText());
process.stdout.write(`wrote ${corpusCases().length} cases to ${out}\n`);
const outV2 = fileURLToPath(new URL('../conformance/corpus-v2.jsonl', import.meta.url));
writeFileSync(outV2, corpusV2Text());
process.stdout.write(`wrote ${corpusV2Cases().length} cases to ${outV2}\n`);
