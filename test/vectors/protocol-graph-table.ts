/**
 * The generated tables of docs/protocol-graph.md: the (n, kind, k, t) that findGraphParameters
 * gives for n = 3..100 at 5% corrupt, 5% dropout, and Google's 88 reference rows beside ours.
 * `npx tsx test/vectors/protocol-graph-table.ts` rewrites them between their markers;
 * test/graph/doc-table.test.ts checks that the doc holds exactly what the code gives.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findGraphParametersGoogle } from '../../src/graph/_google.js';
import { corruptNeighbourBound, googleCounts } from '../../src/graph/_params.js';
import { type AdversaryClass, countAtFraction, findGraphParameters, type GraphParameters } from '../../src/graph/index.js';
import params from './protocol-graph-params.json' with { type: 'json' };

export const DOC = new URL('../../docs/protocol-graph.md', import.meta.url);

function attempt(f: () => GraphParameters): GraphParameters | null {
  try {
    return f();
  } catch (e) {
    if ((e as { code?: string }).code === 'NO_FEASIBLE_GRAPH') return null;
    throw e;
  }
}

const cell = (p: GraphParameters | null): string =>
  p === null ? '`NO_FEASIBLE_GRAPH` | | ' : `${p.kind} | ${p.degree} | ${p.threshold}`;

/** n = 3..100 at 5% corrupt, 5% dropout, both adversaries. */
export function smallCohortTable(): string {
  const lines = [
    '| n | c = d | semi-honest | k | t | semi-malicious | k | t |',
    '| ---: | ---: | --- | ---: | ---: | --- | ---: | ---: |',
  ];
  for (let n = 3; n <= 100; n++) {
    const at = (adversary: AdversaryClass) => attempt(() => findGraphParameters({ clients: n, corruptFraction: 0.05, dropoutFraction: 0.05, adversary }));
    lines.push(`| ${n} | ${countAtFraction(0.05, n)} | ${cell(at('semiHonest'))} | ${cell(at('semiMalicious'))} |`);
  }
  return lines.join('\n');
}

const percent = (f: number): string => `${Math.round(f * 100)}%`;
const withCommas = (n: number): string => n.toLocaleString('en-US');

/** Google's reference rows: its (k, t) and t1 beside ours. */
export function referenceTable(): string {
  const lines = [
    '| n | corrupt | dropout | adversary | Google k / t (t1) | ours | k / t (t1) |',
    '| ---: | ---: | ---: | --- | ---: | --- | ---: |',
  ];
  for (const v of params.google) {
    const adversary = v.adversary as AdversaryClass;
    const options = { clients: v.clients, corruptFraction: v.corruptFraction, dropoutFraction: v.dropoutFraction, adversary };
    const google = findGraphParametersGoogle(options);
    const googleT1 = corruptNeighbourBound(
      { clients: v.clients, ...googleCounts(v.clients, v.corruptFraction, v.dropoutFraction), semiMalicious: false, securityBits: 40, correctnessBits: 20, rule: 'google' },
      google.degree,
    );
    const ours = attempt(() => findGraphParameters(options));
    let oursCell = '`NO_FEASIBLE_GRAPH` | ';
    if (ours !== null && ours.kind === 'harary') {
      const t1 = corruptNeighbourBound(
        { clients: v.clients, corrupt: countAtFraction(v.corruptFraction, v.clients), dropouts: 0, survivors: v.clients, semiMalicious: false, securityBits: 40, correctnessBits: 20, rule: 'sound' },
        ours.degree,
      );
      const same = ours.degree === google.degree && ours.threshold === google.threshold;
      oursCell = `harary | ${same ? '' : '**'}${ours.degree} / ${ours.threshold} (${t1})${same ? '' : '**'}`;
    } else if (ours !== null) {
      oursCell = `**complete** | ${ours.degree} / ${ours.threshold}`;
    }
    lines.push(
      `| ${withCommas(v.clients)} | ${percent(v.corruptFraction)} | ${percent(v.dropoutFraction)} | ${adversary} | ${google.degree} / ${google.threshold} (${googleT1}) | ${oursCell} |`,
    );
  }
  return lines.join('\n');
}

export const TABLES: Readonly<Record<string, () => string>> = {
  'small-cohorts': smallCohortTable,
  'reference-rows': referenceTable,
};

/** The text between `<!-- table:NAME -->` and `<!-- /table:NAME -->` (exclusive, trimmed). */
export function section(doc: string, name: string): string {
  const start = `<!-- table:${name} -->`;
  const end = `<!-- /table:${name} -->`;
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  if (a < 0 || b < a) throw new Error(`docs/protocol-graph.md has no ${start} ... ${end} section`);
  return doc.slice(a + start.length, b).trim();
}

function replaceSection(doc: string, name: string, body: string): string {
  const start = `<!-- table:${name} -->`;
  const end = `<!-- /table:${name} -->`;
  section(doc, name);
  return `${doc.slice(0, doc.indexOf(start) + start.length)}\n${body}\n${doc.slice(doc.indexOf(end))}`;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  let doc = readFileSync(DOC, 'utf8');
  for (const [name, render] of Object.entries(TABLES)) doc = replaceSection(doc, name, render());
  writeFileSync(DOC, doc);
  console.log(`rewrote ${Object.keys(TABLES).join(', ')} in ${fileURLToPath(DOC)}`);
}
