/**
 * docs/protocol-graph.md holds generated tables (n = 3..100 at 5%/5%, and Google's reference rows
 * beside ours): they must be exactly what the code gives. Regenerate with
 * `npx tsx test/vectors/protocol-graph-table.ts`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOC, TABLES, section } from '../vectors/protocol-graph-table.js';

describe('docs/protocol-graph.md tables', () => {
  const doc = readFileSync(DOC, 'utf8');
  for (const [name, render] of Object.entries(TABLES)) {
    it(`${name} is what the code gives`, () => {
      expect(section(doc, name)).toBe(render());
    });
  }
  it('the small-cohort table has a row for every n = 3..100', () => {
    const rows = section(doc, 'small-cohorts').split('\n').slice(2);
    expect(rows.map((r) => Number(r.split('|')[1]))).toEqual(Array.from({ length: 98 }, (_, i) => i + 3));
  });
});
